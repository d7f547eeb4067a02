"""A GPU's model and UUID as the NVIDIA driver reports them; read-only, standard library only.

The driver writes /proc/driver/nvidia/gpus/<pci>/information while its module is loaded, whichever
netns or container loaded it (procfs entries of modules are global), in lines like
`GPU UUID: \t GPU-...` (NVIDIA open-gpu-kernel-modules, kernel-open/nvidia/nv-procfs.c,
nv_procfs_read_gpu_info). The UUID is the one DCGM gives InfoCollector and the controller puts into
CUDA_VISIBLE_DEVICES (controller v1.1.0 GPUFunction), so nothing else can stand in for it.

Once the `gpu` operation has unloaded the host's driver, the file is gone until the GPU worker loads its
own. The operation records the identity in this stack's claim (gpu:<pci>) before it unloads, so a stack
whose own `up` unloaded the driver (and failed before the worker booted) still knows its GPU.
"""
from __future__ import annotations

import re
from pathlib import Path

from facts.shared import GPU_UUID_PATTERN

from . import claims
from .errors import ClaimsError

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


def identity(pci: str, root: str = "/", claims_dir: str | None = None,
             stack: str | None = None) -> dict[str, str | None]:
    """{"model", "uuid"} of the GPU at `pci`; None where the driver does not tell (unloaded, or no
    valid `GPU-` UUID, which the driver omits when it cannot read it). With `claims_dir` and `stack`,
    a driver this stack unloaded itself is answered from its claim (see recorded)."""
    info = information(pci, root)
    uuid = info.get("GPU UUID", "")
    found = {"model": info.get("Model") or None, "uuid": uuid if UUID.fullmatch(uuid) else None}
    if found["uuid"] is None and claims_dir and stack:
        mine = recorded(pci, claims_dir, stack, root)
        found = {"model": found["model"] or mine["model"], "uuid": mine["uuid"]}
    return found


def recorded(pci: str, claims_dir: str, stack: str, root: str = "/") -> dict[str, str | None]:
    """{"model", "uuid"} as this stack's `gpu` operation recorded them in its claim before unloading the
    driver; None for each when another stack (or none) holds the GPU, or the claims file does not read
    (the operation's own check reports that, naming the file)."""
    try:
        held = claims.holder(claims_dir, claims.gpu_claim_key(pci), root=root) or {}
    except ClaimsError:
        held = {}
    record = held.get("record") if held.get("stack") == stack else None
    record = record if isinstance(record, dict) else {}
    uuid, model = record.get("uuid"), record.get("model")
    return {"model": model if isinstance(model, str) and model else None,
            "uuid": uuid if isinstance(uuid, str) and UUID.fullmatch(uuid) else None}
