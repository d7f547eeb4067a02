"""Implements the HostOperations component: every registered host operation of stage "before" this
stack needs, applied before the Kind cluster is created (the nodes see the host as the operations left
it). Operations of stage "after" go through components.devices.HostDevices."""
from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from components.host.operation import stage_of
from components.host.operation_provider import HostOperation
from components.host.operations import GATES, OPERATIONS


@dataclass
class HostOperationsArgs:
    specs: dict = field(default_factory=dict)  # registered operation name -> its SPEC (or a list)
    # What the operations exist for (the node images): a failure before it is done leaves the host as it was.
    after: list[pulumi.Resource] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings, after: list[pulumi.Resource] | None = None) -> "HostOperationsArgs":
        specs = {name: op.from_settings(settings) for name, op in OPERATIONS.items() if stage_of(op) == "before"}
        return cls({name: spec for name, spec in specs.items() if spec is not None}, list(after or []))


def _legacy(op) -> list:
    """An operation that had its own resource before the contract names it (LEGACY: type, name,
    parent type, parent name), so a stack's existing resource is taken over instead of replaced."""
    if not getattr(op, "LEGACY", None):
        return []
    type_, name, parent_type, parent_name = op.LEGACY
    return [pulumi.Alias(name=name, type_=type_, parent=pulumi.create_urn(parent_name, parent_type))]


class HostOperations(pulumi.ComponentResource):
    """One HostOperation per spec, named <name>-<operation>, each after `after` (depends_on is not
    inherited). Outputs: `ready` (for the cluster's `after`)."""

    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: HostOperationsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:host:HostOperations", name, None, opts)
        # The gates (footprint) first, then the rest; all after `after` (the node images): a failed image chain
        # leaves nothing of this stack on the host, and `pulumi up`'s preview still runs every check first.
        gates = [HostOperation(f"{name}-{op}", op, spec, pulumi.ResourceOptions(
            parent=self, depends_on=list(args.after), delete_before_replace=True))
            for op, spec in args.specs.items() if op in GATES]
        self.ready = gates + [HostOperation(f"{name}-{op}", op, spec, pulumi.ResourceOptions(
            parent=self, delete_before_replace=True, aliases=_legacy(OPERATIONS[op]), depends_on=[*args.after, *gates]))
            for op, spec in args.specs.items() if op not in GATES]
        self.register_outputs({"operations": list(args.specs)})
