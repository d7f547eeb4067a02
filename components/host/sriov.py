"""Converge functions for one PF and its VFs in one Kind worker: check, attach, status, detach."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import claims, containers, netlink as nl, validate
from .errors import HostOpError, Invalid, Refused
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
        return claims.pf_claim_key(self.pf)

    def problems(self) -> list[tuple[str, str]]:
        """Malformed arguments, as (field, reason); checked before the host is read or changed."""
        return validate.sriov_problems(self.worker, self.pf, self.vfs, self.address, self.management_address,
                                       self.sysfs_root, self.stack)

    def validate(self, action: str) -> None:
        """action as in the error: 'attach PF to WORKER'."""
        bad = self.problems()
        if bad:
            raise Invalid(action, bad)


_UNREAD = object()


def _record(spec: Spec, record: dict | None, held=_UNREAD) -> dict | None:
    """The record attach left: passed in (provider state) or from the claims file (CLI)."""
    if record and record.get("pf") == spec.pf:
        return record
    if held is _UNREAD:
        held = claims.holder(spec.claims_dir, spec.key)
    return held.get("record") if held and held.get("stack") == spec.stack else None


class _Links:
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


def check(spec: Spec, record: dict | None = None, need_worker: bool = True) -> list[tuple[str, str]]:
    """Every reason attach would be refused, as (property, reason); empty means go."""
    bad = spec.problems()
    if bad:
        return bad
    held = claims.holder(spec.claims_dir, spec.key)
    with nl.open_ns(None) as host:
        return _check(spec, _record(spec, record, held), held, host, need_worker)[0]


def _check(spec: Spec, record: dict | None, held: dict | None, host,
           need_worker: bool) -> tuple[list[tuple[str, str]], int | None]:
    """check() with the claims entry already read and the host netns open; also the worker's PID."""
    fs, bad, pid = Sysfs(spec.sysfs_root), [], None
    pci = (record or {}).get("pf_pci")
    if not fs.exists(spec.pf, pci):
        return [("pf", f"{spec.pf}: no such network interface in {Path(spec.sysfs_root) / 'sys/class/net'}")], None
    if not fs.is_sriov(spec.pf, pci):
        bad.append(("pf", f"{spec.pf}: not SR-IOV capable (no sriov_totalvfs)"))
    else:
        total = fs.totalvfs(spec.pf, pci)
        if total < spec.vfs:
            bad.append(("vfs", f"{spec.pf}: {spec.vfs} VFs requested, sriov_totalvfs is {total}"))
    why = nl.protected_ifaces(host, spec.management_address).get(spec.pf)
    if why:
        bad.append(("pf", f"{spec.pf}: refusing to move it, {why}; pick another PF"))
    if need_worker:
        pid = containers.container_pid(spec.worker)
        if pid is None:
            bad.append(("worker", f"{spec.worker}: no running container of that name (is the Kind cluster up?)"))
    held_by = claims.refusal(held, spec.key, spec.stack, spec.claims_dir)
    if held_by:
        bad.append(("pf", held_by))
    return bad, pid


def _identities(spec, fs, record, host: _Links, work: _Links, vfs: list | None = None) -> list[dict]:
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


def _where(ident, host: _Links, work_links) -> str:
    if nl.find(work_links, ident):
        return "worker"
    return "host" if host.find(ident) else "missing"


def attach(spec: Spec, record: dict | None = None) -> dict:
    """Put the PF and its VFs into the worker, address and raise the PF. All or nothing.

    Fixed costs per call: one read of the claims file, one write before any change (only when the
    claim is new, so a second stack is refused before it changes anything) and one at the end
    (none when nothing changed); two container lookups (before, and after the moves to catch a
    worker that died mid-run); the host and the worker netns opened once each."""
    spec.validate(f"attach {spec.pf} to {spec.worker}")
    held = claims.holder(spec.claims_dir, spec.key)
    record, fs = _record(spec, record, held), Sysfs(spec.sysfs_root)
    with nl.open_ns(None) as host:
        bad, pid = _check(spec, record, held, host, need_worker=True)
        if record and int(record.get("vfs", spec.vfs)) != spec.vfs:
            # A new count is written as 0 then N: it would destroy the VFs in the worker.
            bad.append(("vfs", f"{spec.pf} is attached with {record['vfs']} VFs; detach it first to change "
                               f"the count to {spec.vfs}"))
        if bad:
            raise Refused(f"failed to attach {spec.pf} to {spec.worker}: " + "; ".join(r for _, r in bad))
        mine = held is not None  # and by this stack: another stack's claim was refused above
        if not mine:
            claims.claim(spec.claims_dir, spec.key, spec.stack, worker=spec.worker)
        undo: list = []
        changed = False
        try:
            with nl.pinned(pid) as ns:
                try:
                    pf_pci = (record or {}).get("pf_pci") or fs.pci_of(spec.pf)
                    cur = fs.numvfs(spec.pf, pf_pci)
                    before = (record or {}).get("numvfs_before", cur)
                    if fs.set_numvfs(spec.pf, spec.vfs, pf_pci):
                        undo.append(lambda: fs.set_numvfs(spec.pf, cur, pf_pci))
                        changed = True
                    vfs = None
                    if cur != spec.vfs:  # new VFs: their netdevs show up a little after the write
                        vfs = fs.wait_vf_netdevs(spec.pf, spec.vfs, pci=pf_pci)
                    host_links, work_links = _Links(host), _Links(ns=ns)
                    idents = _identities(spec, fs, record, host_links, work_links, vfs)
                    for ident in idents[1:] + idents[:1]:  # VFs, then the PF
                        link = _to_move(spec, ident, host_links, work_links)
                        if link is None:
                            continue  # already in the worker
                        nl.move(host, link, pid, spec.worker)
                        undo.append(lambda i=ident: _move_back(ns, i))
                        changed = True
                    with nl.open_ns(ns=ns) as work:
                        pf = nl.get(work, idents[0]["name"])  # moving keeps the name; fall back to a dump if not
                        if pf is None or not nl.matches(pf, idents[0]):
                            pf = nl.find(nl.links(work), idents[0])
                        if spec.address and nl.ensure_address(work, pf, spec.address):
                            changed = True
                        if nl.ensure_up(work, pf):
                            changed = True
                    if containers.container_pid(spec.worker) != pid:  # the worker died or restarted mid-run
                        raise HostOpError(f"failed to attach {spec.pf}: container {spec.worker} went away mid-run")
                    out = {"pf": spec.pf, "pf_pci": pf_pci, "worker": spec.worker, "pid": pid, "vfs": spec.vfs,
                           "address": spec.address, "numvfs_before": before, "links": idents, "changed": changed}
                    rec = {k: v for k, v in out.items() if k != "changed"}
                    if not (held and held.get("worker") == spec.worker and held.get("record") == rec):
                        # claim(), not update(): it also re-takes a claim dropped meanwhile, or refuses
                        # (and the moves are undone) if another stack took it.
                        claims.claim(spec.claims_dir, spec.key, spec.stack, worker=spec.worker, record=rec)
                except BaseException:
                    for step in reversed(undo):
                        try:
                            step()
                        except Exception:  # noqa: BLE001 - keep undoing; the first error is what matters
                            pass
                    raise
        except BaseException:
            if not mine:
                claims.release(spec.claims_dir, spec.key, spec.stack)
            raise
    return out


def _to_move(spec: Spec, ident: dict, host: _Links, work: _Links):
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


def _move_back(ns: int, ident: dict) -> None:
    """Undo one move: ns is the pinned fd of the worker's netns, alive even if the worker died."""
    with nl.open_ns(ns=ns) as work:
        link = nl.find(nl.links(work), ident)
        if link:
            nl.move(work, link, None, "the host netns")


def status(spec: Spec, record: dict | None = None) -> dict:
    """Where every interface is now. state: attached, drift (some left the worker, or the worker
    restarted), detached (nothing recorded)."""
    spec.validate(f"read the state of {spec.pf} in {spec.worker}")
    record = _record(spec, record)
    if not record:
        return {"pf": spec.pf, "worker": spec.worker, "state": "detached", "interfaces": {}}
    pid = containers.container_pid(spec.worker)
    work_links = []
    if pid:
        with nl.open_ns(pid) as work:
            work_links = nl.links(work)
    with nl.open_ns(None) as host:
        host_links = _Links(host)
        where = {i["name"]: _where(i, host_links, work_links) for i in record["links"]}
    reasons = [f"{n} is in the {w}" if w == "host" else f"{n} is missing" for n, w in where.items() if w != "worker"]
    if pid != record["pid"]:
        reasons.insert(0, f"{spec.worker} pid is {pid} (was {record['pid']}): the worker restarted or is gone")
    return {"pf": spec.pf, "worker": spec.worker, "state": "drift" if reasons else "attached",
            "pid": pid, "recorded_pid": record["pid"], "interfaces": where, "drift": reasons}


def detach(spec: Spec, record: dict | None = None) -> dict:
    """Return every recorded interface to the host and restore the VF count; then release the claim."""
    spec.validate(f"detach {spec.pf} from {spec.worker}")
    claims.load(spec.claims_dir)  # a broken claims file stops it here, before any change
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
