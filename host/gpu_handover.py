"""Host operation `gpu`: the host's nvidia driver handed to the GPU worker before it boots, and back
after the cluster is gone (the steps are in gpu.py; the GPU is claimed as gpu:<pci>)."""
from __future__ import annotations

from dataclasses import dataclass

from facts.shared import CLAIMS_DIR

from . import claims, containers, gpu, probe, records, validate
from .contract import HostContext, LegacyAlias, Operation
from .errors import HostOpError
from .modules import NVIDIA_ORDER

# uuid and model: the GPU as the host's driver reported it before the unload; read back from the claim
# (gpu_identity.recorded) while no driver is loaded, so a retried `up` still knows its GPU.
RECORD = ("unloaded", "persistenced", "srcversion", "claim", "uuid", "model")


@dataclass(frozen=True)
class GpuHandoverSpec:
    stack: str
    worker: str  # the Kind node container, e.g. kind-worker
    claims_dir: str = CLAIMS_DIR
    root: str = "/"


def from_settings(s) -> GpuHandoverSpec | None:
    if not s.uses_kind or s.gpu_worker is None:
        return None  # an external cluster's GPU is in its node, not here
    return GpuHandoverSpec(stack=s.stack, worker=s.gpu_worker.node, claims_dir=s.host_claims_dir, root=s.host_root)


def _worker_running(spec: GpuHandoverSpec, runner) -> bool:
    return containers.container_pid(spec.worker, runner) is not None


def check(spec: GpuHandoverSpec, record: dict | None, ctx: HostContext) -> list[tuple[str, str]]:
    if validate.stack(spec.stack):
        return [("stack", validate.stack(spec.stack))]
    found = probe.gpus(ctx.root)
    if not found:
        return [("worker", "no NVIDIA GPU (PCI vendor 10de) on this host")]
    key = claims.gpu_claim_key(found[0]['pci'])
    held = claims.holder(ctx.claims_dir, key, root=ctx.root)
    refused = claims.refusal(held, key, spec.stack, ctx.claims_dir)
    if refused:
        return [("worker", refused)]
    # Once handed over (this stack's claim, or its record), the worker is expected to hold the GPU. The
    # claim decides: the engine hands a provider's check the old inputs, never the record (an output).
    if not record and not (held and held.get("stack") == spec.stack):
        return [("worker", f"GPU in use: {h}") for h in gpu.holders(ctx.root)]
    return []


def recorded(record: dict | None, source: str = records.STATE) -> dict | None:
    """The hand-over's record, checked: its module names reach rmmod and modprobe on restore."""
    return records.checked(record, records.GPU, "the GPU hand-over", source) if record else None


def apply(spec: GpuHandoverSpec, record: dict | None, ctx: HostContext) -> dict:
    record = recorded(record)
    if record:  # handed over: only unload again what the host loaded back
        rec = {k: record.get(k) for k in RECORD}
        if gpu.drift(record, ctx.root, _worker_running(spec, ctx.runner)):
            again = gpu.unload(ctx.runner, ctx.root)
            rec["unloaded"] = sorted(set(rec["unloaded"] or []) | set(again["unloaded"]), key=NVIDIA_ORDER.index)
        return rec
    found = probe.gpus(ctx.root)
    if not found:
        raise HostOpError("failed to unload the GPU driver: no NVIDIA GPU (PCI vendor 10de) on this host")
    key = claims.gpu_claim_key(found[0]['pci'])
    gpu.check_unload(ctx.runner, ctx.root)  # refused before the claim is even written
    claims.claim(ctx.claims_dir, key, spec.stack, root=ctx.root, worker=spec.worker)
    try:
        rec = {**gpu.unload(ctx.runner, ctx.root), "uuid": found[0]["uuid"], "model": found[0]["model"]}
    except BaseException:
        claims.release(ctx.claims_dir, key, spec.stack, root=ctx.root)
        raise
    claims.update(ctx.claims_dir, key, spec.stack, root=ctx.root, record=rec)
    return {**rec, "claim": key}


def status(spec: GpuHandoverSpec, record: dict, ctx: HostContext) -> dict:
    return {"present": True, "drift": gpu.drift(recorded(record) or {}, ctx.root, _worker_running(spec, ctx.runner))}


def release(spec: GpuHandoverSpec, record: dict, ctx: HostContext) -> None:
    record = recorded(record) or {}
    gpu.restore(record, ctx.runner, ctx.root)
    if record.get("claim"):
        claims.release(ctx.claims_dir, record["claim"], spec.stack, root=ctx.root)


OPERATION = Operation(
    name="gpu", spec=GpuHandoverSpec, from_settings=from_settings,
    summary="unload the host's nvidia driver so the GPU worker loads its own; load it back on destroy",
    check=check, apply=apply, status=status, release=release,
    replaces=("stack", "worker", "claims_dir", "root"),
    # The stack key each spec field comes from, so doctor names what to fix (the worker is the one with gpu: true).
    keys={"worker": "workers[].gpu"},
    # Created before the contract as GpuDriverHandover 'gpu-handover-gpu' under HostDevices 'gpu-handover'.
    aliases=(LegacyAlias("pulumi-python:dynamic/host:GpuDriverHandover", "gpu-handover-gpu",
                         ("openkasugai-aio:host:HostDevices", "gpu-handover")),))
