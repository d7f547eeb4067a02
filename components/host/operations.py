"""The registry of host operations (contract: components.host.operation). Adding one = one module + one
line here; the generic provider, `doctor` and the CLI find it here."""
from __future__ import annotations

from . import gpu_handover, hugepage_reservation, sriov_attachment

OPERATIONS = {op.NAME: op for op in (
    gpu_handover,
    hugepage_reservation,
    sriov_attachment,
)}
