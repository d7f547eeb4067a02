"""The twin's fake root: the filesystem the program's host operations act on (hostRoot), standing in for
the reference host's kernel interfaces, as the host tests' trees do (tests/host/conftest.py,
tests/unit/test_host_gpu.py): an NVIDIA A100 with its driver loaded (sysfs device, /proc/modules,
/sys/module/*/srcversion, the driver's procfs information file), nvidia-persistenced running, a 1 GiB
hugepage pool, the CPU, and the GPU tools (rmmod, modprobe, insmod, systemctl, nvidia-smi) in its own
usr/sbin, which act on this tree only (e2e/kindhost/tools/gpu.py), and the machine's Docker socket at
run/docker.sock (the node containers are real). The SR-IOV PFs are the host tests'
veth stand-ins plus their sysfs entries (e2e/kindhost/pfs.py).
"""
from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

from e2e.kindhost.tools.gpu import DRIVER, GPU_PCI, Kernel
from host.containers import DOCKER_SOCK

REPO = Path(__file__).resolve().parents[2]
GPU_DEVICE = "0x20b5"  # NVIDIA A100 PCIe 80GB (host/probe.py GPU_MODELS)
# One driver version built for the host and for the GPU worker: the kernel hashes only the module's own
# sources into srcversion (scripts/mod/sumversion.c), so both builds have the same one (issue 17 item 6).
SRCVERSION = "8A7C1E0F3B5D2C4E6F9A1B3"
OTHER_MODULES = "ext4 1000 2 - Live 0x0\nmlx5_core 2000 0 - Live 0x0\n"
TOOLS = ("rmmod", "modprobe", "insmod", "systemctl", "nvidia-smi")
HUGEPAGES = "sys/kernel/mm/hugepages/hugepages-1048576kB"


def make(root: Path, hugepages: int = 0) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    dev = root / "sys/bus/pci/devices" / GPU_PCI
    dev.mkdir(parents=True, exist_ok=True)
    for name, value in {"vendor": "0x10de", "class": "0x030200", "device": GPU_DEVICE}.items():
        (dev / name).write_text(value + "\n")
    (root / "sys/bus/pci/drivers/nvidia").mkdir(parents=True, exist_ok=True)
    if not (dev / "driver").is_symlink():
        os.symlink("../../drivers/nvidia", dev / "driver")
    (root / "proc").mkdir(exist_ok=True)
    (root / "proc/cpuinfo").write_text("".join(
        f"processor\t: {i}\nmodel name\t: Intel(R) Xeon(R) Gold 6348 CPU @ 2.60GHz\nphysical id\t: {i % 2}\n\n"
        for i in range(4)))
    (root / "proc/modules").write_text(OTHER_MODULES)
    (root / "lib/modules").mkdir(parents=True, exist_ok=True)
    # What modprobe loads: the host's own build, from the host's module tree.
    (root / "lib/modules/host-build.json").write_text(json.dumps({"srcversion": SRCVERSION, "driver": DRIVER}))
    kernel = Kernel(root)  # the host as booted: its own driver loaded, persistenced running
    for name in ("nvidia_drm", "nvidia_uvm"):
        kernel.load(name, SRCVERSION)
    kernel.start_persistenced()
    pool = root / HUGEPAGES
    pool.mkdir(parents=True, exist_ok=True)
    (pool / "nr_hugepages").write_text(f"{hugepages}\n")
    if not (pool / "free_hugepages").exists():
        # Nothing maps them in the twin: the free count is the pool's, one file under two names.
        os.link(pool / "nr_hugepages", pool / "free_hugepages")
    # The machine's Docker is the twin host's: the node containers are real (host/containers.py
    # finds a root's Engine API at <root>/run/docker.sock).
    (root / "run").mkdir(exist_ok=True)
    if not (root / "run/docker.sock").is_symlink():
        os.symlink(DOCKER_SOCK, root / "run/docker.sock")
    sbin = root / "usr/sbin"
    sbin.mkdir(parents=True, exist_ok=True)
    for tool in TOOLS:
        path = sbin / tool
        path.write_text(f"#!/bin/sh\n# STAND-IN {tool} acting on this fake root only (e2e/kindhost/tools/gpu.py)\n"
                        f"PYTHONPATH={shlex.quote(str(REPO))} exec {shlex.quote(sys.executable)} "
                        f"-m e2e.kindhost.tools.gpu {shlex.quote(str(root))} {tool} \"$@\"\n")
        path.chmod(0o755)
    return root


def snapshot(root: Path) -> dict[str, str]:
    """Every file and link of the tree (path -> content or link target), to compare before and after."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = path.read_text(errors="replace")
    return out
