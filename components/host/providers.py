"""Dynamic provider SriovReassert: a thin shell over sriov.py (the SR-IOV attachment and the GPU
hand-over are registered host operations, served by operation_provider.py).

Pickled by reference (components.host.providers.*), so this module path must stay stable and
import without side effects; host modules are imported inside methods."""
from __future__ import annotations

import functools
import sys

import pulumi
from pulumi.dynamic import (CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult,
                            Resource, ResourceProvider, UpdateResult)

from .errors import HostOpError

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SRIOV_INPUTS = ["stack", "worker", "pf", "vfs", "address", "claims_dir", "root", "management_address"]


def _spec(p: dict):
    """A stored spec as the SriovSpec; state written before it had `root` names it `sysfs_root`."""
    from .sriov import SriovSpec
    return SriovSpec(stack=p["stack"], worker=p["worker"], pf=p["pf"], vfs=int(p["vfs"]),
                     address=p.get("address") or None, claims_dir=p["claims_dir"],
                     root=p.get("root") or p.get("sysfs_root") or "/",
                     management_address=p.get("management_address") or None)


def _host_errors(method):
    """The dynamic provider server reports any exception with traceback.format_exc(). A host error's
    message says all the user needs (what failed, what to do), so for those alone the traceback is
    cut: sys.tracebacklimit = 0 in the provider's own process, reset on every call so that any other
    exception (a bug) keeps its traceback."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        sys.__dict__.pop("tracebacklimit", None)
        try:
            return method(*args, **kwargs)
        except HostOpError as err:
            sys.tracebacklimit = 0
            raise HostOpError(str(err)) from None
    return wrapper


def _failures(check) -> list[CheckFailure]:
    """check()'s (property, reason) list as CheckFailures; a host error (a broken claims file) becomes
    one too, so `pulumi up` prints its message instead of the provider's traceback."""
    from .errors import ClaimsError, HostOpError
    try:
        return [CheckFailure(p, r) for p, r in check()]
    except ClaimsError as err:
        return [CheckFailure("claims_dir", str(err))]
    except HostOpError as err:
        return [CheckFailure("worker", str(err))]


class SriovReassertProvider(ResourceProvider):
    """Re-puts VFs that fell back to the host (sriov-cni DEL sends them to the node netns or, if the
    pod netns is gone, the kernel sends them home) before a DataFlow is applied. diff reads live
    state, so a clean host plans no change; create/update converge; delete does nothing (the
    SriovAttachment owns tear-down)."""

    def check(self, olds, news):
        from . import claims

        def problems() -> list[tuple[str, str]]:
            # What fails before any change: the arguments and the claims file (the worker may not exist yet).
            out = []
            for p in news.get("specs") or []:
                if UNKNOWN in p.values():
                    continue
                bad = _spec(p).problems()
                out += bad
                if not bad:
                    claims.load(p["claims_dir"])  # a broken file raises, and becomes a CheckFailure
            return out
        return CheckResult(news, _failures(problems))

    def _drift(self, specs: list[dict]) -> list[str]:
        from .sriov import status
        return [r for p in specs for r in status(_spec(p)).get("drift", [])]

    @_host_errors
    def create(self, props):
        from .sriov import attach
        for p in props["specs"]:
            attach(_spec(p))
        return CreateResult(f"reassert-{props['specs'][0]['stack']}" if props["specs"] else "reassert",
                            {**props, "drift": []})

    @_host_errors
    def diff(self, id_, olds, news):
        if any(v == UNKNOWN for v in (news.get("trigger"),)):
            return DiffResult(changes=True)
        drift = self._drift(news["specs"])
        # Compared as specs: state from before `root` names it `sysfs_root`, which is no change.
        return DiffResult(changes=bool(drift or olds.get("trigger") != news.get("trigger")
                                       or [_spec(p) for p in olds.get("specs") or []]
                                       != [_spec(p) for p in news["specs"]]))

    @_host_errors
    def update(self, id_, olds, news):
        return UpdateResult(self.create(news).outs)

    @_host_errors
    def read(self, id_, props):
        return ReadResult(id_, {**props, "drift": self._drift(props["specs"])})

    @_host_errors
    def delete(self, id_, props):
        return None


class SriovReassert(Resource, module="host", name="SriovReassert"):
    """Converges the given attachments again whenever they drifted or `trigger` changed."""

    drift: pulumi.Output[list]

    def __init__(self, name: str, specs: list[dict], trigger, opts: pulumi.ResourceOptions | None = None):
        super().__init__(SriovReassertProvider(), name,
                         {"specs": [{k: p.get(k) for k in SRIOV_INPUTS} for p in specs],
                          "trigger": trigger, "drift": None}, opts)


def __getattr__(name: str):
    """State written before the host-operation contract holds GpuDriverHandoverProvider and
    SriovAttachmentProvider pickled by reference to this module; `pulumi refresh` or `destroy`
    unpickles them from there. Imported here, on that lookup only, because operation_provider imports
    this module."""
    if name == "GpuDriverHandoverProvider":
        from .operation_provider import LegacyGpuDriverHandoverProvider
        return LegacyGpuDriverHandoverProvider
    if name == "SriovAttachmentProvider":
        from .operation_provider import LegacySriovAttachmentProvider
        return LegacySriovAttachmentProvider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
