"""One PF and its VFs in one Kind worker, as read, plan, apply: check, attach, status and detach over one
SriovSpec, the `sriov` host operation's (sriov_attachment.py), the CLI's and the re-assert's.

read() reads the host once before any change: every claim on the host, the record, the PF's SR-IOV files
in sysfs, what protects the PF (routes, the management address) and the worker's PID. The decisions are
sriov_plan.py's, pure. attach and detach apply them under one Undo: a failure part way undoes every change
made so far, newest first, so the host is left as it was. The links are read after the VF count is
written, since a new count destroys the VFs and makes new ones."""
from __future__ import annotations

from dataclasses import dataclass

from facts.shared import CLAIMS_DIR

from . import claims, containers, netlink as nl, probe, records, sriov_plan as plan, validate
from .contract import HostContext
from .errors import HostOpError, Invalid, Refused
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

    def problems(self) -> list[tuple[str, str]]:
        """Malformed arguments, as (field, reason); checked before the host is read or changed."""
        return validate.sriov_problems(self.worker, self.pf, self.vfs, self.address, self.management_address,
                                       self.root, self.stack)

    def validate(self, action: str) -> None:
        """Invalid for malformed arguments; action as in its message: 'attach PF to WORKER'."""
        bad = self.problems()
        if bad:
            raise Invalid(action, bad)


class Undo:
    """The undo steps of one change made in steps, newest last. A block that raises (anything, an interrupt
    too) runs them newest first and raises on; a step that fails is passed over, since the first error is
    the one that matters."""

    def __init__(self) -> None:
        self.steps: list = []

    def push(self, step) -> None:
        self.steps.append(step)

    def __enter__(self) -> "Undo":
        return self

    def __exit__(self, kind, err, tb) -> bool:
        for step in reversed(self.steps if kind else []):
            try:
                step()
            except Exception:  # noqa: BLE001 - keep undoing
                pass
        return False


_UNREAD = object()


def recorded(spec: SriovSpec, record: dict | None, ctx: HostContext, held=_UNREAD) -> dict | None:
    """The record attach left: passed in (provider state) or from the claims (CLI), checked before any of
    its names, PCI addresses or counts is used (a RecordError names where it came from)."""
    if isinstance(record, dict) and record.get("pf") == spec.pf:
        return records.checked(record, records.SRIOV, claims.pf_claim_key(spec.pf), records.STATE)
    if held is _UNREAD:
        held = claims.holder(ctx.claims_dir, claims.pf_claim_key(spec.pf), root=ctx.root)
    if not held or held.get("stack") != spec.stack or held.get("record") is None:
        return None
    return records.checked(held["record"], records.SRIOV, claims.pf_claim_key(spec.pf),
                           records.source_of(ctx.claims_dir))


def read(spec: SriovSpec, record: dict | None, ctx: HostContext, host, action: str,
         need_worker: bool = True) -> plan.Seen:
    """Everything check and attach decide on, once, before any change: every claim on the host, the record,
    the PF's SR-IOV files, what protects the PF, the worker's PID. Malformed arguments raise Invalid before
    anything is read (action as in its message: 'attach PF to WORKER'). host: the host's netlink."""
    spec.validate(action)
    key = claims.pf_claim_key(spec.pf)
    held = claims.everything(ctx.claims_dir, root=ctx.root).get(key)  # a broken claims file raises here
    record = recorded(spec, record, ctx, held)
    fs, pci = Sysfs(ctx.root), (record or {}).get("pf_pci")
    present = fs.exists(spec.pf, pci)
    sriov = present and fs.is_sriov(spec.pf, pci)
    totalvfs, numvfs = (fs.totalvfs(spec.pf, pci), fs.numvfs(spec.pf, pci)) if sriov else (0, 0)
    pci = pci or (fs.pci_of(spec.pf) if present else None)
    protected = nl.protected_ifaces(host, spec.management_address).get(spec.pf)
    if not protected and spec.pf in probe.default_route_ifaces(ctx.root):  # a tree given by doctor --root
        protected = "it carries the default route"
    pid = error = None
    try:
        pid = containers.container_pid(spec.worker, ctx.runner) if need_worker else None
    except HostOpError as err:  # no runtime to ask (a fake root without one): a refusal among the others
        error = str(err)
    return plan.Seen(key=key, held=held, record=record, present=present, pf_pci=pci, sriov=sriov,
                     totalvfs=totalvfs, numvfs=numvfs, protected=protected, pid=pid, worker_error=error)


def check(spec: SriovSpec, record: dict | None, ctx: HostContext) -> list[tuple[str, str]]:
    """Every reason attach would be refused, as (field, reason); [] means go. Before the first apply (no
    record) the Kind cluster may be created in the same `up`, so its worker is not asked for; who holds the
    PF and where it is come from the claims, as the CLI sees them."""
    bad = spec.problems()
    if bad:
        return bad
    with nl.open_ns(None) as host:
        return plan.refusals(spec, read(spec, None, ctx, host, "check", need_worker=bool(record)), bool(record))


def attach(spec: SriovSpec, record: dict | None, ctx: HostContext) -> dict:
    """Put the PF and its VFs into the worker, address and raise the PF, all or nothing; the record, and
    whether anything changed.

    Fixed costs per call: one read of the claims, one write before any change (only when the claim is new,
    so a second stack is refused before it changes anything) and one at the end (none when nothing
    changed); two container lookups (before, and after the moves to catch a worker that died mid-run); the
    host and the worker netns opened once each."""
    with nl.open_ns(None) as host:
        seen = read(spec, record, ctx, host, f"attach {spec.pf} to {spec.worker}")
        bad = plan.refusals(spec, seen)
        if bad:
            raise Refused(f"failed to attach {spec.pf} to {spec.worker}: " + "; ".join(r for _, r in bad))
        fs, changed = Sysfs(ctx.root), False
        with nl.pinned(seen.pid) as ns, Undo() as undo:
            if seen.held is None:  # a new claim (another stack's was refused above)
                claims.claim(ctx.claims_dir, seen.key, spec.stack, root=ctx.root, worker=spec.worker)
                undo.push(lambda: claims.release(ctx.claims_dir, seen.key, spec.stack, root=ctx.root))
            if fs.set_numvfs(spec.pf, spec.vfs, seen.pf_pci):
                undo.push(lambda: fs.set_numvfs(spec.pf, seen.numvfs, seen.pf_pci))
                changed = True
            # The VFs and links are read now: a new count makes new VFs, whose netdevs show up a little later.
            vfs = tuple(fs.wait_vf_netdevs(spec.pf, spec.vfs, pci=seen.pf_pci) if seen.numvfs != spec.vfs
                        else fs.vfs(spec.pf, seen.pf_pci))
            names = [spec.pf, *(i["name"] for i in (seen.record or {}).get("links", [])), *(v.netdev for v in vfs)]
            # By name, a `link get` each (a dump decodes every link of the host); the worker's links only where
            # the record says they were moved there.
            links = plan.Links({n: nl.get(host, n) for n in dict.fromkeys(names) if n}, vfs,
                               worker=_worker_links(ns) if seen.record else None)
            todo = plan.attach(spec, seen, links)
            if todo is None:  # the names did not settle where everything is: both netns in full
                links = plan.Links(links.named, vfs, tuple(nl.links(host)),
                                   links.worker if links.worker is not None else _worker_links(ns))
                todo = plan.attach(spec, seen, links)
            for ident, link in todo.moves:
                nl.move(host, link, seen.pid, spec.worker)
                undo.push(lambda i=ident: _move_back(ns, i))
                changed = True
            with nl.open_ns(ns=ns) as work:
                pf = nl.get(work, todo.pf_name)
                if pf is None:
                    raise HostOpError(f"failed to attach {spec.pf}: {todo.pf_name} is not in {spec.worker} after "
                                      "the move")
                if spec.address and nl.ensure_address(work, pf, spec.address):
                    changed = True
                if nl.ensure_up(work, pf):
                    changed = True
            if containers.container_pid(spec.worker, ctx.runner) != seen.pid:  # died or restarted mid-run
                raise HostOpError(f"failed to attach {spec.pf}: container {spec.worker} went away mid-run")
            held = seen.held or {}
            if not (held.get("worker") == spec.worker and held.get("record") == todo.record):
                # claim(), not update(): it also re-takes a claim dropped meanwhile, or refuses (and the
                # changes are undone) if another stack took it.
                claims.claim(ctx.claims_dir, seen.key, spec.stack, root=ctx.root, worker=spec.worker,
                             record=todo.record)
    return {**todo.record, "changed": changed}


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
    worker: tuple = ()
    if pid:
        with nl.open_ns(pid) as work:
            worker = tuple(nl.links(work))
    with nl.open_ns(None) as host:
        links = plan.Links({i["name"]: nl.get(host, i["name"]) for i in record["links"]}, worker=worker)
        where = plan.places(record, links)
        if where is None:  # a recorded name is gone from the host, or names another link now
            where = plan.places(record, plan.Links(worker=worker, host=tuple(nl.links(host))))
    drift = plan.drift(spec, record, pid, where)
    return {"pf": spec.pf, "worker": spec.worker, "state": "drift" if drift else "attached", "present": True,
            "pid": pid, "recorded_pid": record["pid"], "interfaces": where, "drift": drift}


def detach(spec: SriovSpec, record: dict | None, ctx: HostContext) -> dict:
    """Return every recorded interface to the host and restore the VF count, all or nothing; then release
    the claim. The `sriov` operation's release."""
    spec.validate(f"detach {spec.pf} from {spec.worker}")
    key = claims.pf_claim_key(spec.pf)
    held = claims.everything(ctx.claims_dir, root=ctx.root).get(key)  # a broken claims file stops it here
    record = recorded(spec, record, ctx, held)
    if not record:
        return {"pf": spec.pf, "state": "detached", "changed": False}
    fs, changed = Sysfs(ctx.root), False
    pid = containers.container_pid(spec.worker, ctx.runner)
    with Undo() as undo:
        if pid:
            with nl.open_ns(pid) as work:
                for ident, link in plan.detach_moves(record, nl.links(work)):
                    nl.move(work, link, None, "the host netns")
                    undo.push(lambda i=ident: _move_in(pid, i, spec.worker))
                    changed = True
        # Last, because it cannot be undone: writing 0 destroys the VFs wherever they are.
        pci = record.get("pf_pci")
        if fs.exists(spec.pf, pci) and fs.set_numvfs(spec.pf, int(record["numvfs_before"]), pci):
            changed = True
    claims.release(ctx.claims_dir, key, spec.stack, root=ctx.root)
    return {"pf": spec.pf, "state": "detached", "changed": changed}


def _worker_links(ns: int) -> tuple:
    # Any socket opened in the worker's netns, even one closed at once, slows every later move into it.
    with nl.open_ns(ns=ns) as work:
        return tuple(nl.links(work))


def _move_back(ns: int, ident: dict) -> None:
    """Undo one move into the worker: ns is the pinned fd of its netns, alive even if the worker died."""
    with nl.open_ns(ns=ns) as work:
        link = plan.find(nl.links(work), ident)
        if link:
            nl.move(work, link, None, "the host netns")


def _move_in(pid: int, ident: dict, worker: str) -> None:
    """Undo one move out of the worker (detach): back into its netns by its PID."""
    with nl.open_ns(None) as host:
        link = plan.find(nl.links(host), ident)
        if link:
            nl.move(host, link, pid, worker)
