"""Argument checks for host operations: pure, run before anything is read from or done to the host."""
from __future__ import annotations

import ipaddress
import os
import re

from facts.shared import CONTAINER_NAME_PATTERN, IFNAME_PATTERN

IFNAME = re.compile(IFNAME_PATTERN)
CONTAINER = re.compile(CONTAINER_NAME_PATTERN, re.ASCII)  # Docker's container (and network) name rule
# A Pulumi stack name (letters, digits, '-', '_', '.'; `org/project/stack` when qualified), at most 100.
STACK = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+){0,2}", re.ASCII)


def ifname(value) -> str | None:
    """Why value is not a network interface name, or None."""
    if not isinstance(value, str) or not IFNAME.fullmatch(value) or value in (".", ".."):
        return (f"{str(value)[:100]!r} is not a network interface name (1-15 characters, no '/', ':' or spaces); "
                "give the name, like enp23s0f0np0, not a path")
    return None


def count(text: str) -> int:
    """An argparse type: a decimal integer in ASCII digits (int() also takes '８' and '1_0')."""
    if not re.fullmatch(r"-?[0-9]{1,9}", text, re.ASCII):
        raise ValueError(text)
    return int(text)


def stack(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{value!r}: a stack name is required"
    if len(value) > 100 or not STACK.fullmatch(value):
        return (f"{value[:100]!r} is not a stack name (at most 100 letters, digits, '-', '_' or '.', "
                "like dev or alice-gpu)")
    return None


def container(value) -> str | None:
    if not isinstance(value, str) or len(value) > 128 or not CONTAINER.fullmatch(value):
        return f"{str(value)[:100]!r} is not a container name; give the Kind node, like kind-worker"
    return None


def network(value) -> str | None:
    if not isinstance(value, str) or len(value) > 128 or not CONTAINER.fullmatch(value):
        return (f"{str(value)[:100]!r} is not a docker network name (a letter or digit, then letters, digits, "
                "'_', '.' or '-'), like kind")
    return None


def root(value) -> str | None:
    if not isinstance(value, str) or not value or not os.path.isdir(value):
        return f"{str(value)[:100]!r} is not a folder"
    return None


def sriov_problems(worker, pf, vfs, address, management_address, root_dir,
                   stack_name) -> list[tuple[str, str]]:
    """(argument, reason) for every malformed argument of an SR-IOV operation."""
    out = [("stack", stack(stack_name))] if stack(stack_name) else []
    if container(worker):
        out.append(("worker", container(worker)))
    why = ifname(pf)
    if why:
        out.append(("pf", why))
    if isinstance(vfs, bool) or not isinstance(vfs, int) or vfs < 0:
        out.append(("vfs", f"{str(vfs)[:100]!r} is not a VF count (an integer >= 0)"))
    if address is not None:
        try:
            if "/" not in address:
                raise ValueError("no prefix length")
            ipaddress.ip_interface(address)
        except (TypeError, ValueError) as err:
            out.append(("address", f"{str(address)[:100]!r} is not an address with prefix like 192.168.10.1/24"))
    if management_address is not None:
        try:
            ipaddress.ip_interface(management_address)
        except (TypeError, ValueError):
            out.append(("management_address", f"{str(management_address)[:100]!r} is not an IP address"))
    if root(root_dir):
        out.append(("root", root(root_dir)))
    return out
