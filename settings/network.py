"""Address checks shared by the settings validation."""
from __future__ import annotations

import ipaddress
from typing import Optional

from .decode import Problems
from .text import show


def network(key: str, value: str, problems: Problems) -> Optional[ipaddress.IPv4Network]:
    try:
        if "/" not in value:
            raise ValueError("no prefix length")
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as err:
        problems.add(key, f"{show(value)} is not a network in CIDR form (like 10.100.0.0/16): {err}")
        return None
    if net.version != 4:
        problems.add(key, f"{show(value)}: only IPv4 is supported")
        return None
    return net


def interface(key: str, value: str, problems: Problems) -> Optional[ipaddress.IPv4Interface]:
    try:
        iface = ipaddress.ip_interface(value)
    except ValueError:
        problems.add(key, f"{show(value)} is not an address with prefix (like 192.168.20.2/24)")
        return None
    if "/" not in value:
        problems.add(key, f"{show(value)} needs a prefix length (like {value}/24)")
        return None
    if iface.version != 4:
        problems.add(key, f"{show(value)}: only IPv4 is supported")
        return None
    return iface


def address(key: str, value: str, problems: Problems) -> Optional[ipaddress.IPv4Address]:
    try:
        return ipaddress.IPv4Address(value)
    except ValueError:
        problems.add(key, f"{show(value)} is not an IPv4 address")
        return None


def address_range(key: str, value: str, problems: Problems) -> Optional[tuple[str, str]]:
    """FIRST-LAST, both addresses, FIRST <= LAST."""
    first, sep, last = str(value).partition("-")
    if not sep:
        problems.add(key, f"{show(value)} is not a range FIRST-LAST (like 172.18.9.0-172.18.9.10)")
        return None
    a, b = address(key, first.strip(), problems), address(key, last.strip(), problems)
    if a is None or b is None:
        return None
    if a > b:
        problems.add(key, f"{show(value)}: the first address is after the last")
        return None
    return str(a), str(b)


def addresses(first: str, last: str) -> range:
    """The integer addresses of FIRST-LAST, both included."""
    return range(int(ipaddress.IPv4Address(first)), int(ipaddress.IPv4Address(last)) + 1)


def range_inside(key: str, rng: tuple[str, str], net, what: str, problems: Problems) -> None:
    if net is None:
        return
    if not all(ipaddress.IPv4Address(a) in net for a in rng):
        problems.add(key, f"{rng[0]}-{rng[1]} is not inside {what} {net}")


def no_overlap(nets: dict[str, Optional[ipaddress.IPv4Network]], problems: Problems) -> None:
    items = [(k, n) for k, n in nets.items() if n is not None]
    for i, (ka, a) in enumerate(items):
        for kb, b in items[i + 1:]:
            if a.overlaps(b):
                problems.add(kb, f"{b} overlaps {ka} {a}; pick a subnet that overlaps neither")
