"""The host-operation contract: an operation is one typed object, `Operation`, and every call it serves
gets one `HostContext`, as each of kind's actions gets an ActionContext that carries its runner.

An operation changes the host for one stack, before the Kind cluster exists (stage "before": the stack's
host-wide names, the GPU hand-over, the hugepage pool) or on the cluster's nodes once they exist (stage
"after": the SR-IOV attachment). Its module defines `OPERATION = Operation(...)` and
host.registry lists it; the generic dynamic provider (host.operation_provider), the
HostOperations component (one resource per spec, each stage), `doctor` and the CLI serve it through this
type alone.

A spec is a frozen dataclass of JSON values (the resource's inputs), named for its operation (SriovSpec,
so that no two classes share a name), with at least the fields
    stack        the stack that applies it: the claims' owner, and part of the resource's id
    root         the host's filesystem root ("/"; tests and doctor --root give another)
    claims_dir   the stack's claims folder (hostClaimsDir)
The caller (the provider, the CLI, doctor) builds the HostContext once from root and claims_dir and hands
it to every call; an operation reaches the host only through it (ctx.root, ctx.claims_dir, ctx.runner),
never through a runner of its own.

Every failure raises host.errors.HostOpError with a kind-style message and leaves the host as
it was, or exactly as the record says. A record handed back (from the state or the claims file) is checked
before use (host.records)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .runner import Runner, for_root

STAGES = ("before", "after")
SPEC_FIELDS = ("stack", "root", "claims_dir")

Problems = list[tuple[str, str]]  # (spec field, reason), as check returns them


@dataclass(frozen=True)
class HostContext:
    """What every call of an operation acts through: the host's root, the stack's claims folder, and the
    one runner for that root (host.runner: with a root other than "/" it runs only the root's
    own tools, so an operation on a fake tree never touches the host's drivers; tests pass a recording
    runner instead)."""

    root: str
    claims_dir: str
    runner: Runner

    @classmethod
    def for_root(cls, root: str, claims_dir: str, timeout: float = 120.0) -> "HostContext":
        return cls(root, claims_dir, for_root(root, timeout))


@dataclass(frozen=True)
class LegacyAlias:
    """A resource made before the contract that an operation's resource takes over (a Pulumi alias, so an
    existing stack's resource is updated, not replaced): its type, and its name and parent (type, name)
    where they differ from the new resource's."""

    type_: str
    name: str | None = None
    parent: tuple[str, str] | None = None


@dataclass(frozen=True)
class Operation:
    """One host operation. check, apply, status and release take (spec, record, ctx):

    check    -> [(field, reason)]   read-only: why apply would be refused; [] = it may run. record: what an
                                    earlier apply returned (None before the first)
    apply    -> record              converge: the first call changes the host and returns a JSON record of
                                    what it found; a call with that record changes only what drifted (so
                                    twice is a no-op)
    status   -> {"present": bool, "drift": [sentence, ...]}   read-only (more keys are allowed)
    release  -> anything            put back what the record says apply changed (the result is ignored)
    """

    name: str  # the registry key and the resource's name suffix
    summary: str  # one line for `python -m host operations`
    spec: type  # the spec class (see the module's docstring)
    from_settings: Callable[[Any], Any]  # Settings -> None (not needed), one spec, or a list of specs
    check: Callable[[Any, dict | None, HostContext], Problems]
    apply: Callable[[Any, dict | None, HostContext], dict]
    status: Callable[[Any, dict, HostContext], dict]
    release: Callable[[Any, dict, HostContext], object]
    replaces: tuple[str, ...] = ("stack", "claims_dir", "root")  # spec fields whose change: release, then apply
    # "before": applied before the Kind cluster is created; "after": to the cluster's nodes once they
    # exist, and replaced with the cluster (new nodes, new netns).
    stage: str = "before"
    gate: bool = False  # its stage's other operations wait for it (so a refused gate changes nothing)
    # The spec field whose value names each resource, <component>-<name>-<value>, where from_settings
    # gives a list (one resource per spec); without it an operation has one spec, named <component>-<name>.
    id_field: str | None = None
    keys: Mapping[str, str] = field(default_factory=dict)  # spec field -> the stack key it comes from (doctor)
    # Read-only, when check found nothing: what the host has now, for doctor's line (else the spec's values).
    describe: Callable[[Any, HostContext], str] | None = None
    aliases: tuple[LegacyAlias, ...] = ()  # resources made before the contract that this one takes over
    legacy_inputs: Mapping[str, str] = field(default_factory=dict)  # their input names -> spec fields

    def __post_init__(self) -> None:
        fields = {f.name for f in dataclasses.fields(self.spec)} if dataclasses.is_dataclass(self.spec) else None
        problems = [] if fields is not None else [f"spec {self.spec!r} is not a dataclass"]
        fields = fields or set()
        problems += [f"its spec {self.spec.__name__} has no field {f!r}" for f in SPEC_FIELDS if f not in fields]
        problems += [f"stage {self.stage!r} is not one of {STAGES}"] if self.stage not in STAGES else []
        named = {"replaces": self.replaces, "keys": tuple(self.keys), "id_field": (self.id_field,) if self.id_field else (),
                 "legacy_inputs": tuple(self.legacy_inputs.values())}
        problems += [f"{what} names {f!r}, not a field of {self.spec.__name__}"
                     for what, given in named.items() for f in given if fields and f not in fields]
        if problems:
            raise TypeError(f"host operation {self.name!r}: " + "; ".join(problems))

    def specs(self, settings) -> list:
        """from_settings as a list: none, one or several specs, each named apart."""
        got = self.from_settings(settings)
        specs = [] if got is None else list(got) if isinstance(got, (list, tuple)) else [got]
        ids = [self.spec_id(s) for s in specs]
        if len(set(ids)) != len(ids):
            raise ValueError(f"host operation {self.name!r}: {len(specs)} specs need an id_field that names "
                             f"each apart (got {ids})")
        return specs

    def spec_id(self, spec) -> str:
        """What names one spec's resource after the operation's name ('' for a one-spec operation)."""
        return str(dataclasses.asdict(spec)[self.id_field]) if self.id_field else ""
