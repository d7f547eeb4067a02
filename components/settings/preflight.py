"""The files and folders a stack names: present where they must be, warned about where only the
kind-host needs them (the offline preview)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional

from components.function_catalog import missing_function_sources
from scenarios.catalog import CATALOG

from .decode import Problems
from .model import KIND_BASE_DIR, KIND_GO_VERSION

# A folder that every controller checkout of a supported version has.
CHECKOUT_MARKER = "src/whitebox-k8s-flowctrl/config/crd/bases"


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

    def require_file(self, key: str, value: str, always: bool = False) -> Optional[Path]:
        return self._require(key, value, Path.is_file, "file", always)

    def require_dir(self, key: str, value: str, always: bool = False) -> Optional[Path]:
        return self._require(key, value, Path.is_dir, "folder", always)

    def _require(self, key: str, value: str, exists, what: str, always: bool) -> Optional[Path]:
        try:
            path = Path(self.path(value))
            found = exists(path)
        except (OSError, ValueError) as err:  # a NUL byte, a name too long
            self.p.add(key, f"{value!r} is not a usable path: {err}")
            return None
        if not found:
            self.missing(key, f"{what} {value!r} not found (looked at {path})", always)
            return None
        return path

    def ca_file(self, ca_file: str, ca_sha: str) -> None:
        path = self.require_file("registry.caFile", ca_file)
        if path and ca_sha and hashlib.sha256(path.read_bytes()).hexdigest() != ca_sha:
            self.p.add("registry.caSha256", f"{ca_file} does not match the pinned digest; the CA changed")

    def controller_checkout(self, value: str) -> Optional[Path]:
        checkout = self.require_dir("controllerCheckout", value, always=True)
        if checkout and not (checkout / CHECKOUT_MARKER).is_dir():
            self.p.add("controllerCheckout", f"{checkout} is not an openkasugai/controller checkout "
                       f"(no {CHECKOUT_MARKER})")
            return None
        return checkout

    def kind_source(self, checkout: Path) -> None:
        for path in (checkout / KIND_BASE_DIR / "Dockerfile", checkout / KIND_GO_VERSION):
            if not path.is_file():
                self.missing("kindSource", f"has no {path}; the Ubuntu base image is built from kind's "
                             "images/base with the Go release named in .go-version (a kind checkout, e.g. v0.24.0)")

    def function_sources(self, checkout: Path, scenarios: tuple[str, ...]) -> None:
        gpu = any(CATALOG[name].gpu for name in scenarios if name in CATALOG)
        missing = missing_function_sources(str(checkout), gpu)
        if missing:  # one line: a YAML-only copy lacks all of them
            self.missing("controllerCheckout", f"has no {', '.join(missing)}; the function images are built "
                         "from them (a full clone is needed, not only its YAML)")
