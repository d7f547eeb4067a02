"""The registry of host operations (contract: host.contract): one list. Adding an operation is
its module and one line here; the generic provider, the HostOperations component, `doctor` and the CLI
find it here."""
from __future__ import annotations

from . import footprint, gpu_handover, hugepage_reservation, sriov_attachment
from .contract import Operation

OPERATIONS: dict[str, Operation] = {op.name: op for op in (
    footprint.OPERATION,
    gpu_handover.OPERATION,
    hugepage_reservation.OPERATION,
    sriov_attachment.OPERATION,
)}


def of_stage(stage: str) -> list[Operation]:
    """The registered operations of one stage ("before" or "after" the cluster), gates first."""
    ops = [op for op in OPERATIONS.values() if op.stage == stage]
    return [op for op in ops if op.gate] + [op for op in ops if not op.gate]
