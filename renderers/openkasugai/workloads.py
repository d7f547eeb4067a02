"""The three controller Deployments (kustomize config/default) and the six node-agent DaemonSets."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facts.shared import NODE_KUBECONFIG

from . import kustomize
from .checkout import CheckoutError, load_yaml

# Where every node keeps the admin kubeconfig the agents mount. v1.0.0 samples say /etc/k8s_worker/config;
# both versions are rendered with this one path so node preparation does not depend on the version.
AGENT_NAMESPACE = "default"


@dataclass(frozen=True)
class Workload:
    module: str  # folder under src/
    image: str  # image name under the controller registry

    @property
    def sample(self) -> str:
        return f"src/{self.module}/config/samples/crc_{self.image}_daemonset.yaml"


CONTROLLERS = (Workload("whitebox-k8s-flowctrl", "whitebox-k8s-flowctrl"), Workload("WBFunction", "wbfunction"),
               Workload("WBConnection", "wbconnection"))
# DeviceInfo first: run_controllers.sh starts it before the others (docs/facts.md §2.1).
AGENTS = (Workload("DeviceInfo", "deviceinfo"), Workload("PCIeConnection", "pcieconnection"),
          Workload("EthernetConnection", "ethernetconnection"), Workload("FPGAFunction", "fpgafunction"),
          Workload("GPUFunction", "gpufunction"), Workload("CPUFunction", "cpufunction"))
# Left out with fpgaAgents: false. EthernetConnection stays: it wires every CPU/GPU function pod.
FPGA_ONLY = ("PCIeConnection", "FPGAFunction")
# What `up` awaits of the controllers' Services (kube-rbac-proxy's metrics endpoints): their cluster IP.
# pulumi-kubernetes' own Service await ends 10 s after the last change of the Service's Endpoints
# ("give it a few seconds for them to settle", provider pkg/await/service.go), and a Deployment waits for
# its module's Service: that was 10 s of every `up`. Nothing reads these Services during `up`; a waitFor
# annotation replaces the provider's await (pkg/await/await.go: "only if the user hasn't specified any
# await overrides").
SERVICE_READY = {"pulumi.com/waitFor": "jsonpath={.spec.clusterIP}"}


def image(registry: str, name: str, tag: str) -> str:
    return f"{registry.rstrip('/')}/{name}:{tag}"


def images(registry: str, tag: str, kube_rbac_proxy: str, fpga_agents: bool = True) -> dict[str, str]:
    """Every image the controller install runs, by component."""
    out = {m.image: image(registry, m.image, tag) for m in CONTROLLERS}
    out.update({m.image: image(registry, m.image, tag) for m in selected_agents(fpga_agents)})
    out["kube-rbac-proxy"] = kube_rbac_proxy
    return out


def selected_agents(fpga_agents: bool) -> tuple[Workload, ...]:
    return tuple(m for m in AGENTS if fpga_agents or m.module not in FPGA_ONLY)


def _containers(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in obj["spec"]["template"]["spec"]["containers"]}


def controller_objects(checkout: str | Path, version: str, registry: str, tag: str,
                       kube_rbac_proxy: str) -> dict[str, list[dict[str, Any]]]:
    """module -> its objects from config/default without ../crd (the CRDs come from crds.py), Namespace first."""
    out = {}
    for m in CONTROLLERS:
        objs = kustomize.build(checkout, f"src/{m.module}/config/default", skip=("../crd",), version=version)
        deployments = [o for o in objs if o["kind"] == "Deployment"]
        containers = _containers(deployments[0]) if len(deployments) == 1 else {}
        if set(containers) != {"manager", "kube-rbac-proxy"}:
            raise CheckoutError(f"controllerCheckout: src/{m.module}/config/default does not render one Deployment "
                                f"with containers manager and kube-rbac-proxy; is it a {version} checkout?")
        containers["manager"]["image"] = image(registry, m.image, tag)
        containers["kube-rbac-proxy"]["image"] = kube_rbac_proxy
        for service in (o for o in objs if o["kind"] == "Service"):
            meta = service["metadata"]
            meta["annotations"] = {**meta.get("annotations", {}), **SERVICE_READY}
        out[m.module] = sorted(objs, key=lambda o: o["kind"] != "Namespace")
    return out


def agent_daemonset(checkout: str | Path, version: str, m: Workload, registry: str, tag: str) -> dict[str, Any]:
    """One agent's sample DaemonSet with the image and kubeconfig path made consistent."""
    docs = load_yaml(checkout, m.sample, version)
    if len(docs) != 1 or docs[0].get("kind") != "DaemonSet":
        raise CheckoutError(f"controllerCheckout: {m.sample} is not one DaemonSet")
    ds = docs[0]
    ds["metadata"]["namespace"] = AGENT_NAMESPACE
    spec = ds["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    # The samples say localhost/<agent>:<version>, an image only a node-local buildah build provides.
    container["image"] = image(registry, m.image, tag)
    mount = next((v["name"] for v in container.get("volumeMounts", []) if v["mountPath"] == "/kube/config"), None)
    volume = next((v for v in spec.get("volumes", []) if v["name"] == mount), None)
    if volume is None or "hostPath" not in volume:
        raise CheckoutError(f"controllerCheckout: {m.sample} mounts no hostPath kubeconfig at /kube/config")
    volume["hostPath"] = {"path": NODE_KUBECONFIG, "type": "File"}
    return ds


def agent_daemonsets(checkout: str | Path, version: str, registry: str, tag: str,
                     fpga_agents: bool = True) -> list[dict[str, Any]]:
    return [agent_daemonset(checkout, version, m, registry, tag) for m in selected_agents(fpga_agents)]
