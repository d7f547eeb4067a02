"""The one dynamic provider that serves every registered host operation (contract:
components.host.operation): create = apply, read = status with drift, update = apply again with the
record, delete = release, check = the operation's check.

Pickled by reference (components.host.operation_provider.*): this module path must stay stable and
import without side effects. The instance carries only the operation's name; the operation module
is looked up in the registry on every call, in the provider's own process."""
from __future__ import annotations

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from .operation import record_of, spec_of, spec_props
from .operations import OPERATIONS
from .provider_support import UNKNOWN, failures, host_errors
from .runner import for_root


class HostOperationProvider(ResourceProvider):
    def __init__(self, name: str | None = None):
        if name:  # a legacy subclass names its operation as a class attribute
            self.name = name

    @property
    def op(self):
        return OPERATIONS[self.name]

    def check(self, olds, news):
        if UNKNOWN in news.get("spec", {}).values():
            return CheckResult(news, [])  # a value from another resource: checked at up
        # The engine's Check gets the old *inputs* (record and drift are outputs, None there): an operation
        # learns of its earlier apply from the claims file; record_of finds one only in state written
        # before the contract (flat outputs) or in tests.
        record = record_of(olds) if olds else None
        spec = spec_of(self.op, news)
        return CheckResult(news, failures(lambda: self.op.check(spec, record, runner=for_root(spec.root))))

    @host_errors
    def create(self, props):
        spec = spec_of(self.op, props)
        record = self.op.apply(spec, None, runner=for_root(spec.root))
        suffix = f"/{self.op.spec_id(spec)}" if hasattr(self.op, "spec_id") else ""
        return CreateResult(f"{self.name}/{spec.stack}{suffix}", {**props, "record": record, "drift": []})

    @host_errors
    def read(self, id_, props):
        spec = spec_of(self.op, props)
        st = self.op.status(spec, record_of(props) or {}, runner=for_root(spec.root))
        if not st["present"]:
            return ReadResult(None, {})
        return ReadResult(id_, {**props, "drift": st["drift"]})

    @host_errors
    def diff(self, id_, olds, news):
        old, new = spec_of(self.op, olds), spec_of(self.op, news)
        replaces = ["spec"] if any(getattr(old, k) != getattr(new, k) for k in self.op.REPLACES) else []
        return DiffResult(changes=bool(old != new or olds.get("drift") or "spec" not in olds), replaces=replaces,
                          delete_before_replace=True)

    @host_errors
    def update(self, id_, olds, news):
        spec = spec_of(self.op, news)
        record = self.op.apply(spec, record_of(olds), runner=for_root(spec.root))
        return UpdateResult({**news, "record": record, "drift": []})  # ALL outputs, or state loses them

    @host_errors
    def delete(self, id_, props):
        spec = spec_of(self.op, props)
        self.op.release(spec, record_of(props) or {}, runner=for_root(spec.root))


class LegacyGpuDriverHandoverProvider(HostOperationProvider):
    """What a GpuDriverHandover's state unpickles to (components.host.providers.GpuDriverHandoverProvider):
    the `gpu` operation; unpickling sets no attributes, so the name is a class attribute."""
    name = "gpu"


class LegacySriovAttachmentProvider(HostOperationProvider):
    """What a SriovAttachment's state unpickles to (components.host.providers.SriovAttachmentProvider):
    the `sriov` operation, its flat inputs read through sriov_attachment.LEGACY_INPUTS."""
    name = "sriov"


class HostOperation(Resource, module="host", name="HostOperation"):
    """One registered operation applied with one spec. Outputs: record (what apply found), drift."""

    record: pulumi.Output[dict]
    drift: pulumi.Output[list]

    def __init__(self, name: str, operation: str, spec, opts: pulumi.ResourceOptions | None = None):
        super().__init__(HostOperationProvider(operation), name,
                         {"operation": operation, "spec": spec_props(spec), "record": None, "drift": None}, opts)
