"""Implements the HostOperations component: the registered host operations of one stage that this stack
needs (host.registry), one HostOperation per spec. Stage "before" is applied before the Kind
cluster is created, so the nodes see the host as the operations left it; stage "after" once the cluster's
nodes exist, replaced with the cluster. Also the SR-IOV re-assert before DataFlows."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pulumi

from host.contract import LegacyAlias
from host.operation_provider import HostOperation
from host.registry import OPERATIONS, of_stage
from host.sriov import SriovSpec
from host.sriov_reassert import SriovReassert

# The component's type token per stage, the URNs of existing stacks: the "after" stage's component was
# HostDevices, holding the SR-IOV attachments, before one component served both stages.
TYPES = {"before": "openkasugai-aio:host:HostOperations", "after": "openkasugai-aio:host:HostDevices"}


@dataclass
class HostOperationsArgs:
    stage: str = "before"
    specs: dict[str, list] = field(default_factory=dict)  # registered operation name -> its specs
    # Everything the component creates waits for these ("after": the cluster's `ready`, so that destroy
    # returns the devices before the cluster goes; depends_on is not inherited, so each child gets it).
    after: list[pulumi.Resource] = field(default_factory=list)
    # "after": Kind's create command. A new cluster has new node containers (new netns and PIDs), so the
    # operations on its nodes, whose records hold the old ones, are replaced with it.
    replace_with: pulumi.Resource | None = None

    @classmethod
    def from_settings(cls, settings, stage: str = "before", after: list[pulumi.Resource] | None = None,
                      replace_with: pulumi.Resource | None = None) -> "HostOperationsArgs":
        specs = {op.name: op.specs(settings) for op in of_stage(stage)}
        return cls(stage, {name: s for name, s in specs.items() if s}, list(after or []), replace_with)


def _alias(a: LegacyAlias) -> pulumi.Alias:
    named = {"name": a.name} if a.name else {}
    parent = {"parent": pulumi.create_urn(a.parent[1], a.parent[0])} if a.parent else {}
    return pulumi.Alias(type_=a.type_, **named, **parent)


class HostOperations(pulumi.ComponentResource):
    """One HostOperation per spec, named <name>-<operation> (or <name>-<operation>-<id> for an operation with
    one spec per device, such as `sriov`: <name>-sriov-<pf>); the gates first, the others after them. A
    resource made before the contract is taken over by the operation's aliases.

    Outputs: `ready` (every HostOperation: the cluster's `after` for stage "before", the scenarios' for
    "after"), `operations` (by operation name). `reassert(name, trigger=..., opts=...)` registers, before a
    DataFlow, a SriovReassert that moves VFs that fell back to the host into their worker again; its diff
    reads live state, so it only plans a change when something drifted or `trigger` (e.g. a hash of the
    DataFlow) changed."""

    ready: list[pulumi.Resource]
    operations: dict[str, list[HostOperation]]

    def __init__(self, name: str, args: HostOperationsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPES[args.stage], name, None,
                         pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(args.after))))
        self.operations, gates = {}, []
        for op in sorted((OPERATIONS[n] for n in args.specs), key=lambda op: not op.gate):
            child = pulumi.ResourceOptions(
                parent=self, delete_before_replace=True, depends_on=[*args.after, *([] if op.gate else gates)],
                replace_with=[args.replace_with] if args.replace_with else None,
                aliases=[_alias(a) for a in op.aliases] or None)
            self.operations[op.name] = [
                HostOperation("-".join(filter(None, (name, op.name, op.spec_id(spec)))), op.name, spec, child)
                for spec in args.specs[op.name]]
            gates += self.operations[op.name] if op.gate else []
        self.ready = [r for made in self.operations.values() for r in made]
        self._reasserted = [(r, asdict(spec)) for n, made in self.operations.items()
                            for r, spec in zip(made, args.specs[n]) if isinstance(spec, SriovSpec)]
        self.register_outputs({"operations": list(self.operations)})

    def reassert(self, name: str, trigger=None, opts: pulumi.ResourceOptions | None = None):
        """A SriovReassert over this component's SR-IOV attachments, ordered after them; None when there
        are none."""
        if not self._reasserted:
            return None
        base = pulumi.ResourceOptions(parent=self, depends_on=[r for r, _ in self._reasserted])
        return SriovReassert(name, [spec for _, spec in self._reasserted], trigger,
                             pulumi.ResourceOptions.merge(base, opts))
