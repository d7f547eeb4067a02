"""Dynamic provider SriovReassert: the SR-IOV attachments converged again before a DataFlow, a thin shell
over sriov.py (the attachment itself is the registered host operation `sriov`, served by
operation_provider.py). It owns nothing on the host and releases nothing.

Pickled by reference (host.sriov_reassert.SriovReassertProvider), so this module path must stay
stable and import without side effects; state written earlier pickled the same class as
components.host.providers.SriovReassertProvider (before it was named for what it holds) or
components.host.sriov_reassert.SriovReassertProvider (before the host package left components/); both stay
importable (components/host/)."""
from __future__ import annotations

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from . import claims, sriov
from .contract import HostContext
from .provider_support import UNKNOWN, failures, host_errors
from .sriov import SriovSpec

SRIOV_INPUTS = ["stack", "worker", "pf", "vfs", "address", "claims_dir", "root", "management_address"]


def _context(spec: SriovSpec) -> HostContext:
    return HostContext.for_root(spec.root, spec.claims_dir)


def _spec(p: dict) -> SriovSpec:
    """A stored spec as the SriovSpec; state written before it had `root` names it `sysfs_root`."""
    return SriovSpec(stack=p["stack"], worker=p["worker"], pf=p["pf"], vfs=int(p["vfs"]),
                     address=p.get("address") or None, claims_dir=p["claims_dir"],
                     root=p.get("root") or p.get("sysfs_root") or "/",
                     management_address=p.get("management_address") or None)


class SriovReassertProvider(ResourceProvider):
    """Re-puts VFs that fell back to the host (sriov-cni DEL sends them to the node netns or, if the
    pod netns is gone, the kernel sends them home) before a DataFlow is applied. diff reads live
    state, so a clean host plans no change; create/update converge; delete does nothing (the
    sriov operation owns tear-down)."""

    def check(self, olds, news):
        def problems() -> list[tuple[str, str]]:
            # What fails before any change: the arguments and the claims file (the worker may not exist yet).
            out = []
            for p in news.get("specs") or []:
                if UNKNOWN in p.values():
                    continue
                bad = _spec(p).problems()
                out += bad
                if not bad:
                    claims.everything(p["claims_dir"], root=_spec(p).root)  # a broken file raises, and becomes a CheckFailure
            return out
        return CheckResult(news, failures(problems))

    def _drift(self, specs: list[dict]) -> list[str]:
        return [r for s in map(_spec, specs) for r in sriov.status(s, None, _context(s))["drift"]]

    @host_errors
    def create(self, props):
        for spec in map(_spec, props["specs"]):
            sriov.attach(spec, None, _context(spec))
        return CreateResult(f"reassert-{props['specs'][0]['stack']}" if props["specs"] else "reassert",
                            {**props, "drift": []})

    @host_errors
    def diff(self, id_, olds, news):
        if any(v == UNKNOWN for v in (news.get("trigger"),)):
            return DiffResult(changes=True)
        drift = self._drift(news["specs"])
        # Compared as specs: state from before `root` names it `sysfs_root`, which is no change.
        return DiffResult(changes=bool(drift or olds.get("trigger") != news.get("trigger")
                                       or [_spec(p) for p in olds.get("specs") or []]
                                       != [_spec(p) for p in news["specs"]]))

    @host_errors
    def update(self, id_, olds, news):
        return UpdateResult(self.create(news).outs)

    @host_errors
    def read(self, id_, props):
        return ReadResult(id_, {**props, "drift": self._drift(props["specs"])})

    @host_errors
    def delete(self, id_, props):
        return None


class SriovReassert(Resource, module="host", name="SriovReassert"):
    """Converges the given attachments again whenever they drifted or `trigger` changed."""

    drift: pulumi.Output[list]

    def __init__(self, name: str, specs: list[dict], trigger, opts: pulumi.ResourceOptions | None = None):
        super().__init__(SriovReassertProvider(), name,
                         {"specs": [{k: p.get(k) for k in SRIOV_INPUTS} for p in specs],
                          "trigger": trigger, "drift": None}, opts)
