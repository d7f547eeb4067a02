"""Runs the whole program under the SDK's mock engine for a stack config (tests' entry point).

Also where the tests find controller data: CONTROLLER_CHECKOUT is the tests' own controller-like
checkout (tests/fake_checkout.py); the real upstream files are only read through `reference()`, from
the folder named by OPENKASUGAI_AIO_REFERENCE (.ci/run sets it to ../shared/reference).
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import pytest

from components.preview import output
from components.preview.engine import PROJECT_DIR, Result, run_program
from tests.fake_checkout import write_checkout

STACKS = Path(__file__).resolve().parent / "stacks"
REFERENCE_ENV = "OPENKASUGAI_AIO_REFERENCE"
_SCRATCH = Path(tempfile.mkdtemp(prefix="openkasugai-aio-tests-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
CONTROLLER_CHECKOUT = write_checkout(_SCRATCH / "controller")


def reference(*parts: str) -> Path:
    """A path inside the upstream reference data; skips without OPENKASUGAI_AIO_REFERENCE (fails under CI)."""
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


def run(stack: str = "dev", overrides: Optional[dict] = None) -> Result:
    """`stack` is a Pulumi.<stack>.yaml of the project, or a file name in tests/stacks/.

    The stack gets the tests' controller checkout unless `overrides` names one.
    """
    config_file = STACKS / f"{stack}.yaml"
    overrides = {"controllerCheckout": str(CONTROLLER_CHECKOUT), **(overrides or {})}
    return run_program(stack, config_file if config_file.exists() else None, overrides)


def manifests(result: Result) -> list[dict]:
    return [output.manifest(r) for r in result.registrations if output.is_object(r)]


def names_of(result: Result, type_suffix: str) -> list[str]:
    return [r.name for r in result.by_type(type_suffix)]
