"""The SR-IOV attachment's decisions, pure: from what sriov.py read (the PF in sysfs, the links, the worker, the
claim and the record) to what it refuses, which links it moves and what it records. Nothing here reads or
changes the host, so every rule is unit-tested without a kernel (tests/unit/test_sriov_plan.py).

A link is found again by its identity ({name, role, pci, perm_mac, mac}): names change when a VF falls back
to the host, so the strongest key both sides know wins. Where the links read by name do not settle where a
link is, a planning function answers None, and the caller reads the worker's and the host's links in full
and asks again: a dump of the host decodes every link of it, and any netlink socket in the worker's netns
slows every move into it, so neither is read unless needed."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from . import claims
from .errors import HostOpError
from .netlink import Link
from .sysfs import Vf


@dataclass(frozen=True)
class Seen:
    """What check and attach decide on, read once before any change."""

    key: str  # the PF's claim key, pf:<name>
    held: dict | None  # its claim in any of the host's claims folders, whichever stack holds it
    record: dict | None  # this stack's record of an earlier attach (from the state or its claim), checked
    present: bool  # the PF is in sysfs (by name, or by its recorded PCI address once it left the host)
    pf_pci: str | None
    sriov: bool
    totalvfs: int
    numvfs: int
    protected: str | None  # why the PF must never move: the default route or the management address is on it
    pid: int | None  # the worker's init PID; None: no running container of that name (or not asked)
    worker_error: str | None  # why the worker could not be looked up (a fake root without Docker)


@dataclass(frozen=True)
class Links:
    """Links as read: on the host by name, and in full only when the names did not settle it."""

    named: Mapping[str, Link | None] = field(default_factory=dict)  # host links by name (None: no such link)
    vfs: tuple[Vf, ...] = ()  # the PF's VFs in sysfs, read after the VF count was written
    host: tuple[Link, ...] | None = None  # every host link, when read
    worker: tuple[Link, ...] | None = None  # every link in the worker's netns, when read


@dataclass(frozen=True)
class Attach:
    """What attach does once the VF count is right."""

    moves: list[tuple[dict, Link]]  # (identity, host link) into the worker: the VFs, then the PF
    pf_name: str  # the PF's name in the worker once moved (moving keeps a name)
    record: dict  # what attach records: the state's output and the claim's record


def identity(link: Link, pci: str | None = None) -> dict:
    """What to find a link by later."""
    return {"name": link.name, "pci": link.pci or pci, "perm_mac": link.perm_mac, "mac": link.mac}


def matches(link: Link, ident: dict) -> bool:
    # Strongest key both sides know wins; veth stand-ins have only a MAC.
    if link.pci and ident.get("pci"):
        return link.pci == ident["pci"]
    if link.perm_mac and ident.get("perm_mac"):
        return link.perm_mac == ident["perm_mac"]
    return bool(ident.get("mac")) and link.mac == ident["mac"]


def find(found, ident: dict) -> Link | None:
    return next((l for l in found or () if matches(l, ident)), None)


def refusals(spec, seen: Seen, need_worker: bool = True) -> list[tuple[str, str]]:
    """Every reason attach would be refused, as (spec field, reason); [] means go."""
    if not seen.present:
        return [("pf", f"{spec.pf}: no such network interface in {Path(spec.root) / 'sys/class/net'}")]
    bad = []
    if not seen.sriov:
        bad.append(("pf", f"{spec.pf}: not SR-IOV capable (no sriov_totalvfs)"))
    elif seen.totalvfs < spec.vfs:
        bad.append(("vfs", f"{spec.pf}: {spec.vfs} VFs requested, sriov_totalvfs is {seen.totalvfs}"))
    if seen.protected:
        bad.append(("pf", f"{spec.pf}: refusing to move it, {seen.protected}; pick another PF"))
    if need_worker and seen.worker_error:
        bad.append(("worker", seen.worker_error))
    elif need_worker and seen.pid is None:
        bad.append(("worker", f"{spec.worker}: no running container of that name (is the Kind cluster up?)"))
    held_by = claims.refusal(seen.held, seen.key, spec.stack, spec.claims_dir)
    if held_by:
        bad.append(("pf", held_by))
    if seen.record and int(seen.record.get("vfs", spec.vfs)) != spec.vfs:
        # A new count is written as 0 then N: it would destroy the VFs in the worker.
        bad.append(("vfs", f"{spec.pf} is attached with {seen.record['vfs']} VFs; detach it first to change "
                           f"the count to {spec.vfs}"))
    return bad


def _where(ident: dict, links: Links) -> tuple[str, Link | None] | None:
    """("worker", its link there) | ("host", its link there) | ("missing", None); None: the links read do
    not tell."""
    link = find(links.worker, ident)
    if link:
        return "worker", link
    link = links.named.get(ident.get("name") or "")
    if link is not None and matches(link, ident):
        return "host", link
    if links.worker is None or links.host is None:
        return None
    link = find(links.host, ident)
    return ("host", link) if link else ("missing", None)


def _identities(spec, seen: Seen, links: Links) -> list[dict] | None:
    """PF first, then VF 0..n-1: each the identity to find its link by wherever it is now (the record's where
    it still fits). None: read everything. HostOpError for a PF or VF that is nowhere."""
    old = {i["role"]: i for i in (seen.record or {}).get("links", [])}
    pf = old.get("pf")
    if pf is None:
        link = links.named.get(spec.pf) or next((l for l in links.worker or () if l.name == spec.pf), None)
        if link is None and links.worker is None:
            return None
        if link is None:
            raise _missing(f"PF {spec.pf}", spec)
        pf = identity(link, seen.pf_pci)
    out = [{**pf, "role": "pf"}]
    vfs = {v.index: v for v in links.vfs}
    for i in range(spec.vfs):
        role, vf = f"vf{i}", vfs.get(i)
        if role in old and (vf is None or old[role].get("pci") in (None, vf.pci)):
            out.append(old[role])
            continue
        link = links.named.get(vf.netdev) if vf and vf.netdev else None
        if link is None and vf is not None:  # its netdev left the host: only its PCI address is known
            if links.worker is None:
                return None
            link = next((l for l in links.worker if l.pci == vf.pci), None)
        if link is None:
            raise _missing(f"VF {i} of {spec.pf} ({vf.pci if vf else 'no virtfn'})", spec)
        out.append({**identity(link, vf.pci), "role": role})
    return out


def attach(spec, seen: Seen, links: Links) -> Attach | None:
    """The links to move into the worker (what is there already stays), the PF's name there and the record;
    None: read everything."""
    idents = _identities(spec, seen, links)
    if idents is None:
        return None
    moves, pf_name = [], idents[0]["name"]
    for ident in idents[1:] + idents[:1]:  # VFs, then the PF
        found = _where(ident, links)
        if found is None:
            return None
        where, link = found
        if where == "missing":
            raise _missing(f"{ident['name']} ({ident['role']} of {spec.pf})", spec)
        if where == "host":
            moves.append((ident, link))
        if ident["role"] == "pf":
            pf_name = link.name
    record = {"pf": spec.pf, "pf_pci": seen.pf_pci, "worker": spec.worker, "pid": seen.pid, "vfs": spec.vfs,
              "address": spec.address, "numvfs_before": (seen.record or {}).get("numvfs_before", seen.numvfs),
              "links": idents}
    return Attach(moves, pf_name, record)


def detach_moves(record: dict, worker: list[Link]) -> list[tuple[dict, Link]]:
    """The recorded links in the worker, to move back to the host."""
    return [(ident, link) for ident in record["links"] if (link := find(worker, ident))]


def places(record: dict, links: Links) -> dict[str, str] | None:
    """Where each recorded link is now: worker, host or missing; None: read the host in full."""
    found = {i["name"]: _where(i, links) for i in record["links"]}
    return None if None in found.values() else {n: w for n, (w, _) in found.items()}


def drift(spec, record: dict, pid: int | None, where: dict[str, str]) -> list[str]:
    """Why an attachment is not as recorded, one sentence each; [] when it is."""
    reasons = [f"{n} is in the {w}" if w == "host" else f"{n} is missing" for n, w in where.items() if w != "worker"]
    if pid != record["pid"]:
        reasons.insert(0, f"{spec.worker} pid is {pid} (was {record['pid']}): the worker restarted or is gone")
    return reasons


def _missing(what: str, spec) -> HostOpError:
    return HostOpError(f"failed to find {what} in the host or in {spec.worker}")
