"""Argument checks for host operations: pure, run before anything is read from or done to the host."""
from __future__ import annotations

import ipaddress
import os
import re

from components.constants import IFNAME_PATTERN

IFNAME = re.compile(rf"^{IFNAME_PATTERN}$")
CONTAINER = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")  # Docker's container name rule


def ifname(value) -> str | None:
    """Why value is not a network interface name, or None."""
    if not isinstance(value, str) or not IFNAME.match(value) or value in (".", ".."):
        return (f"{value!r} is not a network interface name (1-15 characters, no '/', ':' or spaces); "
                "give the name, like enp23s0f0np0, not a path")
    return None


def stack(value) -> str | None:
    return None if isinstance(value, str) and value.strip() else f"{value!r}: a stack name is required"


def sriov_problems(worker, pf, vfs, address, management_address, root,
                   stack_name) -> list[tuple[str, str]]:
    """(argument, reason) for every malformed argument of an SR-IOV operation."""
    out = [("stack", stack(stack_name))] if stack(stack_name) else []
    if not isinstance(worker, str) or not CONTAINER.match(worker):
        out.append(("worker", f"{worker!r} is not a container name; give the Kind node, like kind-worker"))
    why = ifname(pf)
    if why:
        out.append(("pf", why))
    if isinstance(vfs, bool) or not isinstance(vfs, int) or vfs < 0:
        out.append(("vfs", f"{vfs!r} is not a VF count (an integer >= 0)"))
    if address is not None:
        try:
            if "/" not in address:
                raise ValueError("no prefix length")
            ipaddress.ip_interface(address)
        except (TypeError, ValueError) as err:
            out.append(("address", f"{address!r} is not an address with prefix like 192.168.10.1/24 ({err})"))
    if management_address is not None:
        try:
            ipaddress.ip_interface(management_address)
        except (TypeError, ValueError):
            out.append(("management_address", f"{management_address!r} is not an IP address"))
    if not isinstance(root, str) or not os.path.isdir(root):
        out.append(("root", f"{root!r} is not a folder"))
    return out
