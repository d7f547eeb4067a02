"""The e2e toolchain: where the cache of built tools lives and how to find its parts.

The cache is keyed by the versions and tools modules (items.py, modules/*/go.mod, go.sum) and the
Go version, so a change of any of them builds a new folder and an unchanged tree reuses the old one.
Two folders: ITEMS (the engine and the control plane) and FLOOR_ITEMS (kubectl, for the engine floor),
each keyed by its own items and the modules they name.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from e2e.toolchain.items import FLOOR_ITEMS, ITEMS, Item

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


def cache_key(go: str, items: tuple[Item, ...] | None = None) -> str:
    """Hash of what the binaries depend on: the item table, the tools modules its items name, the Go version."""
    items = ITEMS if items is None else items
    digest = hashlib.sha256(go.encode())
    for item in items:
        digest.update(repr((item.name, item.version, item.kind, item.package, item.ldflags, item.tags,
                            sorted(item.extra.items()))).encode())
    modules = {item.module for item in items}
    for path in sorted(p for p in MODULES.glob("*/go.*") if p.parent.name in modules):
        lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("//")]
        digest.update(f"{path.parent.name}/{path.name}\n".encode() + "\n".join(lines).encode())
    return digest.hexdigest()[:16]


class ToolchainError(Exception):
    """A tool could not be built, or the cache lacks it."""


@dataclass(frozen=True)
class Toolchain:
    """A built cache folder of `items`: bin/ (every tool), pulumi-home/ (installed provider plugins)."""
    home: Path
    items: tuple[Item, ...] = ITEMS

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
        return all(done.get(item.name, {}).get("version") == item.version for item in self.items)


def locate() -> Toolchain:
    """The cache folder for this tree's versions (it may not be built yet)."""
    return Toolchain(cache_root() / cache_key(go_version()))


def locate_floor() -> Toolchain:
    """The floor tools' cache folder (kubectl), beside the main one."""
    return Toolchain(cache_root() / f"floor-{cache_key(go_version(), FLOOR_ITEMS)}", FLOOR_ITEMS)
