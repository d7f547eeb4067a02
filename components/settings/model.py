"""Typed, validated settings of one stack, as the components receive them."""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Optional

from components.constants import kind_context
from scenarios.catalog import CATALOG

# In a kind checkout: the base image's build, and the Go release kind's Makefile passes to it.
KIND_BASE_DIR = "images/base"
KIND_GO_VERSION = ".go-version"


@dataclass(frozen=True)
class SriovPf:
    pf: str
    vfs: int
    address: str  # CIDR, e.g. 192.168.20.2/24


@dataclass(frozen=True)
class Worker:
    node: str  # Kind node (container) name, e.g. kind-worker2
    gpu: bool = False
    sriov: Optional[SriovPf] = None


@dataclass(frozen=True)
class Registry:
    """Harbor (host set) or the embedded local registry (host empty)."""

    host: str = ""
    project: str = ""
    ca_file: str = ""
    ca_sha256: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    local_port: int = 5001

    @property
    def embedded(self) -> bool:
        return not self.host

    @property
    def prefix(self) -> str:
        """Where images are pushed from the host."""
        return f"localhost:{self.local_port}" if self.embedded else f"{self.host}/{self.project}"


@dataclass(frozen=True)
class SriovIpam:
    subnet: str
    per_node_block_size: int
    gateway: str
    exclusions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ControllerSettings:
    checkout: str
    version: str
    image_registry: str
    kube_rbac_proxy_image: str
    fpga_agents: bool

    @property
    def image_tag(self) -> str:
        return self.version.lstrip("v")


@dataclass(frozen=True)
class Settings:
    stack: str
    cluster_name: str
    kubernetes_version: str
    pod_subnet: str
    kind_network_subnet: str
    workers: tuple[Worker, ...]
    crio_version: str
    gpu_driver_file: str
    kind_source: str
    kubernetes_source: str
    registry: Registry
    metallb_addresses: tuple[str, str]
    sriov_ipam: Optional[SriovIpam]
    controller: ControllerSettings
    image_mirror: str
    video_dir: str
    external_kubeconfig: str
    host_claims_dir: str
    management_address: str
    host_cpu_model: str
    host_gpu_model: str
    scenarios: tuple[str, ...]
    multi_worker: bool
    verify_scenarios: bool
    hugepages_1g: int = 0  # 1 GiB hugepages the host operation `hugepages` reserves; 0 leaves the pool alone
    # functionImages: image name -> prebuilt reference; empty: the stack builds and pushes them itself.
    prebuilt_images: tuple[tuple[str, str], ...] = ()
    host_gpu_uuid: str = ""  # GPU-...: hostGpuUuid, else what the host's NVIDIA driver reports; "" unknown
    addon_manifests: str = ""  # folder of the add-on bundles; filled in by components.sources
    source_cache: str = ""  # sourceCache as configured (absolute); empty: the default cache folder
    host_root: str = "/"  # hostRoot: the filesystem the host operations act on ("/" on a real host)

    @property
    def uses_kind(self) -> bool:
        return not self.external_kubeconfig

    @property
    def kube_context(self) -> str:
        """The kubectl context of the Kind cluster; empty for an external cluster (its kubeconfig names it)."""
        return kind_context(self.cluster_name) if self.uses_kind else ""

    @property
    def kubectl(self) -> str:
        """The kubectl prefix that the exported commands use to reach this stack's cluster."""
        return kubectl_prefix(self.kube_context, self.external_kubeconfig)

    @property
    def gpu_worker(self) -> Optional[Worker]:
        return next((w for w in self.workers if w.gpu), None)

    @property
    def sriov_workers(self) -> tuple[Worker, ...]:
        return tuple(w for w in self.workers if w.sriov)

    @property
    def gpu_scenarios(self) -> bool:
        """Whether a selected scenario runs a GPU function (it then needs the DeepStream images)."""
        return any(CATALOG[name].gpu for name in self.scenarios)

    @property
    def video_worker(self) -> Optional[Worker]:
        """The node send-video-tool runs on, with the video folder: the GPU worker, else the first."""
        return self.gpu_worker or (self.workers[0] if self.workers else None)

    @property
    def profile(self) -> str:
        """full (GPU or SR-IOV on Kind), cpu-only (Kind, no devices) or external."""
        if not self.uses_kind:
            return "external"
        return "full" if self.gpu_worker or self.sriov_workers else "cpu-only"


def worker_node_name(cluster: str, index: int) -> str:
    """Kind names workers <cluster>-worker, <cluster>-worker2, <cluster>-worker3..."""
    return f"{cluster}-worker" + (str(index + 1) if index else "")


def kubectl_prefix(context: str = "", kubeconfig_file: str = "") -> str:
    """`kubectl` aimed at a context, else at a kubeconfig file, else at the current context."""
    if context:
        return f"kubectl --context {shlex.quote(context)}"
    return f"kubectl --kubeconfig {shlex.quote(kubeconfig_file)}" if kubeconfig_file else "kubectl"
