"""Load, default and validate a stack's config; every problem is reported at once."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Mapping, Optional

from pulumi.errors import RunError

from . import network as net
from .decode import Problems, check_keys, decode, suggest
from .model import KIND_BASE_DIR, KIND_GO_VERSION, Controller, Registry, Settings, SriovIpam, SriovPf, Worker, worker_node_name
from .schema import IPAM_KEYS, KEYS, PROJECT, REGISTRY_KEYS, SRIOV_KEYS, WORKER_KEYS

DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
IFNAME = re.compile(r"^[^\s/:]{1,15}$")  # the kernel's IFNAMSIZ and forbidden characters
K8S_VERSION = re.compile(r"^v\d+\.\d+\.\d+$")
GPU_UUID = re.compile(r"^GPU-[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")  # as nvidia-smi -L prints it
CONTROLLER_VERSIONS = ("v1.1.0", "v1.0.0")
# A file that every controller checkout of a supported version has.
CHECKOUT_MARKER = "src/whitebox-k8s-flowctrl/config/crd/bases"


class SettingsError(RunError):
    """The stack config has problems; `problems` lists them, one per key."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid stack config:\n  " + "\n  ".join(problems))
        self.problems = problems


def load(raw: Mapping[str, Any], *, stack: str, base_dir: Path, secret_keys=(),
         host_files: bool = True, warnings: Optional[list] = None,
         host_gpu_uuid: Optional[str] = None) -> Settings:
    """Build Settings from `raw` ({'openkasugai-aio:key': value}); raise SettingsError listing all problems.

    With host_files=False, files that only the kind-host has (driver, CA, sources) are not required;
    what is missing is appended to `warnings` instead, so the config can be reviewed anywhere.
    host_gpu_uuid: the UUID this host's NVIDIA driver reports ("" when none), which hostGpuUuid
    overrides; None when the caller did not look (then no UUID is required).
    """
    p = Problems()
    values: dict[str, Any] = {}
    for full, value in raw.items():
        ns, _, key = full.partition(":")
        if ns != PROJECT:
            continue
        if key not in KEYS:
            p.add(key, f"unknown config key{suggest(key, KEYS)}")
            continue
        values[key] = decode(key, KEYS[key].type, value, p)
    for key, spec in KEYS.items():
        if values.get(key) is None:
            values[key] = spec.default
    ctx = _Ctx(p, Path(base_dir), host_files, warnings if warnings is not None else [])
    v = values
    if v["registryPassword"] is not None and f"{PROJECT}:registryPassword" not in secret_keys:
        p.add("registryPassword", "must be a secret; set it with "
              "`pulumi config set --secret registryPassword <password>`")
    cluster = _cluster_name(v["clusterName"], p)
    if not K8S_VERSION.match(v["kubernetesVersion"]):
        p.add("kubernetesVersion", f"{v['kubernetesVersion']!r} is not a version like v1.31.0")
    external = v["externalKubeconfig"]
    if external:
        ctx.require_file("externalKubeconfig", external, always=True)
    pod = net.network("podSubnet", v["podSubnet"], p)
    kindnet = net.network("kindNetworkSubnet", v["kindNetworkSubnet"], p)
    ipam = _ipam(v["sriovIpam"], p)
    ipam_net = net.network("sriovIpam.subnet", ipam.subnet, Problems()) if ipam else None
    net.no_overlap({"podSubnet": pod, "kindNetworkSubnet": kindnet, "sriovIpam.subnet": ipam_net}, p)
    workers = _workers(v["workers"], cluster, ipam_net, external, p)
    if any(w.sriov for w in workers) and ipam is None:
        p.add("sriovIpam", "required when a worker has sriov: set {subnet, perNodeBlockSize, gateway}")
    if v["managementAddress"]:
        net.address("managementAddress", v["managementAddress"], p)
    metallb = net.address_range("metallbAddresses", v["metallbAddresses"], p)
    if metallb and not external:
        net.range_inside("metallbAddresses", metallb, kindnet, "kindNetworkSubnet", p)
    gpu = any(w.gpu for w in workers)
    if gpu and not external:  # the GPU worker image carries the driver; an external node has its own
        if not v["gpuDriverFile"]:
            p.add("gpuDriverFile", "required when a worker has gpu: true (the NVIDIA .run installer)")
        elif not v["gpuDriverFile"].endswith(".run"):
            p.add("gpuDriverFile", f"{v['gpuDriverFile']!r} is not an NVIDIA .run installer")
        else:
            ctx.require_file("gpuDriverFile", v["gpuDriverFile"])
    if v["hostGpuUuid"] and not GPU_UUID.match(v["hostGpuUuid"]):
        p.add("hostGpuUuid", f"{v['hostGpuUuid']!r} is not an NVIDIA GPU UUID like "
              "GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b (`nvidia-smi -L` prints it)")
    # An external cluster's GPU sits in one of its nodes, not in this host: only the stack can name it.
    if external and gpu:
        for key, what in (("hostGpuModel", "model"), ("hostGpuUuid", "UUID")):
            if not v[key]:
                p.add(key, f"required with externalKubeconfig and a gpu worker: the {what} of that node's GPU "
                      "(`nvidia-smi -L` on the node prints both); this host's GPU is not theirs")
    gpu_uuid = v["hostGpuUuid"] or ("" if external else host_gpu_uuid or "")
    if gpu and not gpu_uuid and host_gpu_uuid is not None and not external:
        # The controller sets CUDA_VISIBLE_DEVICES to this UUID: a made-up one hides the GPU from the pods.
        ctx.missing("hostGpuUuid", "required when a worker has gpu: true and no NVIDIA driver on this host "
                    "reports the GPU's UUID (/proc/driver/nvidia/gpus/*/information); set it to the UUID "
                    "`nvidia-smi -L` prints on the GPU host")
    for key in ("kindSource", "kubernetesSource", "videoDir"):
        if v[key]:
            found = ctx.require_dir(key, v[key])
            if found and key == "kindSource":
                _kind_sources(str(found), ctx)
        elif not external and key != "videoDir":
            ctx.missing(key, "required to build the Kind node images: the path of a checkout")
    registry = _registry(v["registry"], v["registryPassword"], v["localRegistryPort"], ctx)
    if external and not v["hostCpuModel"]:
        p.add("hostCpuModel", "required with externalKubeconfig: the CPU model of the cluster's workers "
              "(as in their /proc/cpuinfo), since this host's CPU is not theirs")
    if external and registry.embedded:
        p.add("registry", "required with externalKubeconfig: the cluster's nodes cannot pull from "
              "a registry embedded on this host; set registry.host, registry.project and registry.caFile")
    controller = _controller(v, ctx)
    scenarios = _scenarios(v["scenarios"], workers, v["multiWorker"], bool(v["videoDir"]), p)
    if Path(controller.checkout, CHECKOUT_MARKER).is_dir():
        _function_sources(controller.checkout, scenarios, ctx)
    if p:
        raise SettingsError(list(p))
    return Settings(
        stack=stack, cluster_name=cluster, kubernetes_version=v["kubernetesVersion"],
        pod_subnet=v["podSubnet"], kind_network_subnet=v["kindNetworkSubnet"], workers=workers,
        crio_version=v["crioVersion"], gpu_driver_file=ctx.path(v["gpuDriverFile"]),
        kind_source=ctx.path(v["kindSource"]), kubernetes_source=ctx.path(v["kubernetesSource"]),
        registry=registry, metallb_addresses=metallb, sriov_ipam=ipam, controller=controller,
        image_mirror=v["imageMirror"], video_dir=ctx.path(v["videoDir"]),
        external_kubeconfig=ctx.path(external), host_claims_dir=v["hostClaimsDir"],
        management_address=v["managementAddress"],
        host_cpu_model=v["hostCpuModel"], host_gpu_model=v["hostGpuModel"], scenarios=scenarios,
        multi_worker=v["multiWorker"], verify_scenarios=v["verifyScenarios"], host_gpu_uuid=gpu_uuid)


class _Ctx:
    def __init__(self, problems: Problems, base: Path, host_files: bool, warnings: list):
        self.p, self.base, self.host_files, self.warnings = problems, base, host_files, warnings

    def path(self, value: str) -> str:
        return str((self.base / value).resolve()) if value else ""

    def missing(self, key: str, message: str, always: bool = False) -> None:
        if always or self.host_files:
            self.p.add(key, message)
        else:
            self.warnings.append(f"{key}: {message} (needed on the kind-host)")

    def require_file(self, key: str, value: str, always: bool = False) -> Optional[Path]:
        return self._require(key, value, Path.is_file, "file", always)

    def require_dir(self, key: str, value: str, always: bool = False) -> Optional[Path]:
        return self._require(key, value, Path.is_dir, "folder", always)

    def _require(self, key: str, value: str, exists, what: str, always: bool) -> Optional[Path]:
        path = Path(self.path(value))
        if not exists(path):
            self.missing(key, f"{what} {value!r} not found (looked at {path})", always)
            return None
        return path


def _cluster_name(name: str, p: Problems) -> str:
    if not DNS_LABEL.match(name or "") or len(name) > 40:
        p.add("clusterName", f"{name!r} is not a DNS label of at most 40 characters "
              "(lower-case letters, digits, '-'); node names like <name>-worker2 must stay valid")
    return name


def _workers(items: list, cluster: str, ipam_net, external: str, p: Problems) -> tuple[Worker, ...]:
    if not items:
        p.add("workers", "at least one worker is needed")
    workers, pfs = [], {}
    for i, item in enumerate(items or []):
        key = f"workers[{i}]"
        if not isinstance(item, dict):
            p.add(key, f"must be an object like {{gpu: true, sriov: {{...}}}}, got {item!r}")
            continue
        check_keys(key, item, WORKER_KEYS, p)
        gpu = item.get("gpu", False)
        if not isinstance(gpu, bool):
            p.add(f"{key}.gpu", f"must be true or false, got {gpu!r}")
            gpu = False
        sriov = _sriov(f"{key}.sriov", item.get("sriov"), ipam_net, p)
        if sriov:
            if sriov.pf in pfs:
                p.add(f"{key}.sriov.pf", f"{sriov.pf} is already given to {pfs[sriov.pf]}; each PF goes to one worker")
            pfs.setdefault(sriov.pf, key)
        if external and sriov:
            p.add(key, "SR-IOV PFs (sriov) cannot be handed to an external cluster; "
                  "remove sriov or unset externalKubeconfig")
        node = item.get("name", worker_node_name(cluster, i))
        if "name" in item and not external:
            p.add(f"{key}.name", "Kind names its nodes <clusterName>-worker, -worker2...; "
                  "set name only with externalKubeconfig")
        elif not isinstance(node, str) or not DNS_SUBDOMAIN.match(node):
            p.add(f"{key}.name", f"{node!r} is not a Kubernetes node name")
        workers.append(Worker(node=node, gpu=gpu, sriov=sriov))
    gpus = [f"workers[{i}]" for i, w in enumerate(workers) if w.gpu]
    if len(gpus) > 1:
        p.add(f"{gpus[1]}.gpu", f"only one worker can have the host's GPU; {gpus[0]} already has it")
    return tuple(workers)


def _sriov(key: str, item: Any, ipam_net, p: Problems) -> Optional[SriovPf]:
    if item is None:
        return None
    if not isinstance(item, dict):
        p.add(key, f"must be an object {{pf, vfs, address}}, got {item!r}")
        return None
    check_keys(key, item, SRIOV_KEYS, p)
    ok = True
    pf, vfs, addr = item.get("pf"), item.get("vfs", 0), item.get("address")
    if not isinstance(pf, str) or not IFNAME.match(pf):
        p.add(f"{key}.pf", f"{pf!r} is not a network interface name (1-15 characters, no '/', ':' or spaces)")
        ok = False
    if isinstance(vfs, bool) or not isinstance(vfs, int) or not 0 <= vfs <= 256:
        p.add(f"{key}.vfs", f"{vfs!r} is not a VF count from 0 to 256")
        ok = False
    if not isinstance(addr, str):
        p.add(f"{key}.address", "required: the PF's address with prefix, like 192.168.20.2/24")
        return None
    iface = net.interface(f"{key}.address", addr, p)
    if iface is None:
        return None
    if ipam_net is not None and iface.ip not in ipam_net:
        p.add(f"{key}.address", f"{addr} is not inside sriovIpam.subnet {ipam_net}")
    return SriovPf(pf=pf, vfs=vfs, address=addr) if ok else None


def _ipam(item: Any, p: Problems) -> Optional[SriovIpam]:
    if item is None:
        return None
    check_keys("sriovIpam", item, IPAM_KEYS, p)
    subnet = net.network("sriovIpam.subnet", str(item.get("subnet", "")), p)
    block = item.get("perNodeBlockSize", 30)
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        p.add("sriovIpam.perNodeBlockSize", f"{block!r} is not a positive integer")
    elif subnet is not None and block > subnet.num_addresses - 2:
        p.add("sriovIpam.perNodeBlockSize", f"{block} addresses do not fit in {subnet}")
    gateway = str(item.get("gateway", ""))
    gw = net.address("sriovIpam.gateway", gateway, p) if gateway else None
    if gw is not None and subnet is not None and gw not in subnet:
        p.add("sriovIpam.gateway", f"{gateway} is not inside sriovIpam.subnet {subnet}")
    exclusions = []
    raw_ex = item.get("exclusions", [])
    if not isinstance(raw_ex, list):
        p.add("sriovIpam.exclusions", f"must be a list of FIRST-LAST ranges, got {raw_ex!r}")
        raw_ex = []
    for i, rng in enumerate(raw_ex):
        parsed = net.address_range(f"sriovIpam.exclusions[{i}]", rng, p)
        if parsed:
            net.range_inside(f"sriovIpam.exclusions[{i}]", parsed, subnet, "sriovIpam.subnet", p)
            exclusions.append(parsed)
    return SriovIpam(subnet=str(item.get("subnet", "")), per_node_block_size=block if isinstance(block, int) else 0,
                     gateway=gateway, exclusions=tuple(exclusions))


def _registry(item: Any, password: Optional[str], port: int, ctx: _Ctx) -> Registry:
    p = ctx.p
    if not 1 <= port <= 65535:
        p.add("localRegistryPort", f"{port} is not a port number")
    if item is None:
        if password is not None:
            p.add("registryPassword", "set, but no registry is configured; set registry.host or remove it")
        return Registry(local_port=port)
    check_keys("registry", item, REGISTRY_KEYS, p)
    host, project = str(item.get("host", "")), str(item.get("project", ""))
    if not host:
        p.add("registry.host", "required: the Harbor host (like 192.168.10.100 or harbor.example.com)")
    if not project or not DNS_LABEL.match(project):
        p.add("registry.project", f"{project!r} is not a Harbor project name (lower-case letters, digits, '-')")
    ca_file, ca_sha = str(item.get("caFile", "")), str(item.get("caSha256", "")).lower()
    if not ca_file:
        p.add("registry.caFile", "required: the registry's CA certificate (nodes and pushes trust only it)")
    if ca_sha and not re.fullmatch(r"[0-9a-f]{64}", ca_sha):
        p.add("registry.caSha256", f"{ca_sha!r} is not a SHA-256 hex digest (64 hex digits)")
        ca_sha = ""
    path = ctx.require_file("registry.caFile", ca_file) if ca_file else None
    if path and ca_sha and hashlib.sha256(path.read_bytes()).hexdigest() != ca_sha:
        p.add("registry.caSha256", f"{ca_file} does not match the pinned digest; the CA changed")
    if password is None:
        ctx.missing("registryPassword", "required with a Harbor registry: "
                    "`pulumi config set --secret registryPassword <password>`")
    return Registry(host=host, project=project, ca_file=ctx.path(ca_file), ca_sha256=ca_sha,
                    username=str(item.get("username", "admin")), password=password or "", local_port=port)


def _controller(v: dict, ctx: _Ctx) -> Controller:
    if v["controllerVersion"] not in CONTROLLER_VERSIONS:
        ctx.p.add("controllerVersion", f"{v['controllerVersion']!r} is not supported; "
                  f"use one of: {', '.join(CONTROLLER_VERSIONS)}")
    checkout = ctx.require_dir("controllerCheckout", v["controllerCheckout"], always=True)
    if checkout and not (checkout / CHECKOUT_MARKER).is_dir():
        ctx.p.add("controllerCheckout", f"{checkout} is not an openkasugai/controller checkout "
                  f"(no {CHECKOUT_MARKER})")
    return Controller(checkout=ctx.path(v["controllerCheckout"]), version=v["controllerVersion"],
                      image_registry=v["controllerImageRegistry"].rstrip("/"),
                      kube_rbac_proxy_image=v["kubeRbacProxyImage"], fpga_agents=v["fpgaAgents"])


def _kind_sources(kind_source: str, ctx: _Ctx) -> None:
    for path in (Path(kind_source, KIND_BASE_DIR, "Dockerfile"), Path(kind_source, KIND_GO_VERSION)):
        if not path.is_file():
            ctx.missing("kindSource", f"has no {path}; the Ubuntu base image is built from kind's images/base "
                    "with the Go release named in .go-version (a kind checkout, e.g. v0.24.0)")


def _function_sources(checkout: str, scenarios: tuple[str, ...], ctx: _Ctx) -> None:
    from components.imagespec import missing_function_sources
    from scenarios.catalog import CATALOG
    gpu = any(CATALOG[name].gpu for name in scenarios if name in CATALOG)
    for dockerfile in missing_function_sources(checkout, gpu):
        ctx.missing("controllerCheckout", f"has no {dockerfile}; the function images are built from it "
                    "(a full clone is needed, not only its YAML)")


def _scenarios(names: list, workers, multi: bool, has_video_dir: bool, p: Problems) -> tuple[str, ...]:
    from scenarios import validate_selection
    if not all(isinstance(n, str) for n in names):
        p.add("scenarios", f"must be a list of scenario names, got {names!r}")
        return ()
    p.extend(validate_selection(list(names), any(w.gpu for w in workers), any(w.sriov for w in workers),
                                multi, len(workers), has_video_dir=has_video_dir))
    return tuple(names)
