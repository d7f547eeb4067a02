"""The stack's config keys: type, default and meaning, in one table."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.constants import CLAIMS_DIR, FPGA_HUGEPAGES_1G  # noqa: F401  (load.py reads it here)

PROJECT = "openkasugai-aio"
MAX_HUGEPAGES_1G = 4096  # 4 TiB: a larger count is a typo, not a host


@dataclass(frozen=True)
class Key:
    name: str
    type: str  # string | integer | boolean | array | object
    default: Any
    description: str
    secret: bool = False


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("clusterName", "string", "kind",
        "Kind cluster name; node containers are <name>-control-plane, <name>-worker, <name>-worker2..."),
    Key("kubernetesVersion", "string", "v1.31.0", "Kubernetes version of the node images (vMAJOR.MINOR.PATCH)."),
    Key("podSubnet", "string", "10.100.0.0/16", "Pod network CIDR."),
    Key("kindNetworkSubnet", "string", "172.18.0.0/16",
        "Subnet of the Docker network 'kind'; MetalLB addresses must lie inside it."),
    Key("workers", "array", [{}, {}],
        "Worker nodes in order: each {gpu: bool, sriov: {pf, vfs, address}}; at most one has gpu: true. "
        "name: only with externalKubeconfig (the node's name); Kind names workers itself."),
    Key("crioVersion", "string", "1.31", "CRI-O minor version installed in the node images."),
    Key("gpuDriverFile", "string", "", "NVIDIA .run driver installed in the GPU worker image (needed with a GPU)."),
    Key("kindSource", "string", "",
        "kind checkout whose images/base Dockerfile builds the Ubuntu base image (Kind profiles); "
        "empty: kind v0.24.0 is fetched into sourceCache."),
    Key("kubernetesSource", "string", "",
        "Kubernetes checkout at kubernetesVersion for 'kind build node-image' (Kind profiles); "
        "empty: fetched into sourceCache (v1.31.0 is pinned)."),
    Key("registry", "object", None,
        "Harbor registry {host, project, caFile | caSha256, username}; unset: an embedded local registry."),
    Key("registryPassword", "string", None, "Harbor password; only as a secret (pulumi config set --secret).",
        secret=True),
    Key("functionImages", "object", None,
        "Prebuilt function images {name: reference} (cpufunc_calcapp, cpufunc_sidecar, cpufunc_gst, "
        "send_video_tool; gpufunc_dsa with GPU scenarios): nothing is built and no registry is managed."),
    Key("localRegistryPort", "integer", 5001, "Host port of the embedded local registry (127.0.0.1)."),
    Key("metallbAddresses", "string", "172.18.9.0-172.18.9.10", "MetalLB pool 'cpufunc-pool': FIRST-LAST."),
    Key("sriovIpam", "object", None,
        "nvidia-k8s-ipam pool for SR-IOV: {subnet, perNodeBlockSize, gateway, exclusions: [FIRST-LAST]}."),
    Key("controllerCheckout", "string", "",
        "Path of an openkasugai/controller checkout; empty: controllerVersion is fetched into sourceCache."),
    Key("controllerVersion", "string", "v1.1.0", "Controller release of the checkout: v1.1.0 or v1.0.0."),
    Key("controllerImageRegistry", "string", "ghcr.io/openkasugai/controller",
        "Registry path of the controller and agent images (<path>/<name>:<version>)."),
    Key("kubeRbacProxyImage", "string", "quay.io/brancz/kube-rbac-proxy:v0.14.1",
        "Image of the controllers' kube-rbac-proxy sidecar (gcr.io/kubebuilder is gone)."),
    Key("fpgaAgents", "boolean", True,
        "Deploy the FPGA-only agents (PCIeConnection, FPGAFunction); they need 16 GiB of 1 GiB hugepages."),
    Key("hugepages1Gi", "integer", None,
        "1 GiB hugepages reserved in the host's pool before the cluster is created, the previous count "
        "restored on destroy; unset: 16 with fpgaAgents, else 0; 0: leave the pool alone."),
    Key("addonManifests", "string", "",
        "Folder with the add-on bundles (calico-v3.28.1.yaml, ..., nv-ipam-v0.3.5/); empty: fetched into "
        "sourceCache/addons."),
    Key("sourceCache", "string", "",
        "Cache folder for fetched upstream material; empty: $OPENKASUGAI_AIO_CACHE, else ~/.cache/openkasugai-aio."),
    Key("imageMirror", "string", "", "Registry prefix that replaces every third-party add-on image's registry."),
    Key("videoDir", "string", "", "Host folder with the H.264 .mp4 files, mounted into the GPU worker (else the first worker)."),
    Key("externalKubeconfig", "string", "",
        "Kubeconfig of an existing cluster: no Kind, no node images, no host operations."),
    Key("managementAddress", "string", "",
        "This host's address on the management network; the interface holding it is never handed to a node."),
    Key("hostClaimsDir", "string", CLAIMS_DIR, "Where stacks record which host devices they hold."),
    Key("hostRoot", "string", "/",
        "The filesystem the host operations act on (sysfs, procfs, the GPU tools); a twin or test tree, "
        "never needed on a real host."),
    Key("hostCpuModel", "string", "", "CPU model written into the controller's ConfigMaps; empty: read /proc/cpuinfo."),
    Key("hostGpuModel", "string", "", "GPU model written into the controller's ConfigMaps; empty: read sysfs."),
    Key("hostGpuUuid", "string", "",
        "UUID (GPU-...) of the GPU worker's GPU for the controller's ConfigMaps; empty: read /proc/driver/nvidia."),
    Key("scenarios", "array", [], "Scenarios to deploy, from: calcapp-basic, calcapp-sriov, p1c1 ... p3c1."),
    Key("multiWorker", "boolean", False, "Spread each scenario's functions over two workers."),
    Key("verifyScenarios", "boolean", False, "After applying a scenario, feed its input and check the result."),
)}

WORKER_KEYS = ("name", "gpu", "sriov")
SRIOV_KEYS = ("pf", "vfs", "address")
REGISTRY_KEYS = ("host", "project", "caFile", "caSha256", "username")
IPAM_KEYS = ("subnet", "perNodeBlockSize", "gateway", "exclusions")
