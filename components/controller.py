"""Implements the Controller component: OpenKasugai CRDs, ConfigMaps, controllers and node agents."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import pulumi

from components import kube
from renderers.openkasugai import configmaps as cm
from renderers.openkasugai import crds, workloads
from settings.model import Settings, kubectl_prefix

NAMESPACES = ("topologyinfo", "test01", "cluster01")  # run_controllers.sh; flowctrl reads topologyinfo


@dataclass
class ControllerArgs:
    checkout: str
    version: str
    image_registry: str
    image_tag: str
    kube_rbac_proxy_image: str
    fpga_agents: bool
    workers: Sequence[str]  # node names the agents run on (InfoCollector's os.Hostname())
    cpu_model: str
    cpu_sockets: int = 1
    gpu_model: Optional[str] = None
    gpu_node: Optional[str] = None
    gpu_uuid: Optional[str] = None
    kube_context: str = ""  # shown in the kubectl commands; empty: the current context
    kubeconfig_file: str = ""  # shown instead of a context (external cluster)
    after: Sequence[pulumi.Resource] = field(default_factory=list)

    @classmethod
    def from_settings(cls, s: Settings, cpu_model: str, cpu_sockets: int, gpu_model: Optional[str],
                      after: Sequence[pulumi.Resource] = ()) -> "ControllerArgs":
        """Settings' hostCpuModel/hostGpuModel win over the host facts; the GPU UUID is resolved in Settings."""
        c, gpu = s.controller, s.gpu_worker
        return cls(checkout=c.checkout, version=c.version, image_registry=c.image_registry, image_tag=c.image_tag,
                   kube_rbac_proxy_image=c.kube_rbac_proxy_image, fpga_agents=c.fpga_agents,
                   workers=[w.node for w in s.workers], cpu_model=s.host_cpu_model or cpu_model,
                   cpu_sockets=cpu_sockets, gpu_model=(s.host_gpu_model or gpu_model) if gpu else None,
                   gpu_node=gpu.node if gpu else None, gpu_uuid=(s.host_gpu_uuid or None) if gpu else None,
                   kube_context=s.kube_context,
                   kubeconfig_file=s.external_kubeconfig, after=list(after))


def kubectl_commands(context: str = "", kubeconfig_file: str = "") -> dict[str, str]:
    k = kubectl_prefix(context, kubeconfig_file)
    return {
        "crds": f"{k} get crd -o name | grep example.com",
        "controllers": f"{k} get deploy,pods -A -l control-plane=controller-manager",
        "agents": f"{k} get ds,pods -n default -o wide",
        "configmaps": f"{k} get cm -n default " + " ".join(cm.COMMON + cm.COLLECTED),
        "computeResources": f"{k} get computeresources.example.com -n default -o yaml",
        "functionTargets": f"{k} get functiontargets.example.com -A",
        "dataflows": f"{k} get dataflows.example.com,wbfunctions.example.com,wbconnections.example.com -A",
        "logs": f"{k} logs -n wbfunction-system deploy/wbfunction-controller-manager -c manager",
    }


class Controller(pulumi.ComponentResource):
    """Installs the controller from a checkout (v1.1.0 or v1.0.0) in the order its start-up needs.

    Outputs: `version`, `images` (component -> image), `node_names`, `crd_names`, `gpu_region_type`
    (the region type scenarios must ask for on this GPU; None without one), `kubectl` (name -> command),
    and `ready` (the Deployments and DaemonSets).
    """

    ready: list[pulumi.Resource]
    version: pulumi.Output[str]
    images: dict[str, str]
    node_names: list[str]
    crd_names: list[str]
    gpu_region_type: Optional[str]
    kubectl: dict[str, str]

    def __init__(self, name: str, args: ControllerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("openkasugai-aio:controller:Controller", name, None, opts)
        a = args
        host = cm.HostModels(a.cpu_model, a.cpu_sockets, a.gpu_model, a.gpu_uuid)
        # Render everything first: a broken checkout fails before any resource is registered.
        crd_objs = crds.canonical_crds(a.checkout, a.version)
        maps = cm.configmaps(a.checkout, host, a.workers, a.gpu_node, a.version)
        controllers = workloads.controller_objects(a.checkout, a.version, a.image_registry, a.image_tag,
                                                   a.kube_rbac_proxy_image)
        agents = workloads.agent_daemonsets(a.checkout, a.version, a.image_registry, a.image_tag, a.fpga_agents)

        def apply(obj: dict[str, Any], deps: Sequence[pulumi.Resource] = ()) -> pulumi.Resource:
            # An object that follows others waits for `after` through them: listing it again changes no
            # order, and the SDK walks every listed dependency's graph on each registration.
            return kube.child(self, name, obj, list(deps) or list(a.after))

        crd_res = [apply(o) for o in crd_objs]
        namespaces = {n: apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}) for n in NAMESPACES}
        map_res = {o["metadata"]["name"]: apply(o) for o in maps}
        self.ready = []
        # docs/facts.md §3.5: WBFunction reads functionkindmap once at start (and infrastructureinfo later); WBConnection
        # reads connectionkindmap once at start; flowctrl needs the topologyinfo namespace.
        starts_after = {"whitebox-k8s-flowctrl": [namespaces["topologyinfo"]],
                        "WBFunction": [map_res["functionkindmap"], map_res["infrastructureinfo"]],
                        "WBConnection": [map_res["connectionkindmap"]]}
        for module, objs in controllers.items():
            ns = apply(objs[0])  # the module's Namespace comes first
            rest = [apply(o, [ns]) for o in objs[1:] if o["kind"] != "Deployment"]
            for o in (o for o in objs if o["kind"] == "Deployment"):
                self.ready.append(apply(o, [ns, *rest, *crd_res, *starts_after[module]]))
        # DeviceInfo exits without infrastructureinfo/deployinfo; the other agents start after it, as in
        # run_controllers.sh, and FPGAFunction/PCIeConnection read the region tables.
        device_info = apply(agents[0], [*crd_res, *map_res.values()])
        self.ready.append(device_info)
        self.ready += [apply(o, [device_info]) for o in agents[1:]]  # it waits for the CRDs and the maps

        self.version = pulumi.Output.from_input(a.version)
        self.images = workloads.images(a.image_registry, a.image_tag, a.kube_rbac_proxy_image, a.fpga_agents)
        self.node_names = list(a.workers)
        self.crd_names = [o["metadata"]["name"] for o in crd_objs]
        types = cm.tables(a.checkout, host, a.version)["devicetypemap"]
        self.gpu_region_type = cm.gpu_device_type(a.gpu_model, types) if a.gpu_model else None
        self.kubectl = kubectl_commands(a.kube_context, a.kubeconfig_file)
        self.register_outputs({"version": self.version, "images": self.images, "nodeNames": self.node_names,
                               "crdNames": self.crd_names, "gpuRegionType": self.gpu_region_type,
                               "kubectl": self.kubectl})
