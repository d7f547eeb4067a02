"""What validation has read of each key on its own, for the rules across keys (rules.py, addresses.py)."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Optional

from .model import Registry, SriovIpam, Worker


@dataclass
class Parsed:
    """Every key read on its own (None where it had a problem)."""

    values: dict[str, Any]
    external: bool
    workers: tuple[Worker, ...]
    pod: Optional[ipaddress.IPv4Network]
    kindnet: Optional[ipaddress.IPv4Network]
    ipam: Optional[SriovIpam]
    registry: Registry
    metallb: Optional[tuple[str, str]]

    @property
    def ipam_net(self) -> Optional[ipaddress.IPv4Network]:
        try:
            return ipaddress.IPv4Network(self.ipam.subnet) if self.ipam else None
        except ValueError:
            return None

    @property
    def kind_containers(self) -> int:
        """Containers on the Docker network 'kind': the nodes, and the embedded registry when there is one."""
        return 1 + len(self.workers) + (1 if self.registry.embedded else 0)
