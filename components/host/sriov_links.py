"""Finding the interfaces of one PF and its VFs wherever they are now (the host or a worker's netns),
and putting one back: the lookups attach, status and detach in sriov.py share.

Apart from sriov.py because they are about reading netlink cheaply and finding links again, not
about the attachment's rules (check, claims, all-or-nothing); sriov.py is the only caller."""
from __future__ import annotations

from . import netlink as nl
from .errors import HostOpError


class Links:
    """The links of one netns, read as little as possible.

    In the host (ipr given): looked up by name one at a time, since a dump decodes every link of
    the netns (~0.3 ms each in pyroute2) and a `link get` only one; a name that is gone or now
    names another link falls back to one dump. In a worker (ns given: its pinned netns fd): one
    dump through a socket opened for it and closed at once, and only when it is needed; a netlink
    socket in the worker's netns, even one closed just before, slows every move into it."""

    def __init__(self, ipr=None, ns: int | None = None):
        self.ipr, self.ns, self._named, self._all = ipr, ns, {}, None

    @property
    def loaded(self) -> bool:
        return self._all is not None

    def all(self) -> list:
        if self._all is None:
            if self.ipr is not None:
                self._all = nl.links(self.ipr)
            else:
                with nl.open_ns(ns=self.ns) as ipr:
                    self._all = nl.links(ipr)
        return self._all

    def named(self, name: str):
        if self._all is not None or self.ipr is None:
            return next((l for l in self.all() if l.name == name), None)
        if name not in self._named:
            self._named[name] = nl.get(self.ipr, name)
        return self._named[name]

    def named_match(self, ident: dict):
        link = self.named(ident["name"]) if ident.get("name") else None
        return link if link is not None and nl.matches(link, ident) else None

    def find(self, ident: dict):
        return self.named_match(ident) or nl.find(self.all(), ident)


def identities(spec, fs, record, host: Links, work: Links, vfs: list | None = None) -> list[dict]:
    """PF first, then VF 0..n-1: each a dict to find the link by wherever it is now."""
    old = {i["role"]: i for i in (record or {}).get("links", [])}
    out = []
    pf_ident = old.get("pf")
    if pf_ident is None:
        pf_link = host.named(spec.pf) or work.named(spec.pf)
        pf_ident = nl.identity(pf_link, fs.pci_of(spec.pf)) if pf_link else None
    if pf_ident is None:
        raise HostOpError(f"failed to find PF {spec.pf} in the host or in {spec.worker}")
    out.append({**pf_ident, "role": "pf"})
    vfs = {v.index: v for v in (fs.vfs(spec.pf, pf_ident.get("pci")) if vfs is None else vfs)}
    for i in range(spec.vfs):
        role, vf = f"vf{i}", vfs.get(i)
        if role in old and (vf is None or old[role].get("pci") in (None, vf.pci)):
            out.append(old[role])
            continue
        link = host.named(vf.netdev) if vf and vf.netdev else None
        if link is None and vf is not None:  # its netdev left the host: only its PCI address is known
            link = next((l for l in work.all() if l.pci == vf.pci), None)
        if link is None:
            raise HostOpError(f"failed to find VF {i} of {spec.pf} ({vf.pci if vf else 'no virtfn'}) "
                              f"in the host or in {spec.worker}")
        out.append({**nl.identity(link, vf.pci), "role": role})
    return out


def where(ident, host: Links, work_links) -> str:
    if nl.find(work_links, ident):
        return "worker"
    return "host" if host.find(ident) else "missing"


def to_move(spec, ident: dict, host: Links, work: Links):
    """The host link to move for ident, or None when it is in the worker already. The worker is
    dumped only when the host does not have the link under its recorded name."""
    if work.loaded and nl.find(work.all(), ident):
        return None
    link = host.named_match(ident)
    if link is not None:
        return link
    if nl.find(work.all(), ident):
        return None
    link = nl.find(host.all(), ident)
    if link is None:
        raise HostOpError(f"failed to find {ident['name']} ({ident['role']} of {spec.pf}) "
                          f"in the host or in {spec.worker}")
    return link


def move_back(ns: int, ident: dict) -> None:
    """Undo one move: ns is the pinned fd of the worker's netns, alive even if the worker died."""
    with nl.open_ns(ns=ns) as work:
        link = nl.find(nl.links(work), ident)
        if link:
            nl.move(work, link, None, "the host netns")


def move_in(pid: int, ident: dict, worker: str) -> None:
    """Undo one move out of the worker (detach): back into the worker's netns by its PID."""
    with nl.open_ns(None) as host:
        link = nl.find(nl.links(host), ident)
        if link:
            nl.move(host, link, pid, worker)
