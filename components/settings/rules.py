"""Rules across keys, checked once every key has been read on its own. A rule whose keys already
have a problem stays quiet: one root cause, one line."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Optional

from scenarios.catalog import CATALOG

from . import network as net
from . import refs
from .decode import NUMBER_HINT, Problems
from .model import Registry, SriovIpam, Worker

# The rules as the README states them under "Rules across keys" (tests/unit/test_docs.py keeps the two
# in step, and checks that each key named here has a table test): keys -> statement.
STATED: dict[str, str] = {
    "podSubnet kindNetworkSubnet sriovIpam.subnet":
        "`podSubnet`, `kindNetworkSubnet` and `sriovIpam.subnet` are IPv4 networks in CIDR form that do not "
        "overlap (Kind profiles).",
    "metallbAddresses":
        "`metallbAddresses` is FIRST-LAST inside `kindNetworkSubnet`, short of its broadcast address, and "
        "starts after the addresses Docker hands out first from the start of the network: the network "
        "address, the gateway (.1) and one address per container of this stack on the `kind` network "
        "(the control plane, each worker, and the embedded registry when `registry` is unset). The reference "
        "stack's 3 nodes take .2-.4, so the pool may start at .5; other Kind clusters on the same network take "
        "the next addresses: leave them room.",
    "registry.host":
        "`registry.host` is `host[:port]` (a DNS name or an IPv4 address, a port from 1 to 65535, no scheme, "
        "no path); given as an IPv4 address it lies outside `podSubnet`, `kindNetworkSubnet`, "
        "`sriovIpam.subnet` and the MetalLB pool.",
    "registry.project registry.username":
        "`registry.project` is one Harbor project name (lower-case letters and digits joined by `.`, `_` or "
        "`-`: no `/`, no tag); `registry.username`, when given, is not empty.",
    "controllerImageRegistry kubeRbacProxyImage imageMirror":
        "`controllerImageRegistry` and `imageMirror` are registry paths in the OCI reference grammar "
        "(lower-case path components, no tag, no digest; `imageMirror` may be a registry alone, like "
        "`localhost:5000`); `kubeRbacProxyImage` is a complete image reference (`name[:tag][@digest]`).",
    "kubernetesVersion kubernetesBuild crioVersion":
        "`kubernetesVersion` is `vMAJOR.MINOR.PATCH`; `kubernetesBuild` is `release` or `source`; "
        "`crioVersion` is `MAJOR.MINOR` and equals the "
        "Kubernetes minor. A text key given as a YAML number is refused: `crioVersion: 1.30` reads as 1.3, "
        "so quote it (`\"1.30\"`).",
    "sriovIpam.gateway sriovIpam.exclusions":
        "`sriovIpam.gateway` is required (the IPPool names it) and lies inside `sriovIpam.subnet`, neither its "
        "network nor its broadcast address; each of `sriovIpam.exclusions` is a FIRST-LAST range inside the "
        "subnet.",
    "sriovIpam.perNodeBlockSize sriovIpam.exclusions":
        "nv-ipam gives every worker (its pool selects all nodes but the control plane) a block of "
        "`perNodeBlockSize` addresses from the start of the subnet, in an order of its own: the blocks of "
        "all workers fit in the subnet's host addresses, and every block keeps, after the exclusions and the "
        "gateway, at least as many addresses as the largest `vfs`.",
    "workers[0].sriov.address workers[1].sriov.address":
        "Each `workers[].sriov.address` is unique, inside `sriovIpam.subnet`, not its gateway, network or "
        "broadcast address, and excluded (`sriovIpam.exclusions`) when it lies in the workers' blocks, "
        "or nv-ipam could hand it to a VF.",
    "workers[0].sriov.vfs workers[1].sriov.vfs workers[1].sriov":
        "`workers[].sriov` needs `pf`, `vfs` and `address` (a missing `vfs` is an error, not 0). When a "
        "selected scenario uses SR-IOV, every worker with `sriov` has at least 1 VF and, with "
        "`multiWorker`, `workers[0]` and `workers[1]` both have `sriov`.",
    "registry functionImages functionImages.cpufunc_calcap functionImages.cpufunc_calcapp":
        "`functionImages` maps function image names (`cpufunc_calcapp`, `cpufunc_sidecar`, `cpufunc_gst`, "
        "`send_video_tool`, `gpufunc_dsa`) to complete image references and holds every one the selected "
        "scenarios run (`gpufunc_dsa` only with a GPU scenario). Set, the stack builds no function image and "
        "manages no registry, so `registry` is not set with it; an external cluster then needs no `registry` "
        "either.",
    "workers[0].name workers[1].name":
        "With `externalKubeconfig`, every worker has a `name` (its node name in that cluster), each name "
        "once; with Kind, no worker has one (Kind names the nodes).",
    "scenarios":
        "A selected scenario that runs a GPU function asks for the region type of the GPU's model: on Kind "
        "that is `hostGpuModel`, else the model this host's NVIDIA GPU reports; with `externalKubeconfig` and a "
        "gpu worker, `hostGpuModel` (and `hostGpuUuid`) is required.",
    "workers[0].sriov.pf workers[1]":
        "A null (`key:` with nothing after it, or `~`) is the same as leaving the key out: the default "
        "applies, and a required field is reported missing. It never becomes the text `None`.",
}

K8S_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
CRIO_VERSION = re.compile(r"^(\d+)\.(\d+)$")
KUBERNETES_BUILDS = ("release", "source")


@dataclass
class Parsed:
    """Every key read on its own (None where it had a problem)."""

    values: dict[str, Any]
    external: bool
    workers: tuple[Worker, ...]
    pod: Optional[ipaddress.IPv4Network]
    kindnet: Optional[ipaddress.IPv4Network]
    ipam: Optional[SriovIpam]
    registry: Registry
    metallb: Optional[tuple[str, str]]

    @property
    def ipam_net(self) -> Optional[ipaddress.IPv4Network]:
        try:
            return ipaddress.IPv4Network(self.ipam.subnet) if self.ipam else None
        except ValueError:
            return None


def check(s: Parsed, p: Problems) -> None:
    versions(s.values, p)
    images(s.values, p)
    if not s.external:
        net.no_overlap({"podSubnet": s.pod, "kindNetworkSubnet": s.kindnet, "sriovIpam.subnet": s.ipam_net}, p)
        _metallb_in_kind(s, p)
    _registry_address(s, p)
    if not p.failed("workers", "sriovIpam"):
        _sriov(s, p)


def versions(v: dict, p: Problems) -> None:
    k8s = K8S_VERSION.match(v["kubernetesVersion"] or "")
    if v["kubernetesVersion"] is not None and not k8s:
        p.add("kubernetesVersion", f"{v['kubernetesVersion']!r} is not a version like v1.31.0")
    if v["kubernetesBuild"] not in (None, *KUBERNETES_BUILDS):
        p.add("kubernetesBuild", f"{v['kubernetesBuild']!r} is not one of {', '.join(KUBERNETES_BUILDS)}")
    crio = v["crioVersion"]
    if crio is None:
        return
    if not CRIO_VERSION.match(crio):
        p.add("crioVersion", f"{crio!r} is not a minor version like 1.31 (MAJOR.MINOR, no 'v', no patch)")
    elif k8s and crio != f"{int(k8s[1])}.{int(k8s[2])}":
        hint = f"; {NUMBER_HINT}" if f"{crio}0" == f"{int(k8s[1])}.{int(k8s[2])}" else ""
        p.add("crioVersion", f"{crio} does not match kubernetesVersion {v['kubernetesVersion']}: CRI-O "
              f"publishes one minor per Kubernetes minor; set {int(k8s[1])}.{int(k8s[2])}{hint}")


def images(v: dict, p: Problems) -> None:
    if v["controllerImageRegistry"] is not None:
        refs.repository_path("controllerImageRegistry", v["controllerImageRegistry"].rstrip("/"), p)
    if v["kubeRbacProxyImage"] is not None:
        refs.image_reference("kubeRbacProxyImage", v["kubeRbacProxyImage"], p)
    if v["imageMirror"]:
        refs.repository_path("imageMirror", v["imageMirror"].rstrip("/"), p, allow_bare_domain=True)


def kind_containers(s: Parsed) -> int:
    """Containers on the Docker network 'kind': the nodes, and the embedded registry when there is one."""
    return 1 + len(s.workers) + (1 if s.registry.embedded else 0)


def _metallb_in_kind(s: Parsed, p: Problems) -> None:
    """Docker gives the gateway the first address of the network, then each container the next free
    one, in the order they join; the pool must leave those to Docker."""
    if s.metallb is None or s.kindnet is None or p.failed("workers"):
        return
    pool = net.addresses(*s.metallb)
    if not all(ipaddress.IPv4Address(a) in s.kindnet for a in s.metallb):
        p.add("metallbAddresses", f"{s.metallb[0]}-{s.metallb[1]} is not inside kindNetworkSubnet {s.kindnet}")
        return
    first = int(s.kindnet.network_address)
    n = kind_containers(s)
    docker_last = first + 1 + n
    if pool.start <= docker_last:
        p.add("metallbAddresses", f"{s.metallb[0]}-{s.metallb[1]} overlaps {s.kindnet.network_address}-"
              f"{ipaddress.IPv4Address(docker_last)}, the network address, Docker's gateway and the {n} "
              f"containers of this stack on the kind network; start the pool after "
              f"{ipaddress.IPv4Address(docker_last)} (leave room for other clusters on that network too)")
    elif pool.stop - 1 >= int(s.kindnet.broadcast_address):
        p.add("metallbAddresses", f"{s.metallb[1]} is the broadcast address of kindNetworkSubnet {s.kindnet}")


def _registry_address(s: Parsed, p: Problems) -> None:
    if s.registry.embedded or p.failed("registry.host"):
        return
    addr = refs.host_address(s.registry.host.partition(":")[0])
    if addr is None:
        return
    nets = {} if s.external else {"podSubnet": s.pod, "kindNetworkSubnet": s.kindnet}
    nets["sriovIpam.subnet"] = s.ipam_net
    for key, network in nets.items():
        if network is not None and addr in network:
            p.add("registry.host", f"{addr} is inside {key} {network}: the nodes would route it there, not to "
                  "the registry; the registry needs an address outside the cluster's networks")
    if s.metallb and int(addr) in net.addresses(*s.metallb):
        p.add("registry.host", f"{addr} is in the MetalLB pool metallbAddresses {s.metallb[0]}-{s.metallb[1]}")


def _sriov(s: Parsed, p: Problems) -> None:
    sriov = [(i, w) for i, w in enumerate(s.workers) if w.sriov]
    if sriov and s.ipam is None:
        p.add("sriovIpam", "required when a worker has sriov: set {subnet, perNodeBlockSize, gateway, exclusions}")
    subnet = s.ipam_net
    if not sriov or subnet is None:
        return
    gateway = ipaddress.IPv4Address(s.ipam.gateway) if s.ipam.gateway and not p.failed("sriovIpam.gateway") else None
    excluded = _Ranges(net.addresses(a, b) for a, b in s.ipam.exclusions)
    size, blocks = s.ipam.per_node_block_size, len(s.workers)
    fits = size > 0 and blocks * size <= subnet.num_addresses - 2
    if size > 0 and not fits:
        p.add("sriovIpam.perNodeBlockSize", f"{blocks} workers x {size} addresses do not fit in {subnet} "
              f"({subnet.num_addresses - 2} host addresses): nv-ipam gives every worker a block; "
              "lower perNodeBlockSize or widen the subnet")
    block_end = int(subnet.network_address) + blocks * size
    seen: dict[int, str] = {}
    for i, w in sriov:
        key = f"workers[{i}].sriov.address"
        addr = ipaddress.IPv4Interface(w.sriov.address).ip
        if addr not in subnet:
            p.add(key, f"{addr} is not inside sriovIpam.subnet {subnet}")
            continue
        if addr in (subnet.network_address, subnet.broadcast_address):
            p.add(key, f"{addr} is the network or broadcast address of sriovIpam.subnet {subnet}")
        elif addr == gateway:
            p.add(key, f"{addr} is sriovIpam.gateway; give the PF its own address")
        elif int(addr) in seen:
            p.add(key, f"{addr} is already the address of {seen[int(addr)]}")
        elif fits and int(addr) <= block_end and not excluded.count(range(int(addr), int(addr) + 1)):
            p.add(key, f"{addr} lies in the addresses nv-ipam hands to VFs (the first {blocks} x {size} of "
                  f"{subnet}); add it to sriovIpam.exclusions")
        seen.setdefault(int(addr), f"workers[{i}]")
    if fits:
        _vf_room(s, sriov, subnet, excluded, gateway, p)


def _vf_room(s: Parsed, sriov, subnet, excluded: "_Ranges", gateway, p: Problems) -> None:
    """nv-ipam gives each worker one block, in an order of its own: every block must hold the VFs of
    the SR-IOV worker with the most."""
    size = s.ipam.per_node_block_size
    i, most = max(sriov, key=lambda iw: iw[1].sriov.vfs)
    need = most.sriov.vfs
    if need > size:
        p.add("sriovIpam.perNodeBlockSize", f"{size} addresses per worker cannot hold the {need} VFs of "
              f"workers[{i}]; raise perNodeBlockSize or lower vfs")
        return
    start = int(subnet.network_address) + 1
    for k in range(len(s.workers)):
        block = range(start + k * size, start + (k + 1) * size)
        gw = gateway is not None and int(gateway) in block and not excluded.count(range(int(gateway), int(gateway) + 1))
        free = size - excluded.count(block) - gw
        if free < need:
            p.add("sriovIpam.exclusions", f"leave {free} free addresses in the block "
                  f"{ipaddress.IPv4Address(block.start)}-{ipaddress.IPv4Address(block.stop - 1)} that nv-ipam "
                  f"may give a worker, but workers[{i}] has {need} VFs; exclude fewer addresses there")
            return


class _Ranges:
    """Address ranges, merged, counted by arithmetic: an exclusion may span millions of addresses."""

    def __init__(self, ranges):
        merged: list[list[int]] = []
        for r in sorted((r for r in ranges if r), key=lambda r: r.start):
            if merged and r.start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], r.stop)
            else:
                merged.append([r.start, r.stop])
        self.ranges = merged

    def count(self, block: range) -> int:
        """How many addresses of `block` the ranges cover."""
        return sum(max(0, min(block.stop, b) - max(block.start, a)) for a, b in self.ranges)


def gpu_model(s: Parsed, scenarios: tuple[str, ...], host_gpu_model: Optional[str], p: Problems) -> None:
    """A GPU function's FunctionInfo asks for the region type made from the GPU's model: on Kind,
    hostGpuModel or what this host's GPU reports (an external cluster's is required with its gpu worker).
    host_gpu_model None: the caller did not look at this host."""
    uses = [n for n in scenarios if n in CATALOG and CATALOG[n].gpu]
    model = s.values["hostGpuModel"]
    if not uses or s.external or host_gpu_model is None or host_gpu_model or model or model is None:
        return
    if not p.failed("scenarios", "workers"):
        p.add("scenarios", f"{uses[0]} runs a GPU function but the GPU model is unknown: no NVIDIA GPU on this "
              "host reports it; set hostGpuModel to the model `nvidia-smi -L` prints on the GPU host, "
              f"or drop {', '.join(uses)}")


def scenario_vfs(s: Parsed, scenarios: tuple[str, ...], multi: bool, p: Problems) -> None:
    """An SR-IOV scenario gets a VF on the workers it uses: each worker with sriov (the scheduler picks
    among them), and with multiWorker both workers the split uses."""
    uses = [n for n in scenarios if n in CATALOG and CATALOG[n].sriov]
    if not uses or p.failed("workers"):
        return
    for i, w in enumerate(s.workers):
        if w.sriov and w.sriov.vfs < 1:
            p.add(f"workers[{i}].sriov.vfs", f"0 VFs, but {uses[0]} runs SR-IOV functions on the SR-IOV "
                  "workers; give it at least 1")
    if multi:
        for i, w in enumerate(s.workers[:2]):
            if not w.sriov:
                p.add(f"workers[{i}].sriov", f"multiWorker puts {uses[0]}'s functions on workers[0] and "
                      "workers[1]; each needs an SR-IOV PF with VFs")
