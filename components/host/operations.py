"""The registry of host operations (contract: components.host.operation). Adding one = one module + one
line here; the generic provider, `doctor` and the CLI find it here."""
from __future__ import annotations

from . import footprint, gpu_handover, hugepage_reservation, sriov_attachment

OPERATIONS = {op.NAME: op for op in (
    footprint,
    gpu_handover,
    hugepage_reservation,
    sriov_attachment,
)}

# Applied first: the other operations of the stack wait for these, so a stack that collides with another
# on the host (its cluster name, registry port, MetalLB range, Kind subnet) changes nothing at all.
GATES = (footprint.NAME,)
