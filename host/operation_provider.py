"""The one dynamic provider that serves every registered host operation (contract: host.contract):
create = apply, read = status with drift, update = apply again with the record, delete = release, check =
the operation's check. Each call builds the operation's HostContext from the spec's root and claims folder.

Pickled by reference (host.operation_provider.*): this module path must stay stable and import
without side effects; state written before the host package left components/ names
components.host.operation_provider, which stays importable (components/host/). The instance carries only
the operation's name; the operation is looked up in the registry on every call, in the provider's own
process."""
from __future__ import annotations

import dataclasses

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from .contract import HostContext, Operation
from .provider_support import UNKNOWN, failures, host_errors
from .registry import OPERATIONS


def spec_props(spec) -> dict:
    """A spec as the resource's inputs."""
    return dataclasses.asdict(spec)


def spec_of(op: Operation, props: dict):
    """The spec back from the inputs: Pulumi hands integers back as floats, and a resource made before the
    contract has its inputs flat, under their old names (op.legacy_inputs)."""
    fields = {f.name: f for f in dataclasses.fields(op.spec)}
    given = {op.legacy_inputs.get(k, k): v for k, v in (props.get("spec") or props).items()}
    return op.spec(**{k: int(v) if fields[k].type in ("int", int) and isinstance(v, float) else v
                      for k, v in given.items() if k in fields})


def record_of(props: dict) -> dict | None:
    """The record in a resource's outputs; a resource created before the contract (GpuDriverHandover,
    SriovAttachment) kept its record in its top-level outputs."""
    if "spec" not in props:
        return props or None
    return props.get("record")


def _context(spec) -> HostContext:
    return HostContext.for_root(spec.root, spec.claims_dir)


class HostOperationProvider(ResourceProvider):
    def __init__(self, name: str | None = None):
        if name:  # a legacy subclass (components.host.providers) names its operation as a class attribute
            self.name = name

    @property
    def op(self) -> Operation:
        return OPERATIONS[self.name]

    def check(self, olds, news):
        if UNKNOWN in news.get("spec", {}).values():
            return CheckResult(news, [])  # a value from another resource: checked at up
        # The engine's Check gets the old *inputs* (record and drift are outputs, None there): an operation
        # learns of its earlier apply from the claims file; record_of finds one only in state written
        # before the contract (flat outputs) or in tests.
        record = record_of(olds) if olds else None
        spec = spec_of(self.op, news)
        return CheckResult(news, failures(lambda: self.op.check(spec, record, _context(spec))))

    @host_errors
    def create(self, props):
        spec = spec_of(self.op, props)
        id_ = "/".join(filter(None, (self.name, spec.stack, spec_props(spec).get(self.op.id_field or ""))))
        record = self.op.apply(spec, None, _context(spec))
        return CreateResult(id_, {**props, "record": record, "drift": []})

    @host_errors
    def read(self, id_, props):
        spec = spec_of(self.op, props)
        st = self.op.status(spec, record_of(props) or {}, _context(spec))
        if not st["present"]:
            return ReadResult(None, {})
        return ReadResult(id_, {**props, "drift": st["drift"]})

    @host_errors
    def diff(self, id_, olds, news):
        old, new = spec_props(spec_of(self.op, olds)), spec_props(spec_of(self.op, news))
        replaces = ["spec"] if any(old[k] != new[k] for k in self.op.replaces) else []
        return DiffResult(changes=bool(old != new or olds.get("drift") or "spec" not in olds), replaces=replaces,
                          delete_before_replace=True)

    @host_errors
    def update(self, id_, olds, news):
        spec = spec_of(self.op, news)
        record = self.op.apply(spec, record_of(olds), _context(spec))
        return UpdateResult({**news, "record": record, "drift": []})  # ALL outputs, or state loses them

    @host_errors
    def delete(self, id_, props):
        spec = spec_of(self.op, props)
        self.op.release(spec, record_of(props) or {}, _context(spec))


class HostOperation(Resource, module="host", name="HostOperation"):
    """One registered operation applied with one spec. Outputs: record (what apply found), drift."""

    record: pulumi.Output[dict]
    drift: pulumi.Output[list]

    def __init__(self, name: str, operation: str, spec, opts: pulumi.ResourceOptions | None = None):
        super().__init__(HostOperationProvider(operation), name,
                         {"operation": operation, "spec": spec_props(spec), "record": None, "drift": None}, opts)
