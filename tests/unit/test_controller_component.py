"""The Controller component under the mock engine: what it registers, in which order, with which outputs."""
from typing import Callable

import pulumi
import pulumi_kubernetes as k8s

from components.controller import Controller, ControllerArgs, kubectl_commands
from preview import engine, output
from tests.harness import CONTROLLER_CHECKOUT as CHECKOUT

EPYC = "AMD EPYC 9654 96-Core Processor"


class RecordingMocks(engine.ProgramMocks):
    """The preview's mocks, keeping each resource's MockResourceArgs (transforms included)."""

    def __init__(self):
        self.args = {}

    def new_resource(self, args):
        self.args[args.name] = args
        return super().new_resource(args)


def run_component(build: Callable[[pulumi.ResourceOptions], object]):
    """Run `build(opts)` under the project's mock engine; returns (registrations, mocks, the component)."""
    box = {}

    def program():
        provider = k8s.Provider("k8s", kubeconfig="apiVersion: v1\nkind: Config\n")
        box["component"] = build(pulumi.ResourceOptions(providers=[provider]))
    monitor = engine.run_under_mocks(program, stack="unit", mocks=RecordingMocks())
    return monitor.registrations, monitor.mocks, box["component"]


def args(**kw):
    base = dict(checkout=str(CHECKOUT), version="v1.1.0", image_registry="ghcr.io/openkasugai/controller",
                image_tag="1.1.0", kube_rbac_proxy_image="quay.io/brancz/kube-rbac-proxy:v0.14.1",
                fpga_agents=True, workers=["kind-worker", "kind-worker2"], cpu_model=EPYC, cpu_sockets=1,
                gpu_model="NVIDIA H100 80GB HBM3", gpu_node="kind-worker", kube_context="kind-kind")
    return ControllerArgs(**{**base, **kw})


def by_kind(regs, kind):
    return {output.manifest(r)["metadata"]["name"]: r for r in regs
            if output.is_object(r) and output.manifest(r)["kind"] == kind}


def test_registers_crds_configmaps_deployments_daemonsets():
    regs, _, c = run_component(lambda o: Controller("controller", args(), o))
    assert len(by_kind(regs, "CustomResourceDefinition")) == 20
    assert set(by_kind(regs, "CustomResourceDefinition")) == set(c.crd_names)
    assert len(by_kind(regs, "Deployment")) == 3 and len(by_kind(regs, "DaemonSet")) == 6
    assert set(by_kind(regs, "ConfigMap")) == {"functionkindmap", "connectionkindmap", "region-unique-info",
                                                "function-unique-info", "infrastructureinfo", "deployinfo",
                                                "filter-resize-ch"}
    assert {"topologyinfo", "test01", "cluster01", "wbfunction-system"} <= set(by_kind(regs, "Namespace"))
    (component,) = [r for r in regs if r.type == "openkasugai-aio:controller:Controller"]
    assert all(r.parent == component.urn for r in regs if output.is_object(r))


def test_start_up_order_of_section_3_5():
    regs, _, _ = run_component(lambda o: Controller("controller", args(), o))
    maps, deps = by_kind(regs, "ConfigMap"), by_kind(regs, "Deployment")
    ds = by_kind(regs, "DaemonSet")
    assert {maps["functionkindmap"].urn, maps["infrastructureinfo"].urn} <= set(deps["wbfunction-controller-manager"].dependencies)
    assert maps["connectionkindmap"].urn in deps["wbconnection-controller-manager"].dependencies
    device_info = ds["crc-deviceinfo-daemon"]
    assert {maps["infrastructureinfo"].urn, maps["deployinfo"].urn} <= set(device_info.dependencies)
    assert device_info.urn in ds["crc-cpufunction-daemon"].dependencies
    crd_urns = {r.urn for r in by_kind(regs, "CustomResourceDefinition").values()}
    assert crd_urns <= set(deps["whitebox-k8s-flowctrl-controller-manager"].dependencies)


def test_outputs():
    _, _, c = run_component(lambda o: Controller("controller", args(fpga_agents=False), o))
    assert c.images["deviceinfo"] == "ghcr.io/openkasugai/controller/deviceinfo:1.1.0"
    assert "fpgafunction" not in c.images and c.images["kube-rbac-proxy"].startswith("quay.io/")
    assert c.node_names == ["kind-worker", "kind-worker2"] and c.gpu_region_type == "h100"
    assert c.kubectl["crds"].startswith("kubectl --context kind-kind get crd")
    assert len(c.ready) == 3 + 4


def test_external_cluster_and_no_gpu():
    regs, _, c = run_component(lambda o: Controller("ctl", args(workers=["node-a", "node-b"], gpu_model=None,
                                                                  gpu_node=None, kube_context=""), o))
    assert c.gpu_region_type is None and kubectl_commands()["agents"].startswith("kubectl get ds")
    assert kubectl_commands(kubeconfig_file="a b.yaml")["crds"].startswith("kubectl --kubeconfig 'a b.yaml' get crd")
    assert len(by_kind(regs, "DaemonSet")) == 6
    infra = by_kind(regs, "ConfigMap")["infrastructureinfo"]
    assert "node-a-cpu0" in infra.inputs["data"]["infrastructureinfo.json"]


def test_from_settings_prefers_the_configured_models():
    from settings.model import ControllerSettings as C, Registry, Settings, Worker
    s = Settings(stack="t", cluster_name="kind", kubernetes_version="v1.31.0", pod_subnet="10.100.0.0/16",
                 kind_network_subnet="172.18.0.0/16", workers=(Worker("kind-worker", gpu=True), Worker("kind-worker2")),
                 crio_version="1.31", gpu_driver_file="", kind_source="", kubernetes_source="", registry=Registry(),
                 management_address="",
                 metallb_addresses=("172.18.9.0", "172.18.9.10"), sriov_ipam=None,
                 controller=C(str(CHECKOUT), "v1.1.0", "ghcr.io/openkasugai/controller", "p:1", True),
                 image_mirror="", video_dir="", external_kubeconfig="", host_claims_dir="/tmp", host_root="/",
                 host_cpu_model="My CPU", host_gpu_model="", scenarios=(), multi_worker=False, verify_scenarios=False,
        addon_manifests="", source_cache="", kubernetes_build="release", hugepages_1g=0, prebuilt_images=(),
        host_gpu_uuid="")
    a = ControllerArgs.from_settings(s, cpu_model="facts CPU", cpu_sockets=2, gpu_model="Tesla T4")
    assert (a.cpu_model, a.gpu_model, a.gpu_node, a.image_tag, a.kube_context) == (
        "My CPU", "Tesla T4", "kind-worker", "1.1.0", "kind-kind")
