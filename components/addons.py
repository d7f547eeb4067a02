"""Implements the PlatformAddons component: CNI, Multus, SR-IOV, MetalLB and nv-ipam on the cluster."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import pulumi

from components import kube
from renderers.platform import manifests as r
from settings.model import Settings, SriovIpam

Transform = Callable[[pulumi.ResourceTransformArgs], Optional[pulumi.ResourceTransformResult]]


@dataclass
class PlatformAddonsArgs:
    pod_subnet: str
    metallb_addresses: Optional[tuple[str, str]] = None  # None: no MetalLB (e.g. an external cluster has one)
    sriov_pfs: Sequence[str] = ()  # empty: no SR-IOV CNI, device plugin, nv-ipam
    sriov_ipam: Optional[SriovIpam] = None  # set whenever sriov_pfs are (settings require it)
    image_mirror: str = ""  # registry prefix for every add-on image (hosts without internet)
    cni: bool = True  # Calico; False on a cluster that already has a CNI
    # Folder holding the verified bundles (Bundle.local_name); empty only in an offline preview
    # without them: the bundles are then left out and only the objects rendered here are registered.
    manifests: str = ""
    after: Sequence[pulumi.Resource] = field(default_factory=list)
    # The SR-IOV attachments (PFs and VFs in the workers): the device plugin lists the VFs once, when it
    # starts (sriov-network-device-plugin cmd/sriovdp/main.go: discoverHostDevices before serving).
    devices: Sequence[pulumi.Resource] = field(default_factory=list)

    @classmethod
    def from_settings(cls, s: Settings, after: Sequence[pulumi.Resource] = (),
                      devices: Sequence[pulumi.Resource] = ()) -> "PlatformAddonsArgs":
        return cls(pod_subnet=s.pod_subnet,
                   metallb_addresses=s.metallb_addresses if s.uses_kind else None,
                   sriov_pfs=[w.sriov.pf for w in s.sriov_workers], sriov_ipam=s.sriov_ipam,
                   image_mirror=s.image_mirror, cni=s.uses_kind, manifests=s.addon_manifests, after=list(after),
                   devices=list(devices))


def image_transform(mirror: str) -> Transform:
    """Engine-side transform for the upstream bundles' children: pin floating tags, apply the mirror."""
    def transform(args: pulumi.ResourceTransformArgs):
        if not isinstance(args.props, dict) or not r.rewrite_images(args.props, mirror):
            return None
        return pulumi.ResourceTransformResult(props=args.props, opts=args.opts)
    return transform


def calico_pool_transform(pod_subnet: str) -> Transform:
    def transform(args: pulumi.ResourceTransformArgs):
        props = args.props if isinstance(args.props, dict) else {}
        # The kind is in the type token (kubernetes:apps/v1:DaemonSet); props may lack it. The shallow
        # copy shares spec, so the env change lands in props.
        if not r.set_calico_pool({**props, "kind": args.type_.rsplit(":", 1)[-1]}, pod_subnet):
            return None
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)
    return transform


class PlatformAddons(pulumi.ComponentResource):
    """Add-ons the controller and the scenarios need; each bundle waits for its workloads to be ready.

    Outputs: `versions` (add-on -> version), `pool_name`, `sriov_resource` (None without PFs), and
    `ready` (resources after which the add-ons serve).
    """

    ready: list[pulumi.Resource]
    versions: dict[str, str]
    sriov_resource: Optional[str]
    pool_name: Optional[str]

    def __init__(self, name: str, args: PlatformAddonsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("openkasugai-aio:platform:PlatformAddons", name, None, opts)
        images = image_transform(args.image_mirror)
        self.ready = []
        self.versions = {}

        def bundle(b: r.Bundle, deps: list, extra: Sequence[Transform] = ()) -> list[pulumi.Resource]:
            self.versions[b.name] = b.version
            if not args.manifests:
                return []
            o = pulumi.ResourceOptions(parent=self, depends_on=list(args.after) + deps, transforms=[images, *extra])
            local = f"{args.manifests}/{b.local_name}"
            res = (kube.remote("kubernetes:kustomize/v2:Directory", f"{name}-{b.name}",
                               {"directory": f"{local}/{b.folder}"}, o) if b.kustomize else
                   kube.remote("kubernetes:yaml/v2:ConfigFile", f"{name}-{b.name}", {"file": local}, o))
            self.ready.append(res)
            return [res]

        def render(obj: dict[str, Any], deps: list) -> pulumi.Resource:
            res = kube.child(self, name, obj, [*args.after, *deps])
            self.ready.append(res)
            return res

        # Everything else needs pod networking, so it waits for Calico's DaemonSet.
        net = bundle(r.CALICO, [], [calico_pool_transform(args.pod_subnet)]) if args.cni else []
        multus = bundle(r.MULTUS, net)
        self.sriov_resource = None
        if args.sriov_pfs:
            cni = bundle(r.SRIOV_CNI, net)
            dp_config = render(r.sriovdp_configmap(args.sriov_pfs), [])
            bundle(r.SRIOV_DP, [dp_config, *multus, *cni, *args.devices])
            ipam = bundle(r.NV_IPAM, net)
            ip = args.sriov_ipam
            render(r.ippool(ip.subnet, ip.per_node_block_size, ip.gateway, ip.exclusions), ipam)
            self.sriov_resource = r.SRIOV_RESOURCE
        self.pool_name = None
        if args.metallb_addresses:
            objs = r.metallb_objects(*args.metallb_addresses)
            metallb = bundle(r.METALLB, net)  # its controller serves the webhook that admits the pool
            pool = render(objs[0], metallb)
            render(objs[1], [pool])
            self.pool_name = r.POOL_NAME
        self.register_outputs({"versions": self.versions, "poolName": self.pool_name,
                               "sriovResource": self.sriov_resource})
