"""The stack's config keys: type, default and meaning, in one table."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.constants import CLAIMS_DIR, FPGA_HUGEPAGES_1G  # noqa: F401  (load.py reads it here)

PROJECT = "openkasugai-aio"
MAX_HUGEPAGES_1G = 4096  # 4 TiB: a larger count is a typo, not a host
PATH_MAX = 4096  # Linux's PATH_MAX: the longest path a path key may hold
# Lists and mappings: a longer one is a mistake (or an attack on the validator), not a host.
MAX_WORKERS = 16  # Kind nodes are containers on this one host; the reference stack has 2
MAX_EXCLUSIONS = 256
MAX_SCENARIOS = 32  # the catalog has 9, each listed once
MAX_FUNCTION_IMAGES = 16  # 5 image names exist
# The namespaces a stack's config may use besides the project's: Pulumi's own and the providers' that the
# program creates resources with (their default providers read `<provider>:<key>`).
OTHER_NAMESPACES = ("pulumi", "kubernetes", "command", "docker", "docker-build", "harbor")


@dataclass(frozen=True)
class Key:
    name: str
    type: str  # string | integer | boolean | array | object
    default: Any
    description: str
    secret: bool = False
    max_length: int = 0  # a string key's longest value (characters); 0 for other types


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("clusterName", "string", "kind",
        "Kind cluster name; node containers are <name>-control-plane, <name>-worker, <name>-worker2...",
        max_length=40),
    Key("kubernetesVersion", "string", "v1.31.0", "Kubernetes version of the node images (vMAJOR.MINOR.PATCH).",
        max_length=32),
    Key("podSubnet", "string", "10.100.0.0/16", "Pod network CIDR.", max_length=64),
    Key("kindNetworkSubnet", "string", "172.18.0.0/16",
        "Subnet of the Docker network 'kind'; MetalLB addresses must lie inside it.", max_length=64),
    Key("workers", "array", [{}, {}],
        "Worker nodes in order: each {gpu: bool, sriov: {pf, vfs, address}}; at most one has gpu: true. "
        "name: only with externalKubeconfig (the node's name); Kind names workers itself."),
    Key("crioVersion", "string", "1.31", "CRI-O minor version installed in the node images.", max_length=16),
    Key("gpuDriverFile", "string", "", "NVIDIA .run driver installed in the GPU worker image (needed with a GPU).",
        max_length=PATH_MAX),
    Key("kindSource", "string", "",
        "kind checkout whose images/base Dockerfile builds the Ubuntu base image (Kind profiles); "
        "empty: kind v0.24.0 is fetched into sourceCache.", max_length=PATH_MAX),
    Key("kubernetesBuild", "string", "release",
        "How 'kind build node-image' gets Kubernetes (Kind profiles): release (kubernetesVersion's server "
        "tarball from dl.k8s.io, nothing compiled) or source (compiled from kubernetesSource; needs make).",
        max_length=16),
    Key("kubernetesSource", "string", "",
        "Kubernetes checkout at kubernetesVersion, compiled with kubernetesBuild: source (Kind profiles); "
        "empty: fetched into sourceCache (v1.31.0 is pinned).", max_length=PATH_MAX),
    Key("registry", "object", None,
        "Harbor registry {host, project, caFile | caSha256, username}; unset: an embedded local registry."),
    Key("registryPassword", "string", None, "Harbor password; only as a secret (pulumi config set --secret).",
        secret=True, max_length=1024),
    Key("functionImages", "object", None,
        "Prebuilt function images {name: reference} (cpufunc_calcapp, cpufunc_sidecar, cpufunc_gst, "
        "send_video_tool; gpufunc_dsa with GPU scenarios): nothing is built and no registry is managed."),
    Key("localRegistryPort", "integer", 5001, "Host port of the embedded local registry (127.0.0.1)."),
    Key("metallbAddresses", "string", "172.18.9.0-172.18.9.10", "MetalLB pool 'cpufunc-pool': FIRST-LAST.",
        max_length=64),
    Key("sriovIpam", "object", None,
        "nvidia-k8s-ipam pool for SR-IOV: {subnet, perNodeBlockSize, gateway, exclusions: [FIRST-LAST]}."),
    Key("controllerCheckout", "string", "",
        "Path of an openkasugai/controller checkout; empty: controllerVersion is fetched into sourceCache.",
        max_length=PATH_MAX),
    Key("controllerVersion", "string", "v1.1.0", "Controller release of the checkout: v1.1.0 or v1.0.0.",
        max_length=16),
    Key("controllerImageRegistry", "string", "ghcr.io/openkasugai/controller",
        "Registry path of the controller and agent images (<path>/<name>:<version>).", max_length=255),
    Key("kubeRbacProxyImage", "string", "quay.io/brancz/kube-rbac-proxy:v0.14.1",
        "Image of the controllers' kube-rbac-proxy sidecar (gcr.io/kubebuilder is gone).", max_length=512),
    Key("fpgaAgents", "boolean", True,
        "Deploy the FPGA-only agents (PCIeConnection, FPGAFunction); they need 16 GiB of 1 GiB hugepages."),
    Key("hugepages1Gi", "integer", None,
        "1 GiB hugepages reserved in the host's pool before the cluster is created, the previous count "
        "restored on destroy; unset: 16 with fpgaAgents, else 0; 0: leave the pool alone."),
    Key("addonManifests", "string", "",
        "Folder with the add-on bundles (calico-v3.28.1.yaml, ..., nv-ipam-v0.3.5/); empty: fetched into "
        "sourceCache/addons.", max_length=PATH_MAX),
    Key("sourceCache", "string", "",
        "Cache folder for fetched upstream material; empty: $OPENKASUGAI_AIO_CACHE, else ~/.cache/openkasugai-aio.",
        max_length=PATH_MAX),
    Key("imageMirror", "string", "", "Registry prefix that replaces every third-party add-on image's registry.",
        max_length=255),
    Key("videoDir", "string", "", "Host folder with the H.264 .mp4 files, mounted into the GPU worker (else the first worker).",
        max_length=PATH_MAX),
    Key("externalKubeconfig", "string", "",
        "Kubeconfig of an existing cluster: no Kind, no node images, no host operations.", max_length=PATH_MAX),
    Key("managementAddress", "string", "",
        "This host's address on the management network; the interface holding it is never handed to a node.",
        max_length=64),
    Key("hostClaimsDir", "string", CLAIMS_DIR, "Where stacks record which host devices they hold.",
        max_length=PATH_MAX),
    Key("hostCpuModel", "string", "", "CPU model written into the controller's ConfigMaps; empty: read /proc/cpuinfo.",
        max_length=256),
    Key("hostGpuModel", "string", "", "GPU model written into the controller's ConfigMaps; empty: read sysfs.",
        max_length=96),
    Key("hostGpuUuid", "string", "",
        "UUID (GPU-...) of the GPU worker's GPU for the controller's ConfigMaps; empty: read /proc/driver/nvidia.",
        max_length=40),
    Key("scenarios", "array", [], "Scenarios to deploy, from: calcapp-basic, calcapp-sriov, p1c1 ... p3c1."),
    Key("multiWorker", "boolean", False, "Spread each scenario's functions over two workers."),
    Key("verifyScenarios", "boolean", False, "After applying a scenario, feed its input and check the result."),
)}

WORKER_KEYS = ("name", "gpu", "sriov")
SRIOV_KEYS = ("pf", "vfs", "address")
REGISTRY_KEYS = ("host", "project", "caFile", "caSha256", "username")
IPAM_KEYS = ("subnet", "perNodeBlockSize", "gateway", "exclusions")

# The longest value of each text field inside an object or list key ([] stands for any index, .* for any
# name); the README's "Objects" paragraph states them.
NESTED_MAX_LENGTH = {
    "workers[].name": 253, "workers[].sriov.pf": 15, "workers[].sriov.address": 64,
    "registry.host": 261, "registry.project": 255, "registry.caFile": PATH_MAX, "registry.caSha256": 64,
    "registry.username": 255,
    "sriovIpam.subnet": 64, "sriovIpam.gateway": 64, "sriovIpam.exclusions[]": 64,
    "scenarios[]": 64, "functionImages.*": 512,
}


def max_length(key: str) -> int:
    """The longest value the text field `key` (workers[1].sriov.pf, functionImages.x, clusterName) may hold."""
    if key in KEYS:
        return KEYS[key].max_length
    head, *rest = key.split("[")
    general = head + "".join("[]" + part.partition("]")[2] for part in rest)
    if general.startswith("functionImages."):
        general = "functionImages.*"
    return NESTED_MAX_LENGTH[general]
