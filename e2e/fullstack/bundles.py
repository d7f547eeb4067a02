"""The external stack's add-on bundle (Multus), taken from the Go module proxy: the real upstream file.

Multus is a Go module (gopkg.in/k8snetworkplumbingwg/multus-cni.v4) whose zip carries the same
deployments/multus-daemonset-thick.yml as the v4.1.1 tag; the program verifies it against its pinned
SHA-256 (renderers/platform/manifests.py) before applying it. The other bundles are not needed by an
external cluster (renderers/platform/manifests.bundles_for).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from renderers.platform.manifests import MULTUS

MODULE = "gopkg.in/k8snetworkplumbingwg/multus-cni.v4"
FILE = "deployments/multus-daemonset-thick.yml"  # as MULTUS.url names it


class BundleError(Exception):
    pass


def multus_folder(cache: Path, dest: Path) -> Path:
    """dest/ holding MULTUS.local_name, downloaded once into cache (a Go module cache)."""
    env = {**os.environ, "GOMODCACHE": str(cache / "gomod"), "GOFLAGS": "-modcacherw", "GO111MODULE": "on"}
    try:
        done = subprocess.run(["go", "mod", "download", "-json", f"{MODULE}@{MULTUS.version}"], env=env,
                              capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BundleError(f"failed to download {MODULE}@{MULTUS.version}: {err} (Go is needed)") from err
    try:
        folder = Path(json.loads(done.stdout)["Dir"])
    except (ValueError, KeyError):
        raise BundleError(f"failed to download {MODULE}@{MULTUS.version}: {(done.stderr or done.stdout).strip()}")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / FILE, dest / MULTUS.local_name)
    return dest
