"""The preflight step, after validation: the files and folders a stack names, present where they must
be, warned about where only the kind-host needs them (the offline preview), and every path resolved.
Validation (load.py) touches no filesystem; everything that does is here."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from facts.function_catalog import missing_function_sources
from scenarios.catalog import CATALOG

from . import contents, paths
from .checked import Checked
from .decode import Problems
from .model import KIND_BASE_DIR, KIND_GO_VERSION
from .schema import PATH_KEYS
from .text import clip, show

# A folder that every controller checkout of a supported version has.
CHECKOUT_MARKER = "src/whitebox-k8s-flowctrl/config/crd/bases"


@dataclass(frozen=True)
class Found:
    """Each path key's value made absolute against the stack's folder ("" when unset)."""

    paths: dict[str, str]
    ca_file: str  # registry.caFile


def preflight(c: Checked, p: Problems, base: Path, host_files: bool, warnings: list) -> Found:
    """Look for every file and folder the validated config names; problems go to `p`, beside
    validation's, so that one SettingsError lists both."""
    ctx, v, s = Preflight(p, base, host_files, warnings), c.values, c.parsed
    ctx.where({**{key: v[key] for key in PATH_KEYS}, "hostClaimsDir": v["hostClaimsDir"],
               "registry.caFile": s.registry.ca_file, "hostRoot": "" if v["hostRoot"] == "/" else v["hostRoot"]})
    if s.external:
        ctx.require_file("externalKubeconfig", v["externalKubeconfig"], always=True, kind=contents.kubeconfig)
    if c.gpu_driver_file:
        ctx.require_file("gpuDriverFile", c.gpu_driver_file, kind=contents.nvidia_installer)
    if not s.external:  # given source folders must exist; empty ones are fetched (host.sources)
        for key in ("kindSource", "kubernetesSource"):
            if v[key]:
                found = ctx.require_dir(key, v[key])
                if found and key == "kindSource":
                    ctx.kind_source(found)
    if v["addonManifests"]:
        ctx.require_dir("addonManifests", v["addonManifests"], always=True)
    if v["videoDir"]:
        ctx.require_dir("videoDir", v["videoDir"])
    if not s.external and v["hostRoot"] and v["hostRoot"] != "/" and not p.failed("hostRoot"):
        ctx.require_dir("hostRoot", v["hostRoot"], always=True)
    if not s.registry.embedded and s.registry.ca_file and not p.failed("registry.caFile"):
        ctx.ca_file(s.registry.ca_file, s.registry.ca_sha256)
    for key, message in c.on_host:
        ctx.missing(key, message)
    # Empty: fetched at controllerVersion (host.sources).
    checkout = ctx.controller_checkout(v["controllerCheckout"]) if v["controllerCheckout"] else None
    if checkout and c.builds_functions:
        ctx.function_sources(checkout, c.scenarios)
    return Found(paths={key: ctx.path(v[key] or "") for key in PATH_KEYS}, ca_file=ctx.path(s.registry.ca_file))


class Preflight:
    def __init__(self, problems: Problems, base: Path, host_files: bool, warnings: list):
        self.p, self.base, self.host_files, self.warnings = problems, base, host_files, warnings

    def path(self, value: str) -> str:
        if not value:
            return ""
        try:
            return str((self.base / Path(value).expanduser()).resolve())
        except (OSError, ValueError):  # a NUL byte: _require reports it where the path is needed
            return str(self.base / value)

    def missing(self, key: str, message: str, always: bool = False) -> None:
        if always or self.host_files:
            self.p.add(key, message)
        else:
            self.warnings.append(f"{key}: {message} (needed on the kind-host)")

    def where(self, given: dict[str, str]) -> None:
        """Each path key given, resolved, is allowed where it points (paths.py); one that is not is refused
        whatever else is wrong, so nothing below looks at it."""
        homes = tuple(dict.fromkeys((str(Path.home()), "/root")))
        pulumi_home = os.environ.get("PULUMI_HOME") or f"{Path.home()}/.pulumi"
        for key, value in given.items():
            if value and not self.p.failed(key):
                problem = paths.problem(key, self.path(value), homes, str(Path(pulumi_home).resolve()))
                if problem:
                    self.p.add(key, f"{show(value)} {problem}")

    def require_file(self, key: str, value: str, always: bool = False,
                     kind: Optional[Callable[[Path], Optional[str]]] = None) -> Optional[Path]:
        """The file, if it is there and (kind: its content check) of the right kind; else None."""
        path = self._require(key, value, Path.is_file, "file", always)
        problem = kind(path) if path and kind else None
        if problem:
            self.p.add(key, f"{show(value)} {problem}")
            return None
        return path

    def require_dir(self, key: str, value: str, always: bool = False) -> Optional[Path]:
        return self._require(key, value, Path.is_dir, "folder", always)

    def _require(self, key: str, value: str, exists, what: str, always: bool) -> Optional[Path]:
        if self.p.failed(key):  # refused already (where it points): never read
            return None
        try:
            path = Path(self.path(value))
            found = exists(path)
        except (OSError, ValueError) as err:  # a NUL byte, a name too long
            self.p.add(key, f"{show(value)} is not a usable path: {err.strerror if isinstance(err, OSError) else err}")
            return None
        if not found:
            self.missing(key, f"{what} {show(value)} not found (looked at {clip(path)})", always)
            return None
        return path

    def ca_file(self, ca_file: str, ca_sha: str) -> None:
        path = self.require_file("registry.caFile", ca_file, kind=contents.ca_certificate)
        if path and ca_sha and hashlib.sha256(path.read_bytes()).hexdigest() != ca_sha:
            self.p.add("registry.caSha256", f"{show(ca_file)} does not match the pinned digest; the CA changed")

    def controller_checkout(self, value: str) -> Optional[Path]:
        checkout = self.require_dir("controllerCheckout", value, always=True)
        if checkout and not (checkout / CHECKOUT_MARKER).is_dir():
            self.p.add("controllerCheckout", f"{clip(checkout)} is not an openkasugai/controller checkout "
                       f"(no {CHECKOUT_MARKER})")
            return None
        return checkout

    def kind_source(self, checkout: Path) -> None:
        for path in (checkout / KIND_BASE_DIR / "Dockerfile", checkout / KIND_GO_VERSION):
            if not path.is_file():
                self.missing("kindSource", f"has no {clip(path)}; the Ubuntu base image is built from kind's "
                             "images/base with the Go release named in .go-version (a kind checkout, e.g. v0.24.0)")

    def function_sources(self, checkout: Path, scenarios: tuple[str, ...]) -> None:
        gpu = any(CATALOG[name].gpu for name in scenarios if name in CATALOG)
        missing = missing_function_sources(str(checkout), gpu)
        if missing:  # one line: a YAML-only copy lacks all of them
            self.missing("controllerCheckout", f"has no {', '.join(missing)}; the function images are built "
                         "from them (a full clone is needed, not only its YAML)")
