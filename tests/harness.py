"""Runs the whole program under the SDK's mock engine for a stack config (tests' entry point).

Also where the tests find controller data: CONTROLLER_CHECKOUT is the tests' own controller-like
checkout (tests/fake_checkout.py); the real upstream files are only read through `reference()`, from
the folder named by OPENKASUGAI_AIO_REFERENCE (.ci/run sets it to ../shared/reference).
"""
from __future__ import annotations

import atexit
import dataclasses
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional
from unittest import mock

from preview import output
from preview.engine import PROJECT_DIR, PreviewResult, ProgramMocks, run_program
from renderers.platform import manifests as addons
from tests.fake_checkout import write_checkout

STACKS = Path(__file__).resolve().parent / "stacks"
REFERENCE_ENV = "OPENKASUGAI_AIO_REFERENCE"
_SCRATCH = Path(tempfile.mkdtemp(prefix="openkasugai-aio-tests-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
CONTROLLER_CHECKOUT = write_checkout(_SCRATCH / "controller")


def _stand_in_addons(folder: Path) -> tuple[addons.Bundle, ...]:
    """Stand-ins for the add-on bundles in an addonManifests folder, and pins that match them.

    The program only passes the bundles' paths to pulumi-kubernetes, which the mock engine never reads;
    the real files are checked by the upstream-conformance tests.
    """
    pinned = []
    for b in addons.BUNDLES:
        path = folder / b.local_name
        if b.kustomize:
            (path / b.folder).mkdir(parents=True)
            (path / b.folder / "kustomization.yaml").write_text(f"# stand-in for {b.url} {b.version}\nresources: []\n")
            pinned.append(b)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# stand-in for {b.url}\n")
            pinned.append(dataclasses.replace(b, sha256=hashlib.sha256(path.read_bytes()).hexdigest()))
    return tuple(pinned)


ADDON_MANIFESTS = _SCRATCH / "addons"
STAND_IN_PINS = _stand_in_addons(ADDON_MANIFESTS)


def reference(*parts: str) -> Path:
    """A path inside the upstream reference data; skips without OPENKASUGAI_AIO_REFERENCE (fails under CI)."""
    # pytest is imported here: benchmarks/preview_bench.py runs this module outside pytest, where importing
    # it would be a tenth of the time measured.
    import pytest
    root = os.environ.get(REFERENCE_ENV)
    if not root:
        why = (f"upstream-conformance test: set {REFERENCE_ENV} to the folder holding the upstream reference "
               "data (openkasugai-controller/, openkasugai-all-in-one/)")
        if os.environ.get("CI"):
            pytest.fail(f"{why} (CI is set, so this is a failure, not a skip)")
        pytest.skip(why)
    path = Path(root, *parts)
    if not path.exists():
        pytest.fail(f"{REFERENCE_ENV}={root} has no {'/'.join(parts)}")
    return path


def upstream_controller() -> Path:
    """The real controller v1.1.0 files (YAML/JSON only: no Dockerfiles)."""
    return reference("openkasugai-controller")


def kind_host_checkout(root: Path) -> Path:
    """A controller checkout as a kind-host has it: the YAML plus the function Dockerfiles."""
    return write_checkout(root / "controller")


def kind_checkout(root: Path) -> Path:
    """A kind checkout as the base image needs it: images/base/Dockerfile and .go-version."""
    kind = root / "kind"
    (kind / "images/base").mkdir(parents=True, exist_ok=True)
    (kind / "images/base/Dockerfile").write_text("ARG GO_VERSION\n")
    (kind / ".go-version").write_text("1.22.6\n")
    return kind


def run(stack: str = "dev", overrides: Optional[dict] = None, mocks: Optional[ProgramMocks] = None) -> PreviewResult:
    """`stack` is a Pulumi.<stack>.yaml of the project, or a file name in tests/stacks/.

    The stack gets the tests' controller checkout and stand-in add-on bundles unless `overrides` names others;
    `mocks` answers the engine's calls instead of the preview's ProgramMocks.
    """
    config_file = STACKS / f"{stack}.yaml"
    overrides = {"controllerCheckout": str(CONTROLLER_CHECKOUT), "addonManifests": str(ADDON_MANIFESTS),
                 **(overrides or {})}
    with mock.patch.object(addons, "BUNDLES", STAND_IN_PINS):
        return run_program(stack, config_file if config_file.exists() else None, overrides, mocks=mocks)


def manifests(result: PreviewResult) -> list[dict]:
    return [output.manifest(r) for r in result.registrations if output.is_object(r)]


def names_of(result: PreviewResult, type_suffix: str) -> list[str]:
    return [r.name for r in result.by_type(type_suffix)]
