"""Doctor's check (read-only) of the 1 GiB hugepages the FPGA (PCIeConnection) agent requests; the reservation
itself is the host operation `hugepages` (hugepage_reservation.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from facts.shared import FPGA_HUGEPAGES_1G as REQUIRED_PAGES
from facts.shared import HUGEPAGES_1G


def pages_1g(root: str | Path = "/") -> int:
    try:
        return int((Path(root) / HUGEPAGES_1G).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def hugepages_problem(root: str | Path = "/", fpga_agents: bool = True) -> Optional[str]:
    """None when the FPGA agents can be scheduled, else what is wrong and the two ways out.

    Kind nodes share the host's pool and each kubelet advertises all of it, so the host needs 16 pages
    once, not per worker; without them the PCIeConnection pods stay Pending and `pulumi up` waits on them.
    """
    if not fpga_agents:
        return None
    have = pages_1g(root)
    if have >= REQUIRED_PAGES:
        return None
    return (f"fpgaAgents: the PCIeConnection agent requests {REQUIRED_PAGES} GiB of 1 GiB hugepages, the host has "
            f"{have} pages; add 'default_hugepagesz=1G hugepagesz=1G hugepages=32' to the kernel command line and "
            f"reboot, or set fpgaAgents: false (no FPGA functions or host-mem connections; CPU/GPU scenarios unaffected)")
