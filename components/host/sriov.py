"""Converge functions for one PF and its VFs in one Kind worker: check, attach, status, detach."""
from __future__ import annotations

from dataclasses import dataclass

from . import claims, containers, netlink as nl
from .errors import HostOpError, Refused
from .sysfs import Sysfs


@dataclass
class Spec:
    worker: str
    pf: str
    vfs: int
    address: str | None = None
    stack: str = "manual"
    claims_dir: str = claims.DEFAULT_DIR
    sysfs_root: str = "/"
    management_address: str | None = None

    @property
    def key(self) -> str:
        return f"pf:{self.pf}"


def _record(spec: Spec, record: dict | None) -> dict | None:
    """The record attach left: passed in (provider state) or from the claims file (CLI)."""
    if record and record.get("pf") == spec.pf:
        return record
    held = claims.holder(spec.claims_dir, spec.key)
    return held.get("record") if held and held.get("stack") == spec.stack else None


def check(spec: Spec, record: dict | None = None, need_worker: bool = True) -> list[tuple[str, str]]:
    """Every reason attach would be refused, as (property, reason); empty means go."""
    record, fs, bad = _record(spec, record), Sysfs(spec.sysfs_root), []
    pci = (record or {}).get("pf_pci")
    if not fs.exists(spec.pf, pci):
        return [("pf", f"{spec.pf}: no such network interface in {spec.sysfs_root}sys/class/net")]
    if not fs.is_sriov(spec.pf, pci):
        bad.append(("pf", f"{spec.pf}: not SR-IOV capable (no sriov_totalvfs)"))
    elif fs.totalvfs(spec.pf, pci) < spec.vfs:
        bad.append(("vfs", f"{spec.pf}: {spec.vfs} VFs requested, sriov_totalvfs is {fs.totalvfs(spec.pf, pci)}"))
    with nl.open_ns(None) as host:
        why = nl.protected_ifaces(host, spec.management_address).get(spec.pf)
    if why:
        bad.append(("pf", f"{spec.pf}: refusing to move it, {why}; pick another PF"))
    if need_worker and containers.container_pid(spec.worker) is None:
        bad.append(("worker", f"{spec.worker}: no running container of that name (is the Kind cluster up?)"))
    held = claims.check(spec.claims_dir, spec.key, spec.stack)
    if held:
        bad.append(("pf", held))
    return bad


def _identities(spec, fs, record, host_links, work_links) -> list[dict]:
    """PF first, then VF 0..n-1: each a dict to find the link by wherever it is now."""
    by_name = {l.name: l for l in host_links}
    old = {i["role"]: i for i in (record or {}).get("links", [])}
    out = []
    pf_link = by_name.get(spec.pf) or next((l for l in work_links if l.name == spec.pf), None)
    pf_ident = old.get("pf") or (nl.identity(pf_link, fs.pci_of(spec.pf)) if pf_link else None)
    if pf_ident is None:
        raise HostOpError(f"failed to find PF {spec.pf} in the host or in {spec.worker}")
    out.append({**pf_ident, "role": "pf"})
    vfs = {v.index: v for v in fs.vfs(spec.pf, pf_ident.get("pci"))}
    for i in range(spec.vfs):
        role, vf = f"vf{i}", vfs.get(i)
        if role in old and (vf is None or old[role].get("pci") in (None, vf.pci)):
            out.append(old[role])
            continue
        link = by_name.get(vf.netdev) if vf and vf.netdev else None
        if link is None and vf is not None:  # its netdev left the host: only its PCI address is known
            link = next((l for l in work_links if l.pci == vf.pci), None)
        if link is None:
            raise HostOpError(f"failed to find VF {i} of {spec.pf} ({vf.pci if vf else 'no virtfn'}) "
                              f"in the host or in {spec.worker}")
        out.append({**nl.identity(link, vf.pci), "role": role})
    return out


def _where(ident, host_links, work_links) -> str:
    if nl.find(work_links, ident):
        return "worker"
    return "host" if nl.find(host_links, ident) else "missing"


def attach(spec: Spec, record: dict | None = None) -> dict:
    """Put the PF and its VFs into the worker, address and raise the PF. All or nothing."""
    bad = check(spec, record)
    if bad:
        raise Refused(f"failed to attach {spec.pf} to {spec.worker}: " + "; ".join(r for _, r in bad))
    record, fs = _record(spec, record), Sysfs(spec.sysfs_root)
    pid = containers.require_pid(spec.worker)
    claimed_before = claims.holder(spec.claims_dir, spec.key) is not None
    claims.claim(spec.claims_dir, spec.key, spec.stack, worker=spec.worker)
    undo: list = []
    changed = False
    with nl.open_ns(None) as host, nl.open_ns(pid) as work:
        try:
            pf_pci = (record or {}).get("pf_pci") or fs.pci_of(spec.pf)
            before = (record or {}).get("numvfs_before", fs.numvfs(spec.pf, pf_pci))
            cur = fs.numvfs(spec.pf, pf_pci)
            if fs.set_numvfs(spec.pf, spec.vfs, pf_pci):
                undo.append(lambda: fs.set_numvfs(spec.pf, cur, pf_pci))
                changed = True
            if cur != spec.vfs:  # new VFs: their netdevs show up a little after the write
                fs.wait_vf_netdevs(spec.pf, spec.vfs, pci=pf_pci)
            host_links, work_links = nl.links(host), nl.links(work)
            idents = _identities(spec, fs, record, host_links, work_links)
            for ident in idents[1:] + idents[:1]:  # VFs, then the PF
                if nl.find(work_links, ident):
                    continue
                link = nl.find(host_links, ident)
                if link is None:
                    raise HostOpError(f"failed to find {ident['name']} ({ident['role']} of {spec.pf}) "
                                      f"in the host or in {spec.worker}")
                nl.move(host, link, pid, spec.worker)
                undo.append(lambda i=ident: _move_back(work, i, spec.worker))
                changed = True
            pf = nl.get(work, idents[0]["name"])  # moving keeps the name; fall back to a dump if not
            if pf is None or not nl.matches(pf, idents[0]):
                pf = nl.find(nl.links(work), idents[0])
            if spec.address and nl.ensure_address(work, pf, spec.address):
                changed = True
            if nl.ensure_up(work, pf):
                changed = True
            if containers.container_pid(spec.worker) != pid:  # the worker died or restarted mid-run
                raise HostOpError(f"failed to attach {spec.pf}: container {spec.worker} went away mid-run")
        except BaseException:
            for step in reversed(undo):
                try:
                    step()
                except Exception:  # noqa: BLE001 - keep undoing; the first error is what matters
                    pass
            if not claimed_before:
                claims.release(spec.claims_dir, spec.key, spec.stack)
            raise
    out = {"pf": spec.pf, "pf_pci": pf_pci, "worker": spec.worker, "pid": pid, "vfs": spec.vfs,
           "address": spec.address, "numvfs_before": before, "links": idents, "changed": changed}
    claims.update(spec.claims_dir, spec.key, spec.stack, record={k: v for k, v in out.items() if k != "changed"})
    return out


def _move_back(work, ident: dict, worker: str) -> None:
    link = nl.find(nl.links(work), ident)
    if link:
        nl.move(work, link, None, "the host netns")


def status(spec: Spec, record: dict | None = None) -> dict:
    """Where every interface is now. state: attached, drift (some left the worker, or the worker
    restarted), detached (nothing recorded)."""
    record = _record(spec, record)
    if not record:
        return {"pf": spec.pf, "worker": spec.worker, "state": "detached", "interfaces": {}}
    pid = containers.container_pid(spec.worker)
    with nl.open_ns(None) as host:
        host_links = nl.links(host)
    work_links = []
    if pid:
        with nl.open_ns(pid) as work:
            work_links = nl.links(work)
    where = {i["name"]: _where(i, host_links, work_links) for i in record["links"]}
    reasons = [f"{n} is in the {w}" if w == "host" else f"{n} is missing" for n, w in where.items() if w != "worker"]
    if pid != record["pid"]:
        reasons.insert(0, f"{spec.worker} pid is {pid} (was {record['pid']}): the worker restarted or is gone")
    return {"pf": spec.pf, "worker": spec.worker, "state": "drift" if reasons else "attached",
            "pid": pid, "recorded_pid": record["pid"], "interfaces": where, "drift": reasons}


def detach(spec: Spec, record: dict | None = None) -> dict:
    """Return every recorded interface to the host and restore the VF count; then release the claim."""
    record = _record(spec, record)
    if not record:
        return {"pf": spec.pf, "state": "detached", "changed": False}
    fs, changed = Sysfs(spec.sysfs_root), False
    pid = containers.container_pid(spec.worker)
    undo: list = []
    if pid:
        with nl.open_ns(pid) as work:
            try:
                work_links = nl.links(work)
                for ident in record["links"]:
                    link = nl.find(work_links, ident)
                    if link:
                        nl.move(work, link, None, "the host netns")
                        undo.append(lambda i=ident: _move_in(pid, i, spec.worker))
                        changed = True
            except BaseException:
                for step in reversed(undo):
                    try:
                        step()
                    except Exception:  # noqa: BLE001
                        pass
                raise
    # Last, because it cannot be undone: writing 0 destroys the VFs wherever they are.
    if fs.exists(spec.pf, record.get("pf_pci")) and fs.set_numvfs(spec.pf, int(record["numvfs_before"]), record.get("pf_pci")):
        changed = True
    claims.release(spec.claims_dir, spec.key, spec.stack)
    return {"pf": spec.pf, "state": "detached", "changed": changed}


def _move_in(pid: int, ident: dict, worker: str) -> None:
    with nl.open_ns(None) as host:
        link = nl.find(nl.links(host), ident)
        if link:
            nl.move(host, link, pid, worker)
