"""The stack's config keys, each written once: type, default, range or longest value, meaning, and the
Settings field that carries it. Pulumi.yaml's `config:` block, the reference table of docs/configuration.md
and Settings' field list are generated from this table: `python -m settings.generate`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from facts.shared import CLAIMS_DIR, FPGA_HUGEPAGES_1G  # noqa: F401  (load.py reads it here)

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
    # None: no default, so Pulumi.yaml does not declare the key (the CLI would require it): a secret, an
    # object, or a default worked out from other keys (default_text says how).
    default: Any
    description: str
    # The Settings attribute that carries the value; "registry.password": inside a field built from several keys.
    field: str
    # Built by load.py from the parsed value (and other keys), so model.py declares the field by hand; the
    # other keys' fields are generated, and load.py fills them with the value as validated.
    parsed: bool = False
    path: bool = False  # a path on this host: preflight judges and resolves it, Settings gets it absolute
    secret: bool = False
    max_length: int = 0  # a string key's longest value (characters); 0 for other types
    minimum: Optional[int] = None  # an integer key's range
    maximum: Optional[int] = None
    max_items: int = 0  # an array key's longest list
    items: str = ""  # an array key's item type: string | object
    default_text: str = ""  # how a default worked out from other keys is found (the reference table shows it)


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("clusterName", "string", "kind",
        "Kind cluster name; node containers are <name>-control-plane, <name>-worker, <name>-worker2...",
        field="cluster_name", max_length=40),
    Key("kubernetesVersion", "string", "v1.31.0", "Kubernetes version of the node images (vMAJOR.MINOR.PATCH).",
        field="kubernetes_version", max_length=32),
    Key("podSubnet", "string", "10.100.0.0/16", "Pod network CIDR.", field="pod_subnet", max_length=64),
    Key("kindNetworkSubnet", "string", "172.18.0.0/16",
        "Subnet of the Docker network 'kind'; MetalLB addresses must lie inside it.", field="kind_network_subnet",
        max_length=64),
    Key("workers", "array", [{}, {}],
        "Worker nodes in order: each {gpu: bool, sriov: {pf, vfs, address}}; at most one has gpu: true. "
        "name: only with externalKubeconfig (the node's name); Kind names workers itself.",
        field="workers", parsed=True, max_items=MAX_WORKERS, items="object"),
    Key("crioVersion", "string", "1.31", "CRI-O minor version installed in the node images.", field="crio_version",
        max_length=16),
    Key("gpuDriverFile", "string", "", "NVIDIA .run driver installed in the GPU worker image (needed with a GPU).",
        field="gpu_driver_file", path=True, max_length=PATH_MAX),
    Key("kindSource", "string", "",
        "kind checkout whose images/base Dockerfile builds the Ubuntu base image (Kind profiles); "
        "empty: kind v0.24.0 is fetched into sourceCache.", field="kind_source", path=True, max_length=PATH_MAX),
    Key("kubernetesBuild", "string", "release",
        "How 'kind build node-image' gets Kubernetes (Kind profiles): release (kubernetesVersion's server "
        "tarball from dl.k8s.io, nothing compiled) or source (compiled from kubernetesSource; needs make).",
        field="kubernetes_build", max_length=16),
    Key("kubernetesSource", "string", "",
        "Kubernetes checkout at kubernetesVersion, compiled with kubernetesBuild: source (Kind profiles); "
        "empty: fetched into sourceCache (v1.31.0 is pinned).", field="kubernetes_source", path=True,
        max_length=PATH_MAX),
    Key("registry", "object", None,
        "Harbor registry {host, project, caFile | caSha256, username}; unset: an embedded local registry.",
        field="registry", parsed=True),
    Key("registryPassword", "string", None, "Harbor password; only as a secret (pulumi config set --secret).",
        field="registry.password", parsed=True, secret=True, max_length=1024),
    Key("functionImages", "object", None,
        "Prebuilt function images {name: reference} (cpufunc_calcapp, cpufunc_sidecar, cpufunc_gst, "
        "send_video_tool; gpufunc_dsa with GPU scenarios): nothing is built and no registry is managed.",
        field="prebuilt_images", parsed=True),
    Key("localRegistryPort", "integer", 5001, "Host port of the embedded local registry (127.0.0.1).",
        field="registry.local_port", parsed=True, minimum=1, maximum=65535),
    Key("metallbAddresses", "string", "172.18.9.0-172.18.9.10", "MetalLB pool 'cpufunc-pool': FIRST-LAST.",
        field="metallb_addresses", parsed=True, max_length=64),
    Key("sriovIpam", "object", None,
        "nvidia-k8s-ipam pool for SR-IOV: {subnet, perNodeBlockSize, gateway, exclusions: [FIRST-LAST]}.",
        field="sriov_ipam", parsed=True),
    Key("controllerCheckout", "string", "",
        "Path of an openkasugai/controller checkout; empty: controllerVersion is fetched into sourceCache.",
        field="controller.checkout", parsed=True, path=True, max_length=PATH_MAX),
    Key("controllerVersion", "string", "v1.1.0", "Controller release of the checkout: v1.1.0 or v1.0.0.",
        field="controller.version", parsed=True, max_length=16),
    Key("controllerImageRegistry", "string", "ghcr.io/openkasugai/controller",
        "Registry path of the controller and agent images (<path>/<name>:<version>).",
        field="controller.image_registry", parsed=True, max_length=255),
    Key("kubeRbacProxyImage", "string", "quay.io/brancz/kube-rbac-proxy:v0.14.1",
        "Image of the controllers' kube-rbac-proxy sidecar (gcr.io/kubebuilder is gone).",
        field="controller.kube_rbac_proxy_image", parsed=True, max_length=512),
    Key("fpgaAgents", "boolean", True,
        "Deploy the FPGA-only agents (PCIeConnection, FPGAFunction); they need 16 GiB of 1 GiB hugepages.",
        field="controller.fpga_agents", parsed=True),
    Key("hugepages1Gi", "integer", None,
        "1 GiB hugepages reserved in the host's pool before the cluster is created, the previous count "
        "restored on destroy; unset: 16 with fpgaAgents, else 0; 0: leave the pool alone.",
        field="hugepages_1g", parsed=True, minimum=0, maximum=MAX_HUGEPAGES_1G,
        default_text=f"{FPGA_HUGEPAGES_1G} with `fpgaAgents`, else 0"),
    Key("addonManifests", "string", "",
        "Folder with the add-on bundles (calico-v3.28.1.yaml, ..., nv-ipam-v0.3.5/); empty: fetched into "
        "sourceCache/addons.", field="addon_manifests", path=True, max_length=PATH_MAX),
    Key("sourceCache", "string", "",
        "Cache folder for fetched upstream material; empty: $OPENKASUGAI_AIO_CACHE, else ~/.cache/openkasugai-aio.",
        field="source_cache", path=True, max_length=PATH_MAX),
    Key("imageMirror", "string", "", "Registry prefix that replaces every third-party add-on image's registry.",
        field="image_mirror", max_length=255),
    Key("videoDir", "string", "",
        "Host folder with the H.264 .mp4 files, mounted into the GPU worker (else the first worker).",
        field="video_dir", path=True, max_length=PATH_MAX),
    Key("externalKubeconfig", "string", "",
        "Kubeconfig of an existing cluster: no Kind, no node images, no host operations.",
        field="external_kubeconfig", path=True, max_length=PATH_MAX),
    Key("managementAddress", "string", "",
        "This host's address on the management network; the interface holding it is never handed to a node.",
        field="management_address", max_length=64),
    Key("hostClaimsDir", "string", CLAIMS_DIR, "Where stacks record which host devices they hold.",
        field="host_claims_dir", max_length=PATH_MAX),
    Key("hostRoot", "string", "/",
        "The filesystem the host operations act on (sysfs, procfs, the GPU tools); a twin or test tree, "
        "never needed on a real host.", field="host_root", max_length=PATH_MAX),
    Key("hostCpuModel", "string", "", "CPU model written into the controller's ConfigMaps; empty: read /proc/cpuinfo.",
        field="host_cpu_model", max_length=256),
    Key("hostGpuModel", "string", "", "GPU model written into the controller's ConfigMaps; empty: read sysfs.",
        field="host_gpu_model", max_length=96),
    Key("hostGpuUuid", "string", "",
        "UUID (GPU-...) of the GPU worker's GPU for the controller's ConfigMaps; empty: read /proc/driver/nvidia.",
        field="host_gpu_uuid", parsed=True, max_length=40),
    Key("scenarios", "array", [], "Scenarios to deploy, from: calcapp-basic, calcapp-sriov, p1c1 ... p3c1.",
        field="scenarios", parsed=True, max_items=MAX_SCENARIOS, items="string"),
    Key("multiWorker", "boolean", False, "Spread each scenario's functions over two workers.", field="multi_worker"),
    Key("verifyScenarios", "boolean", False, "After applying a scenario, feed its input and check the result.",
        field="verify_scenarios"),
)}

# The keys that name a path on this host; Settings receives each one absolute.
PATH_KEYS = tuple(k.name for k in KEYS.values() if k.path)

WORKER_KEYS = ("name", "gpu", "sriov")
SRIOV_KEYS = ("pf", "vfs", "address")
REGISTRY_KEYS = ("host", "project", "caFile", "caSha256", "username")
IPAM_KEYS = ("subnet", "perNodeBlockSize", "gateway", "exclusions")

# The longest value of each text field inside an object or list key ([] stands for any index, .* for any
# name); docs/configuration.md "Objects" states them.
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
