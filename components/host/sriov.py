"""Converge functions for one PF and its VFs in one Kind worker: check, attach, status, detach.

The CLI drives them directly and the `sriov` host operation (sriov_attachment.py) through the
contract, both with one SriovSpec and one HostContext; finding the links again is in sriov_links.py."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from components.constants import CLAIMS_DIR

from . import claims, containers, netlink as nl, probe, records, validate
from .contract import HostContext
from .errors import HostOpError, Invalid, Refused
from .sriov_links import Links, identities, move_back, move_in, to_move, where
from .sysfs import Sysfs


@dataclass(frozen=True)
class SriovSpec:
    """One PF and `vfs` of its VFs for one Kind worker: the `sriov` operation's spec (its resource's
    inputs, sriov_attachment.py), the CLI's arguments and the SR-IOV re-assert's, one class for all."""

    stack: str
    worker: str  # the Kind node container, e.g. kind-worker
    pf: str
    vfs: int
    address: str | None = None  # CIDR put on the PF in the worker
    claims_dir: str = CLAIMS_DIR
    root: str = "/"  # the host's filesystem root; sysfs is under root/sys (tests give a fake tree)
    management_address: str | None = None

    @property
    def key(self) -> str:
        return claims.pf_claim_key(self.pf)

    def problems(self) -> list[tuple[str, str]]:
        """Malformed arguments, as (field, reason); checked before the host is read or changed."""
        return validate.sriov_problems(self.worker, self.pf, self.vfs, self.address, self.management_address,
                                       self.root, self.stack)

    def validate(self, action: str) -> None:
        """action as in the error: 'attach PF to WORKER'."""
        bad = self.problems()
        if bad:
            raise Invalid(action, bad)


_UNREAD = object()


def recorded(spec: SriovSpec, record: dict | None, ctx: HostContext, held=_UNREAD) -> dict | None:
    """The record attach left: passed in (provider state) or from the claims file (CLI), checked before
    any of its names, PCI addresses or counts is used (a RecordError names where it came from)."""
    if isinstance(record, dict) and record.get("pf") == spec.pf:
        return records.checked(record, records.SRIOV, spec.key, records.STATE)
    if held is _UNREAD:
        held = claims.holder(ctx.claims_dir, spec.key, root=ctx.root)
    if not held or held.get("stack") != spec.stack or held.get("record") is None:
        return None
    return records.checked(held["record"], records.SRIOV, spec.key, records.source_of(ctx.claims_dir))


def check(spec: SriovSpec, record: dict | None, ctx: HostContext) -> list[tuple[str, str]]:
    """Every reason attach would be refused, as (property, reason); empty means go. Before the first apply
    (no record) the Kind cluster may be created in the same `up`: its worker is checked then. The claims
    file, not the record, says who holds the PF (as the CLI sees it)."""
    bad = spec.problems()
    if bad:
        return bad
    held = claims.holder(ctx.claims_dir, spec.key, root=ctx.root)
    with nl.open_ns(None) as host:
        return _check(spec, recorded(spec, None, ctx, held), held, host, bool(record), ctx)[0]


def _check(spec: SriovSpec, record: dict | None, held: dict | None, host,
           need_worker: bool, ctx: HostContext) -> tuple[list[tuple[str, str]], int | None]:
    """check() with the claims entry already read and the host netns open; also the worker's PID."""
    fs, bad, pid = Sysfs(ctx.root), [], None
    pci = (record or {}).get("pf_pci")
    if not fs.exists(spec.pf, pci):
        return [("pf", f"{spec.pf}: no such network interface in {Path(ctx.root) / 'sys/class/net'}")], None
    if not fs.is_sriov(spec.pf, pci):
        bad.append(("pf", f"{spec.pf}: not SR-IOV capable (no sriov_totalvfs)"))
    else:
        total = fs.totalvfs(spec.pf, pci)
        if total < spec.vfs:
            bad.append(("vfs", f"{spec.pf}: {spec.vfs} VFs requested, sriov_totalvfs is {total}"))
    why = nl.protected_ifaces(host, spec.management_address).get(spec.pf)
    if not why and spec.pf in probe.default_route_ifaces(ctx.root):  # a tree given by doctor --root
        why = "it carries the default route"
    if why:
        bad.append(("pf", f"{spec.pf}: refusing to move it, {why}; pick another PF"))
    if need_worker:
        try:
            pid = containers.container_pid(spec.worker, ctx.runner)
        except HostOpError as err:  # no runtime to ask (a fake root without one): a refusal among the others
            bad.append(("worker", str(err)))
        else:
            if pid is None:
                bad.append(("worker", f"{spec.worker}: no running container of that name (is the Kind cluster up?)"))
    held_by = claims.refusal(held, spec.key, spec.stack, spec.claims_dir)
    if held_by:
        bad.append(("pf", held_by))
    return bad, pid


def attach(spec: SriovSpec, record: dict | None, ctx: HostContext) -> dict:
    """Put the PF and its VFs into the worker, address and raise the PF. All or nothing.

    Fixed costs per call: one read of the claims file, one write before any change (only when the
    claim is new, so a second stack is refused before it changes anything) and one at the end
    (none when nothing changed); two container lookups (before, and after the moves to catch a
    worker that died mid-run); the host and the worker netns opened once each."""
    spec.validate(f"attach {spec.pf} to {spec.worker}")
    held = claims.holder(ctx.claims_dir, spec.key, root=ctx.root)
    record, fs = recorded(spec, record, ctx, held), Sysfs(ctx.root)
    with nl.open_ns(None) as host:
        bad, pid = _check(spec, record, held, host, True, ctx)
        if record and int(record.get("vfs", spec.vfs)) != spec.vfs:
            # A new count is written as 0 then N: it would destroy the VFs in the worker.
            bad.append(("vfs", f"{spec.pf} is attached with {record['vfs']} VFs; detach it first to change "
                               f"the count to {spec.vfs}"))
        if bad:
            raise Refused(f"failed to attach {spec.pf} to {spec.worker}: " + "; ".join(r for _, r in bad))
        mine = held is not None  # and by this stack: another stack's claim was refused above
        if not mine:
            claims.claim(ctx.claims_dir, spec.key, spec.stack, root=ctx.root, worker=spec.worker)
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
                    host_links, work_links = Links(host), Links(ns=ns)
                    idents = identities(spec, fs, record, host_links, work_links, vfs)
                    for ident in idents[1:] + idents[:1]:  # VFs, then the PF
                        link = to_move(spec, ident, host_links, work_links)
                        if link is None:
                            continue  # already in the worker
                        nl.move(host, link, pid, spec.worker)
                        undo.append(lambda i=ident: move_back(ns, i))
                        changed = True
                    with nl.open_ns(ns=ns) as work:
                        pf = nl.get(work, idents[0]["name"])  # moving keeps the name; fall back to a dump if not
                        if pf is None or not nl.matches(pf, idents[0]):
                            pf = nl.find(nl.links(work), idents[0])
                        if spec.address and nl.ensure_address(work, pf, spec.address):
                            changed = True
                        if nl.ensure_up(work, pf):
                            changed = True
                    if containers.container_pid(spec.worker, ctx.runner) != pid:  # the worker died or restarted mid-run
                        raise HostOpError(f"failed to attach {spec.pf}: container {spec.worker} went away mid-run")
                    out = {"pf": spec.pf, "pf_pci": pf_pci, "worker": spec.worker, "pid": pid, "vfs": spec.vfs,
                           "address": spec.address, "numvfs_before": before, "links": idents, "changed": changed}
                    rec = {k: v for k, v in out.items() if k != "changed"}
                    if not (held and held.get("worker") == spec.worker and held.get("record") == rec):
                        # claim(), not update(): it also re-takes a claim dropped meanwhile, or refuses
                        # (and the moves are undone) if another stack took it.
                        claims.claim(ctx.claims_dir, spec.key, spec.stack, root=ctx.root, worker=spec.worker, record=rec)
                except BaseException:
                    for step in reversed(undo):
                        try:
                            step()
                        except Exception:  # noqa: BLE001 - keep undoing; the first error is what matters
                            pass
                    raise
        except BaseException:
            if not mine:
                claims.release(ctx.claims_dir, spec.key, spec.stack, root=ctx.root)
            raise
    return out


def apply(spec: SriovSpec, record: dict | None, ctx: HostContext) -> dict:
    """attach, as the `sriov` operation's apply: the record alone."""
    rec = attach(spec, record, ctx)
    return {k: v for k, v in rec.items() if k != "changed"}


def status(spec: SriovSpec, record: dict | None, ctx: HostContext) -> dict:
    """Where every interface is now. state: attached, drift (some left the worker, or the worker
    restarted), detached (nothing recorded); present and drift as the `sriov` operation's status."""
    spec.validate(f"read the state of {spec.pf} in {spec.worker}")
    record = recorded(spec, record, ctx)
    if not record:
        return {"pf": spec.pf, "worker": spec.worker, "state": "detached", "present": False, "interfaces": {},
                "drift": []}
    pid = containers.container_pid(spec.worker, ctx.runner)
    work_links = []
    if pid:
        with nl.open_ns(pid) as work:
            work_links = nl.links(work)
    with nl.open_ns(None) as host:
        host_links = Links(host)
        places = {i["name"]: where(i, host_links, work_links) for i in record["links"]}
    reasons = [f"{n} is in the {w}" if w == "host" else f"{n} is missing" for n, w in places.items() if w != "worker"]
    if pid != record["pid"]:
        reasons.insert(0, f"{spec.worker} pid is {pid} (was {record['pid']}): the worker restarted or is gone")
    return {"pf": spec.pf, "worker": spec.worker, "state": "drift" if reasons else "attached", "present": True,
            "pid": pid, "recorded_pid": record["pid"], "interfaces": places, "drift": reasons}


def detach(spec: SriovSpec, record: dict | None, ctx: HostContext) -> dict:
    """Return every recorded interface to the host and restore the VF count; then release the claim (the
    `sriov` operation's release)."""
    spec.validate(f"detach {spec.pf} from {spec.worker}")
    claims.everything(ctx.claims_dir, root=ctx.root)  # a broken claims file stops it here, before any change
    record = recorded(spec, record, ctx)
    if not record:
        return {"pf": spec.pf, "state": "detached", "changed": False}
    fs, changed = Sysfs(ctx.root), False
    pid = containers.container_pid(spec.worker, ctx.runner)
    undo: list = []
    if pid:
        with nl.open_ns(pid) as work:
            try:
                work_links = nl.links(work)
                for ident in record["links"]:
                    link = nl.find(work_links, ident)
                    if link:
                        nl.move(work, link, None, "the host netns")
                        undo.append(lambda i=ident: move_in(pid, i, spec.worker))
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
    claims.release(ctx.claims_dir, spec.key, spec.stack, root=ctx.root)
    return {"pf": spec.pf, "state": "detached", "changed": changed}
