"""Dynamic provider SriovReassert: a thin shell over sriov.py (the SR-IOV attachment and the GPU
hand-over are registered host operations, served by operation_provider.py).

Pickled by reference (components.host.providers.*), so this module path must stay stable and import
without side effects. State written before the host-operation contract holds GpuDriverHandoverProvider
and SriovAttachmentProvider pickled by reference to this module: those names stay here, as the generic
provider serving the `gpu` and `sriov` operations, for `pulumi refresh` and `destroy` to unpickle."""
from __future__ import annotations

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from . import claims, sriov
from .operation_provider import LegacyGpuDriverHandoverProvider as GpuDriverHandoverProvider  # noqa: F401
from .operation_provider import LegacySriovAttachmentProvider as SriovAttachmentProvider  # noqa: F401
from .provider_support import UNKNOWN, failures, host_errors
from .runner import for_root
from .sriov import SriovSpec

SRIOV_INPUTS = ["stack", "worker", "pf", "vfs", "address", "claims_dir", "root", "management_address"]


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
        return [r for s in map(_spec, specs) for r in sriov.status(s, runner=for_root(s.root)).get("drift", [])]

    @host_errors
    def create(self, props):
        for spec in map(_spec, props["specs"]):
            sriov.attach(spec, runner=for_root(spec.root))
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
