"""The host-operation contract: what one module must define to be served by the generic provider
(components.host.operation_provider), checked by `doctor` and listed by the CLI.

An operation is one module, registered in components.host.operations, defining:

    NAME: str                    the registry key and the resource's name suffix
    SUMMARY: str                 one line for `python -m components.host operations`
    REPLACES: tuple[str, ...]    spec fields whose change means release, then apply anew
    SPEC: type                   the spec class: a dataclass of JSON values (the resource's inputs)
                                 with a `root` field, the host's filesystem root ("/"; tests and
                                 doctor --root give another); named for its operation (SriovSpec),
                                 so that no two classes share a name
    from_settings(settings) -> SPEC | [SPEC] | None   None: this stack does not need the operation;
                                               a list: one resource per spec (e.g. one per PF)
    check(spec, record=None, *, runner) -> [(field, reason)]  read-only: why apply would be refused;
                                               [] = it may run; record: what an earlier apply returned
    apply(spec, record | None, *, runner) -> record  converge: the first call changes the host and
                                               returns a JSON record of what it found; a call with that
                                               record changes only what drifted (so twice is a no-op)
    status(spec, record, *, runner) -> {"present": bool, "drift": [sentence, ...]}
    release(spec, record, *, runner) -> None   put back what the record says apply changed

    runner: the only way an operation starts a process, always components.host.runner.for_root(spec.root)
    (the generic provider, the CLI and doctor call it; tests pass a recording runner instead). With a
    root other than "/" it runs only that root's own tools, so an operation on a fake tree never touches
    the host's drivers. A record handed back (from the state or the claims file) is checked before use
    (components.host.records).

Optional:

    STAGE: str                   "before" (default): applied before the Kind cluster is created
                                 (components.host_operations); "after": applied to the cluster's nodes
                                 once they exist, and replaced with the cluster (components.devices)
    spec_id(spec) -> str         required when from_settings returns a list: the resource's name
                                 suffix, <component>-<NAME>-<id>
    LEGACY_INPUTS: {old: field}  input names of a resource created before the contract
    KEYS: {field: stack key}     the stack config key each spec field comes from: doctor names it
                                 beside a problem of that field
    describe(spec) -> str        read-only, when check found nothing: what the host has now, for
                                 doctor's line (without it doctor prints the spec's values)

Every failure raises components.host.errors.HostOpError with a kind-style message and leaves the
host as it was, or exactly as the record says."""
from __future__ import annotations

import dataclasses
from typing import Any, Protocol


class Operation(Protocol):
    NAME: str
    SUMMARY: str
    REPLACES: tuple[str, ...]
    SPEC: type

    def from_settings(self, settings) -> Any: ...
    def check(self, spec, record: dict | None = None, *, runner) -> list[tuple[str, str]]: ...
    def apply(self, spec, record: dict | None, *, runner) -> dict: ...
    def status(self, spec, record: dict, *, runner) -> dict: ...
    def release(self, spec, record: dict, *, runner) -> None: ...


STAGES = ("before", "after")


def stage_of(op) -> str:
    return getattr(op, "STAGE", "before")


def specs_of(op, settings) -> list:
    """from_settings as a list: none, one or several specs."""
    got = op.from_settings(settings)
    return [] if got is None else list(got) if isinstance(got, (list, tuple)) else [got]


def record_of(props: dict) -> dict | None:
    """The record in a resource's outputs; a resource created before the contract (GpuDriverHandover,
    SriovAttachment) kept its record in its top-level outputs."""
    if "spec" not in props:
        return props or None
    return props.get("record")


def spec_props(spec) -> dict:
    """A spec as the resource's inputs."""
    return dataclasses.asdict(spec)


def spec_of(op: Operation, props: dict):
    """The spec back from the inputs (Pulumi hands integers back as floats)."""
    fields = {f.name: f for f in dataclasses.fields(op.SPEC)}
    legacy = getattr(op, "LEGACY_INPUTS", {})
    given = {legacy.get(k, k): v for k, v in (props.get("spec") or props).items()}
    return op.SPEC(**{k: int(v) if fields[k].type in ("int", int) and isinstance(v, float) else v
                      for k, v in given.items() if k in fields})
