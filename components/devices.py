"""Implements the HostDevices component: the registered host operation `sriov` (SR-IOV PFs/VFs handed to
Kind workers), applied once the cluster's nodes exist, one HostOperation per PF; and the re-assert
before DataFlows (the GPU hand-over is applied before the cluster: components.host_operations)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pulumi

from components.constants import CLAIMS_DIR
from components.host import sriov_attachment as op
from components.host.operation_provider import HostOperation
from components.host.providers import SriovReassert
from components.host.sriov_attachment import node_container  # noqa: F401 - the name callers know


@dataclass
class Attachment:
    """One PF (and `vfs` VFs) for one worker. worker: Kind node name ('worker' or 'kind-worker')."""

    worker: str
    pf: str
    vfs: int
    address: str | None = None


@dataclass
class HostDevicesArgs:
    stack: str
    cluster_name: str
    attachments: list = field(default_factory=list)  # Attachment or (worker, pf, vfs, address_cidr)
    claims_dir: str = CLAIMS_DIR
    root: str = "/"  # the host's filesystem root (tests give a fake sysfs tree)
    management_address: str | None = None
    # The Kind cluster: a new cluster has new worker containers (new netns and PIDs), so the SR-IOV
    # attachments, whose state holds the old worker's PID, are replaced with it (Pulumi's replace_with).
    cluster: pulumi.Resource | None = None
    # The Kind cluster's `ready`: destroy must return the devices before the cluster goes.
    after: list[pulumi.Resource] = field(default_factory=list)


class HostDevices(pulumi.ComponentResource):
    """Creates one HostOperation of the `sriov` operation per PF, named <name>-sriov-<pf> (the name the
    SriovAttachment it replaces had: an alias takes over an existing stack's resource).

    `after` (the cluster's `ready`) is given to every child, because depends_on is not inherited.

    Outputs: `ready` (the device resources), `sriov`. Scenarios put `ready` in their `after`, and call
    `reassert(name, trigger=..., opts=...)` before a DataFlow: it registers a SriovReassert that
    moves VFs that fell back to the host into their worker again. Its diff reads live state, so it
    only plans a change when something drifted or `trigger` (e.g. a hash of the DataFlow) changed.
    """

    ready: list[pulumi.Resource]
    sriov: list[HostOperation]

    def __init__(self, name: str, args: HostDevicesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:host:HostDevices", name, None,
                         pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(args.after))))
        deps = list(args.after)
        child = pulumi.ResourceOptions(parent=self, depends_on=deps, delete_before_replace=True)
        with_cluster = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(replace_with=[args.cluster] if args.cluster else None))
        # Same name and parent as the SriovAttachment of a stack made before the contract: taken over.
        taken_over = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=op.LEGACY_TYPE)])
        self._specs = []
        self.sriov = []
        for a in args.attachments:
            a = a if isinstance(a, Attachment) else Attachment(*a)
            spec = op.SPEC(stack=args.stack, worker=node_container(args.cluster_name, a.worker), pf=a.pf,
                           vfs=int(a.vfs), address=a.address, claims_dir=args.claims_dir, root=args.root,
                           management_address=args.management_address)
            self._specs.append(dataclasses.asdict(spec))  # the reassert converges the same specs
            self.sriov.append(HostOperation(f"{name}-{op.NAME}-{op.spec_id(spec)}", op.NAME, spec,
                                            pulumi.ResourceOptions.merge(with_cluster, taken_over)))
        self.ready = list(self.sriov)
        self.register_outputs({"ready": [r.urn for r in self.ready]})

    def reassert(self, name: str, trigger=None, opts: pulumi.ResourceOptions | None = None):
        """A SriovReassert over all attachments, ordered after them; None when there are none."""
        if not self.sriov:
            return None
        base = pulumi.ResourceOptions(parent=self, depends_on=list(self.sriov))
        return SriovReassert(name, self._specs, trigger, pulumi.ResourceOptions.merge(base, opts))
