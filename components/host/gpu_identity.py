"""A GPU's model and UUID as the NVIDIA driver reports them; read-only, standard library only.

The driver writes /proc/driver/nvidia/gpus/<pci>/information while its module is loaded, whichever
netns or container loaded it (procfs entries of modules are global), in lines like
`GPU UUID: \t GPU-...` (NVIDIA open-gpu-kernel-modules, kernel-open/nvidia/nv-procfs.c,
nv_procfs_read_gpu_info). The UUID is the one DCGM gives InfoCollector and the controller puts into
CUDA_VISIBLE_DEVICES (controller v1.1.0 GPUFunction), so nothing else can stand in for it.
"""
from __future__ import annotations

import re
from pathlib import Path

from components.constants import GPU_UUID_PATTERN

INFORMATION = "proc/driver/nvidia/gpus/{pci}/information"
UUID = re.compile(GPU_UUID_PATTERN)


def information(pci: str, root: str = "/") -> dict[str, str]:
    """The driver's `Field: value` lines for one GPU; empty when the driver is not loaded."""
    try:
        text = (Path(root) / INFORMATION.format(pci=pci)).read_text()
    except OSError:
        return {}
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def identity(pci: str, root: str = "/") -> dict[str, str | None]:
    """{"model", "uuid"} of the GPU at `pci`; None where the driver does not tell (unloaded, or no
    valid `GPU-` UUID, which the driver omits when it cannot read it)."""
    info = information(pci, root)
    uuid = info.get("GPU UUID", "")
    return {"model": info.get("Model") or None, "uuid": uuid if UUID.fullmatch(uuid) else None}
