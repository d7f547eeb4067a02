"""Netlink through pyroute2: list, find, move, address and raise links in the host or a container netns."""
from __future__ import annotations

import ipaddress
import os
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import HostOpError


@dataclass(frozen=True)
class Link:
    index: int
    name: str
    mac: str | None
    perm_mac: str | None  # absent for virtual links such as veths
    pci: str | None  # parent device on the PCI bus, absent for virtual links
    up: bool


CLONE_NEWNET = 0x40000000
NETLINK_ROUTE = 0


def _setns(fd: int) -> None:
    if hasattr(os, "setns"):  # Python >= 3.12
        os.setns(fd, CLONE_NEWNET)
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def netns_socket(ns: str | int) -> socket.socket:
    """A NETLINK_ROUTE socket that lives in a netns: ns is its path (/proc/PID/ns/net) or an open
    fd of it (see pinned).

    A socket belongs to the netns of the thread that created it, and setns(CLONE_NEWNET) moves only
    the calling thread. So a short-lived thread enters the netns, creates the socket and exits:
    no other thread of this process ever runs in the worker's netns, there is no switch back that
    could fail, and nothing is forked (pyroute2's netns= forks a helper, ~5 ms per open)."""
    out: dict = {}

    def enter_and_create() -> None:
        try:
            fd = ns if isinstance(ns, int) else os.open(ns, os.O_RDONLY | os.O_CLOEXEC)
            try:
                _setns(fd)
            finally:
                if fd is not ns:
                    os.close(fd)
            out["sock"] = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_ROUTE)
        except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
            out["err"] = err

    t = threading.Thread(target=enter_and_create, name="netns-open", daemon=True)
    t.start()
    t.join()
    if "err" in out:
        raise out["err"]
    return out["sock"]


@contextmanager
def pinned(pid: int):
    """An fd of the netns of pid, held open for the block. It keeps that netns alive if the
    process dies, so links moved there can still be moved back. An fd, not a netlink socket: each
    link moved into a netns that has a netlink socket open costs the kernel ~1 ms more (measured
    with veths: 18 moves, 284 ms with an fd pin, 303-307 ms with a socket open there)."""
    try:
        fd = os.open(f"/proc/{int(pid)}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as err:
        raise HostOpError(f"failed to open the netns of pid {pid}: {err}") from err
    try:
        yield fd
    finally:
        os.close(fd)


def open_ns(pid: int | None = None, ns: int | None = None):
    """An IPRoute in the netns of pid, or of the netns fd ns (both None: this process's netns).
    Open on a pid, it also pins that netns while it is open."""
    from pyroute2 import IPRoute

    # groups=0: no multicast subscription, so each move does not queue events we would parse later.
    if pid is None and ns is None:
        return IPRoute(groups=0)
    try:
        sock = netns_socket(ns if ns is not None else f"/proc/{int(pid)}/ns/net")
    except OSError as err:
        raise HostOpError(f"failed to open the netns of pid {pid}: {err}") from err
    try:
        return IPRoute(fileno=sock.detach(), groups=0)  # the IPRoute owns and closes the fd
    except Exception as err:  # noqa: BLE001 - pyroute2 raises several types here
        raise HostOpError(f"failed to open the netns of pid {pid}: {err}") from err


def _link(msg) -> Link:
    bus = msg.get_attr("IFLA_PARENT_DEV_BUS_NAME")
    perm = msg.get_attr("IFLA_PERM_ADDRESS")
    return Link(index=msg["index"], name=msg.get_attr("IFLA_IFNAME"),
                mac=msg.get_attr("IFLA_ADDRESS"),
                perm_mac=_mac(perm) if perm else None,
                pci=msg.get_attr("IFLA_PARENT_DEV_NAME") if bus == "pci" else None,
                up=bool(msg["flags"] & 1))


def _mac(raw: str) -> str:
    # pyroute2 decodes IFLA_PERM_ADDRESS as plain hex; normalise to aa:bb:.. like IFLA_ADDRESS
    raw = raw.replace(":", "")
    return ":".join(raw[i:i + 2] for i in range(0, len(raw), 2))


def links(ipr) -> list[Link]:
    return [_link(m) for m in ipr.get_links()]


def move(ipr, link: Link, to_pid: int | None, label: str) -> None:
    """Move link out of ipr's netns into the netns of to_pid (None: this process's netns)."""
    try:
        ipr.link("set", index=link.index, net_ns_pid=os.getpid() if to_pid is None else int(to_pid))
    except Exception as err:  # noqa: BLE001
        raise HostOpError(f"failed to move {link.name} into {label}: {err}") from err


def ensure_address(ipr, link: Link, cidr: str) -> bool:
    iface = ipaddress.ip_interface(cidr)
    have = {(a.get_attr("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(index=link.index)}
    if (str(iface.ip), iface.network.prefixlen) in have:
        return False
    try:
        ipr.addr("add", index=link.index, address=str(iface.ip), prefixlen=iface.network.prefixlen)
    except Exception as err:  # noqa: BLE001
        raise HostOpError(f"failed to add address {cidr} to {link.name}: {err}") from err
    return True


def ensure_up(ipr, link: Link) -> bool:
    if link.up:
        return False
    try:
        ipr.link("set", index=link.index, state="up")
    except Exception as err:  # noqa: BLE001
        raise HostOpError(f"failed to set {link.name} up: {err}") from err
    return True


def get(ipr, name: str) -> Link | None:
    """One link by name without dumping them all (a dump costs ~20 ms with many VFs)."""
    try:
        return _link(ipr.link("get", ifname=name)[0])
    except Exception:  # noqa: BLE001 - NetlinkError(ENODEV): not in this netns
        return None


def protected_ifaces(ipr, management_address: str | None = None) -> dict[str, str]:
    """Interfaces that must never be moved, with the reason: default route, management address."""
    why: dict[int, str] = {}
    for family in (2, 10):
        for r in ipr.get_routes(family=family, table=254):
            if r["dst_len"] == 0 and r.get_attr("RTA_OIF"):
                why[r.get_attr("RTA_OIF")] = "it carries the default route"
    if management_address:
        ip = str(ipaddress.ip_interface(management_address).ip)
        for a in ipr.get_addr():
            if a.get_attr("IFA_ADDRESS") == ip:
                why[a["index"]] = f"it holds the management address {ip}"
    out = {}
    for index, reason in why.items():
        try:
            out[ipr.link("get", index=index)[0].get_attr("IFLA_IFNAME")] = reason
        except Exception:  # noqa: BLE001 - vanished meanwhile
            continue
    return out
