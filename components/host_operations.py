"""Implements the HostOperations component: every registered host operation this stack needs, applied
before the Kind cluster is created (the nodes see the host as the operations left it)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from components.host.operation_provider import HostOperation
from components.host.operations import OPERATIONS


@dataclass
class HostOperationsArgs:
    specs: dict = field(default_factory=dict)  # registered operation name -> its Spec

    @classmethod
    def from_settings(cls, settings) -> "HostOperationsArgs":
        specs = {name: op.from_settings(settings) for name, op in OPERATIONS.items()}
        return cls({name: spec for name, spec in specs.items() if spec is not None})


class HostOperations(pulumi.ComponentResource):
    """One HostOperation per spec, named <name>-<operation>. Outputs: `resources` (for the cluster's
    depends_on)."""

    def __init__(self, name: str, args: HostOperationsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:host:HostOperations", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, delete_before_replace=True)
        self.resources = [HostOperation(f"{name}-{op}", op, spec, child) for op, spec in args.specs.items()]
        self.register_outputs({"operations": list(args.specs)})
