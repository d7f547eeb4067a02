"""Dynamic providers SriovAttachment, SriovReassert: thin shells over sriov.py (the GPU hand-over is a
registered host operation, served by operation_provider.py).

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
SRIOV_INPUTS = ["stack", "worker", "pf", "vfs", "address", "claims_dir", "sysfs_root", "management_address"]
SRIOV_REPLACES = ["stack", "worker", "pf", "vfs", "claims_dir", "sysfs_root"]


def _spec(p: dict):
    from .sriov import Spec
    return Spec(worker=p["worker"], pf=p["pf"], vfs=int(p["vfs"]), address=p.get("address") or None,
                stack=p["stack"], claims_dir=p["claims_dir"], sysfs_root=p.get("sysfs_root") or "/",
                management_address=p.get("management_address") or None)


def _norm(p: dict) -> dict:
    return {**p, "vfs": int(p["vfs"])} if isinstance(p.get("vfs"), (int, float)) else p


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


def _changed(olds: dict, news: dict, keys: list[str]) -> list[str]:
    olds, news = _norm(olds), _norm(news)
    return [k for k in keys if (olds.get(k) or None) != (news.get(k) or None)]


class SriovAttachmentProvider(ResourceProvider):
    def check(self, olds, news):
        news = _norm(news)
        if any(news.get(k) == UNKNOWN for k in SRIOV_INPUTS):
            return CheckResult(news, [])  # preview with values from other resources: check at up
        if isinstance(news.get("vfs"), bool) or not isinstance(news.get("vfs"), int) or news["vfs"] < 0:
            return CheckResult(news, [CheckFailure("vfs", f"{news.get('vfs')!r} is not an integer >= 0")])
        from .sriov import check
        # On first create the Kind cluster may be created in the same `up`: its node is checked at create.
        return CheckResult(news, _failures(lambda: check(_spec(news), need_worker=bool(olds))))

    @_host_errors
    def create(self, props):
        from .sriov import attach
        rec = attach(_spec(props))
        return CreateResult(f"{props['worker']}/{props['pf']}", {**_norm(props), **rec, "drift": []})

    @_host_errors
    def read(self, id_, props):
        from .sriov import status
        st = status(_spec(props), record=props)
        if st["state"] == "detached":
            return ReadResult(None, {})
        return ReadResult(id_, {**props, "drift": st["drift"]})

    @_host_errors
    def diff(self, id_, olds, news):
        replaces = _changed(olds, news, SRIOV_REPLACES)
        other = _changed(olds, news, ["address", "management_address"])
        return DiffResult(changes=bool(replaces or other or olds.get("drift")), replaces=replaces,
                          delete_before_replace=True)

    @_host_errors
    def update(self, id_, olds, news):
        from .sriov import attach
        rec = attach(_spec(news), record=olds)
        return UpdateResult({**_norm(news), **rec, "drift": []})  # ALL outputs, or state loses them

    @_host_errors
    def delete(self, id_, props):
        from .sriov import detach
        detach(_spec(props), record=props)


class SriovAttachment(Resource, module="host", name="SriovAttachment"):
    """One PF and its VFs in one Kind worker's netns. Outputs: pid, links, drift."""

    pid: pulumi.Output[int]
    links: pulumi.Output[list]
    drift: pulumi.Output[list]

    def __init__(self, name: str, props: dict, opts: pulumi.ResourceOptions | None = None):
        super().__init__(SriovAttachmentProvider(), name,
                         {**{k: props.get(k) for k in SRIOV_INPUTS}, "pid": None, "links": None,
                          "drift": None, "pf_pci": None, "numvfs_before": None}, opts)


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
        return DiffResult(changes=bool(drift or olds.get("trigger") != news.get("trigger")
                                       or olds.get("specs") != news.get("specs")))

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
    """State written before the host-operation contract holds GpuDriverHandoverProvider pickled by
    reference to this module; `pulumi refresh` or `destroy` unpickles it from there. Imported here,
    on that lookup only, because operation_provider imports this module."""
    if name == "GpuDriverHandoverProvider":
        from .operation_provider import LegacyGpuDriverHandoverProvider
        return LegacyGpuDriverHandoverProvider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
