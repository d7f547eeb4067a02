"""Platform add-ons: pinned upstream bundles, the image pin/mirror rewrite, and objects rendered from settings."""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from facts.shared import NV_IPAM_POOL, SRIOV_RESOURCE

# Versions: the all-in-one Makefile (MetalLB, nv-ipam, SR-IOV CNI) and the controller manual v1.1.0
# (Calico, Multus, SR-IOV device plugin), docs/facts.md §7.
_RAW = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class Bundle:
    """An upstream bundle at a release: a manifest file pinned by SHA-256, or a kustomize folder of a
    git repository pinned by the tag's commit. The program applies a verified local copy
    (host/sources), never the URL itself."""

    name: str
    version: str
    url: str  # the manifest file, or the git repository holding the kustomize folder
    sha256: str = ""  # of the manifest file
    commit: str = ""  # of the tag `version` (kustomize bundles)
    folder: str = ""  # the kustomize folder inside the repository

    @property
    def kustomize(self) -> bool:
        return bool(self.folder)

    @property
    def local_name(self) -> str:
        """Its name in the add-on folder (addonManifests): a file, or a checkout folder."""
        return f"{self.name}-{self.version}" + ("" if self.kustomize else ".yaml")


CALICO = Bundle("calico", "v3.28.1", f"{_RAW}/projectcalico/calico/v3.28.1/manifests/calico.yaml",
                sha256="3349111bfb38ded7c5ddd60018aa1d36f315c4a64902e1c18adba632634c5cf7")
MULTUS = Bundle("multus", "v4.1.1",
                f"{_RAW}/k8snetworkplumbingwg/multus-cni/v4.1.1/deployments/multus-daemonset-thick.yml",
                sha256="33fef64fbb67ef5d68183bad5b2aec4163dad0ebb0b63abe25343155d0d8b4be")
SRIOV_CNI = Bundle("sriov-cni", "v2.8.1", f"{_RAW}/k8snetworkplumbingwg/sriov-cni/v2.8.1/images/sriov-cni-daemonset.yaml",
                   sha256="140f5e6743c079ac9ceff6461e81ef1d5a0f5d2fa926636d92e0c4d33aa1eb89")
SRIOV_DP = Bundle("sriov-device-plugin", "v3.7.0",
                  f"{_RAW}/k8snetworkplumbingwg/sriov-network-device-plugin/v3.7.0/deployments/sriovdp-daemonset.yaml",
                  sha256="868d76af540f582e879be813eca16c5d896acbc12f73798e81f22bb62f0243a3")
METALLB = Bundle("metallb", "v0.14.8", f"{_RAW}/metallb/metallb/v0.14.8/config/manifests/metallb-native.yaml",
                 sha256="11b5906021fde56040cf10d1bcbaf5c2b7a4206045ebb103915347dfcc533f0e")
NV_IPAM = Bundle("nv-ipam", "v0.3.5", "https://github.com/Mellanox/nvidia-k8s-ipam",
                 commit="0db060cff29ff1527e3b7c4f19fbb1740ae1c416", folder="deploy/overlays/no-webhook")
BUNDLES = (CALICO, MULTUS, SRIOV_CNI, SRIOV_DP, METALLB, NV_IPAM)
_KIND_ONLY = (CALICO.name, METALLB.name)  # an existing cluster has its own CNI and load balancer
_SRIOV_ONLY = (SRIOV_CNI.name, SRIOV_DP.name, NV_IPAM.name)


def bundles_for(kind: bool, sriov: bool) -> tuple[Bundle, ...]:
    """The bundles a stack applies (components/addons.py): Multus always, Calico and MetalLB on Kind,
    the SR-IOV trio with an SR-IOV worker. Read from BUNDLES at call time."""
    return tuple(b for b in BUNDLES if (kind or b.name not in _KIND_ONLY) and (sriov or b.name not in _SRIOV_ONLY))

# repository -> tag every reference to it is pinned to; the upstream files use floating tags for some.
PINS: dict[str, str] = {
    "docker.io/calico/cni": "v3.28.1", "docker.io/calico/node": "v3.28.1",
    "docker.io/calico/kube-controllers": "v3.28.1",
    "ghcr.io/k8snetworkplumbingwg/multus-cni": "v4.1.1-thick",
    "ghcr.io/k8snetworkplumbingwg/sriov-cni": "v2.8.1",
    "ghcr.io/k8snetworkplumbingwg/sriov-network-device-plugin": "v3.7.0",
    "quay.io/metallb/controller": "v0.14.8", "quay.io/metallb/speaker": "v0.14.8",
    "ghcr.io/mellanox/nvidia-k8s-ipam": "v0.3.5",
}

POOL_NAME = "cpufunc-pool"  # EthernetConnection hard-codes this MetalLB pool name in its Services
METALLB_NS = "metallb-system"
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def split_image(ref: str) -> tuple[str, str, str]:
    """(registry, path, tag-or-digest suffix) with Docker Hub's implicit registry made explicit."""
    name, at, digest = ref.partition("@")
    colon = name.rfind(":")
    repo, tag = (name[:colon], name[colon:]) if colon > name.rfind("/") else (name, "")
    first, _, rest = repo.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        first, rest = "docker.io", repo if "/" in repo else f"library/{repo}"
    return first, rest, tag + at + digest


def rewrite_image(ref: str, mirror: str = "", pins: Optional[dict[str, str]] = None) -> str:
    """Pin a known repository to its tag, then move it under `mirror` (a registry prefix) if set."""
    registry, repo, suffix = split_image(ref)
    pin = (pins if pins is not None else PINS).get(f"{registry}/{repo}")
    if pin:
        suffix = f":{pin}"
    if mirror:
        return f"{mirror.rstrip('/')}/{repo}{suffix}"
    return f"{registry}/{repo}{suffix}"


def rewrite_images(obj: Any, mirror: str = "", pins: Optional[dict[str, str]] = None) -> int:
    """Rewrite, in place, every container image anywhere in `obj`; returns how many were seen."""
    seen = 0
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in _CONTAINER_LISTS and isinstance(value, list):
                for c in value:
                    if isinstance(c, dict) and isinstance(c.get("image"), str):
                        c["image"] = rewrite_image(c["image"], mirror, pins)
                        seen += 1
            seen += rewrite_images(value, mirror, pins)
    elif isinstance(obj, list):
        seen += sum(rewrite_images(v, mirror, pins) for v in obj)
    return seen


# calico-node's env beyond the manifest's. The PFs (with their own addresses) are moved into the workers
# before calico-node starts, so first-found autodetection can take a PF's address as the node IP and
# break the tunnels between nodes; the all-in-one's kind/cni-manifest/calico.yaml pins it to the
# Kubernetes node's InternalIP (Calico's `kubernetes-internal-ip` method).
IP_AUTODETECTION = "kubernetes-internal-ip"


def calico_node_env(pod_subnet: str) -> dict[str, str]:
    return {"CALICO_IPV4POOL_CIDR": pod_subnet, "IP_AUTODETECTION_METHOD": IP_AUTODETECTION}


def set_calico_pool(obj: dict[str, Any], pod_subnet: str) -> bool:
    """Give calico-node the cluster's pod CIDR (the manifest leaves CALICO_IPV4POOL_CIDR commented out) and
    the node-IP autodetection method; other env entries keep their place."""
    if obj.get("kind") != "DaemonSet" or (obj.get("metadata") or {}).get("name") != "calico-node":
        return False
    wanted = calico_node_env(pod_subnet)
    for c in obj["spec"]["template"]["spec"]["containers"]:
        if c.get("name") == "calico-node":
            env = [e for e in c.get("env", []) if e.get("name") not in wanted]
            c["env"] = env + [{"name": k, "value": v} for k, v in wanted.items()]
            return True
    return False


def metallb_objects(first: str, last: str) -> list[dict[str, Any]]:
    """IPAddressPool cpufunc-pool (metallbAddresses, inside the Docker network: settings check it) and its
    L2Advertisement."""
    meta = {"name": POOL_NAME, "namespace": METALLB_NS}
    return [{"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool", "metadata": dict(meta),
             "spec": {"addresses": [f"{first}-{last}"]}},
            {"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement", "metadata": dict(meta),
             "spec": {"ipAddressPools": [POOL_NAME]}}]


def sriovdp_configmap(pfs: Sequence[str]) -> dict[str, Any]:
    """The device plugin's config: one resource, selected by exactly the configured PFs."""
    config = {"resourceList": [{"resourceName": SRIOV_RESOURCE.split("/")[1], "resourcePrefix": "nvidia.com",
                                "selectors": {"pfNames": sorted(set(pfs))}}]}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "sriovdp-config", "namespace": "kube-system"},
            "data": {"config.json": json.dumps(config, indent=2) + "\n"}}


def ippool(subnet: str, per_node_block_size: int, gateway: str,
           exclusions: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """nv-ipam IPPool NV_IPAM_POOL for the SR-IOV VFs, on every non-control-plane node (sriovIpam, its
    gateway and exclusions inside the subnet: settings check it)."""
    net = ipaddress.ip_network(subnet, strict=False)
    spec: dict[str, Any] = {"subnet": str(net), "perNodeBlockSize": int(per_node_block_size), "gateway": gateway}
    if exclusions:
        spec["exclusions"] = [{"startIP": a, "endIP": b} for a, b in exclusions]
    spec["nodeSelector"] = {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": "node-role.kubernetes.io/control-plane", "operator": "DoesNotExist"}]}]}
    return {"apiVersion": "nv-ipam.nvidia.com/v1alpha1", "kind": "IPPool",
            "metadata": {"name": NV_IPAM_POOL, "namespace": "kube-system"}, "spec": spec}
