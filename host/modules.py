"""Kernel modules: /proc/modules, use counts, holders, processes holding /dev/nvidia*; rmmod/modprobe via a runner."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from facts.shared import KERNEL_MODULE_PATTERN

from .errors import HostOpError

# Users before the modules they use, so each rmmod finds a zero use count.
NVIDIA_ORDER = ["nvidia_drm", "nvidia_modeset", "nvidia_uvm", "nvidia_peermem", "nvidia"]


@dataclass(frozen=True)
class Module:
    name: str
    refcount: int
    users: tuple[str, ...]  # modules that use this one ("used by" column)
    state: str


def loaded(root: str = "/") -> dict[str, Module]:
    out: dict[str, Module] = {}
    path = Path(root) / "proc/modules"
    if not path.exists():  # no module support (some sandboxes): nothing is loaded
        return out
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) < 5:
            continue
        users = tuple(u for u in f[3].split(",") if u and u != "-")
        out[f[0]] = Module(f[0], int(f[2]) if f[2].isdigit() else 0, users, f[4])
    return out


def srcversion(name: str, root: str = "/") -> str | None:
    """Tells the host's build of a module from the one a Kind worker loads under the same name."""
    p = Path(root) / "sys/module" / name / "srcversion"
    return p.read_text().strip() if p.exists() else None


def processes(root: str = "/") -> list[dict]:
    """Processes with their comm, for finding nvidia-persistenced and other holders."""
    out = []
    for d in (Path(root) / "proc").iterdir():
        if d.name.isdigit():
            try:
                out.append({"pid": int(d.name), "comm": (d / "comm").read_text().strip()})
            except OSError:
                continue  # exited while we looked
    return out


def device_holders(root: str = "/", prefix: str = "/dev/nvidia") -> list[dict]:
    """Processes with an open file under prefix: each keeps the nvidia module's use count up."""
    out = []
    for proc in processes(root):
        fd_dir = Path(root) / "proc" / str(proc["pid"]) / "fd"
        try:
            paths = sorted({os.readlink(fd) for fd in fd_dir.iterdir()})
        except OSError:
            continue
        held = [p for p in paths if p.startswith(prefix)]
        if held:
            out.append({**proc, "files": held})
    return out


def _checked(name) -> str:
    # A name from a record never becomes an option (`-r`, `--all`): it is a module name or refused.
    if not isinstance(name, str) or not re.fullmatch(KERNEL_MODULE_PATTERN, name, re.ASCII):
        raise HostOpError(f"failed to handle kernel module {str(name)[:100]!r}: not a module name")
    return name


def unload(name: str, runner) -> None:
    runner.run(["rmmod", _checked(name)])  # never -f: a forced unload can crash the host


def load(name: str, runner) -> None:
    runner.run(["modprobe", _checked(name)])
