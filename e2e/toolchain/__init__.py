"""The e2e toolchain: where the cache of built tools lives and how to find its parts.

The cache is keyed by the versions and tools modules (items.py, modules/*/go.mod, go.sum) and the
Go version, so a change of any of them builds a new folder and an unchanged tree reuses the old one.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from e2e.toolchain.items import ITEMS

HERE = Path(__file__).resolve().parent
MODULES = HERE / "modules"
ROOT_ENV = "OPENKASUGAI_E2E_TOOLCHAIN"
DEFAULT_ROOT = Path.home() / ".cache" / "openkasugai-aio" / "e2e-toolchain"


def cache_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)


def go_version() -> str:
    try:
        out = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as err:
        raise ToolchainError(f"failed to run go: {err} (install Go 1.26 or newer)") from err
    return out.stdout.strip()


def cache_key(go: str) -> str:
    """Hash of what the binaries depend on: the item table, the tools modules, the Go version."""
    digest = hashlib.sha256(go.encode())
    for item in ITEMS:
        digest.update(repr((item.name, item.version, item.kind, item.package, item.ldflags, item.tags,
                            sorted(item.extra.items()))).encode())
    for path in sorted(MODULES.glob("*/go.*")):
        lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("//")]
        digest.update(f"{path.parent.name}/{path.name}\n".encode() + "\n".join(lines).encode())
    return digest.hexdigest()[:16]


class ToolchainError(Exception):
    """A tool could not be built, or the cache lacks it."""


@dataclass(frozen=True)
class Toolchain:
    """A built cache folder: bin/ (every tool), pulumi-home/ (installed provider plugins)."""
    home: Path

    @property
    def bin(self) -> Path:
        return self.home / "bin"

    @property
    def pulumi_home(self) -> Path:
        return self.home / "pulumi-home"

    @property
    def kwok_stages(self) -> Path:
        return self.home / next(item.extra["dest"] for item in ITEMS if item.name == "kwok-stages")

    @property
    def manifest_path(self) -> Path:
        return self.home / "manifest.json"

    def manifest(self) -> dict:
        try:
            return json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            return {}

    def tool(self, name: str) -> Path:
        path = self.bin / name
        if not os.access(path, os.X_OK):
            raise ToolchainError(f"the e2e toolchain at {self.home} lacks {name}: run e2e/toolchain/build")
        return path

    def versions(self) -> dict[str, str]:
        return {name: entry["version"] for name, entry in self.manifest().items()}

    def complete(self) -> bool:
        done = self.manifest()
        return all(done.get(item.name, {}).get("version") == item.version for item in ITEMS)


def locate() -> Toolchain:
    """The cache folder for this tree's versions (it may not be built yet)."""
    return Toolchain(cache_root() / cache_key(go_version()))
