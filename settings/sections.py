"""The structured keys, each on its own: workers, sriovIpam, registry, functionImages. Rules across keys: rules.py."""
from __future__ import annotations

from typing import Any, Optional

from facts.function_catalog import deployed_function_images
from facts.shared import IFNAME_PATTERN

from . import network as net
from . import refs
from .decode import Problems, bounded, check_keys, suggest, text, what
from .model import Registry, SriovIpam, SriovPf, Worker, worker_node_name
from .schema import (IPAM_KEYS, KEYS, MAX_EXCLUSIONS, MAX_FUNCTION_IMAGES, MAX_WORKERS, REGISTRY_KEYS,
                     SRIOV_KEYS, WORKER_KEYS)
from .text import pattern, show, whole

DNS_LABEL = pattern(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
DNS_SUBDOMAIN = pattern(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
IFNAME = pattern(IFNAME_PATTERN)
SHA256_HEX = pattern(r"[0-9a-f]{64}")
MAX_VFS = 256


def cluster_name(name: Optional[str], p: Problems) -> str:
    if name is not None and not whole(DNS_LABEL, name):
        p.add("clusterName", f"{show(name)} is not a DNS label of at most 40 characters "
              "(lower-case letters, digits, '-'); node names like <name>-worker2 must stay valid")
    return name or ""


def workers(items: Optional[list], cluster: str, external: bool, p: Problems) -> tuple[Worker, ...]:
    if items is None:  # wrong type, already reported
        return ()
    if not items:
        p.add("workers", "at least one worker is needed")
    if len(items) > MAX_WORKERS:
        p.add("workers", f"{len(items)} workers; at most {MAX_WORKERS} (each is a Kind node, a container on this "
              "one host)")
        return ()
    out, pfs, names = [], {}, {}
    for i, item in enumerate(items):
        key = f"workers[{i}]"
        if item is None:
            p.add(key, "is empty (null); write {} for a worker without devices")
            continue
        if not isinstance(item, dict):
            p.add(key, f"must be an object like {{gpu: true, sriov: {{...}}}}, got {what(item)}")
            continue
        check_keys(key, item, WORKER_KEYS, p)
        gpu = item.get("gpu")
        if gpu is None:
            gpu = False
        elif not isinstance(gpu, bool):
            p.add(f"{key}.gpu", f"must be true or false, got {what(gpu)}")
            gpu = False
        sriov = _sriov(f"{key}.sriov", item.get("sriov"), p)
        if sriov:
            if sriov.pf in pfs:
                p.add(f"{key}.sriov.pf", f"{sriov.pf} is already given to {pfs[sriov.pf]}; each PF goes to one worker")
            pfs.setdefault(sriov.pf, key)
        if external and item.get("sriov") is not None:
            p.add(key, "SR-IOV PFs (sriov) cannot be handed to an external cluster; "
                  "remove sriov or unset externalKubeconfig")
        node = _node_name(key, item, cluster, i, external, p)
        if node and node in names:
            p.add(f"{key}.name", f"{show(node)} is already the name of {names[node]}; each worker is one node")
        names.setdefault(node, key)
        out.append(Worker(node=node, gpu=gpu, sriov=sriov))
    gpus = [f"workers[{i}]" for i, w in enumerate(out) if w.gpu]
    if len(gpus) > 1:
        p.add(f"{gpus[1]}.gpu", f"only one worker can have the host's GPU; {gpus[0]} already has it")
    return tuple(out)


def _node_name(key: str, item: dict, cluster: str, i: int, external: bool, p: Problems) -> str:
    if not external:
        if item.get("name") is not None:
            p.add(f"{key}.name", "Kind names its nodes <clusterName>-worker, -worker2...; "
                  "set name only with externalKubeconfig")
        return worker_node_name(cluster, i)
    if item.get("name") is None:
        p.add(f"{key}.name", "required with externalKubeconfig: the node's name in that cluster "
              "(kubectl get nodes)")
        return ""
    name = text(item, "name", f"{key}.name", p)
    if name is not None and not whole(DNS_SUBDOMAIN, name):
        p.add(f"{key}.name", f"{show(name)} is not a Kubernetes node name (lower-case DNS subdomain)")
    return name or ""


def _sriov(key: str, item: Any, p: Problems) -> Optional[SriovPf]:
    if item is None:
        return None
    if not isinstance(item, dict):
        p.add(key, f"must be an object {{pf, vfs, address}}, got {what(item)}")
        return None
    check_keys(key, item, SRIOV_KEYS, p)
    ok = True
    pf = text(item, "pf", f"{key}.pf", p, default=None)
    if pf is None:
        if item.get("pf") is None:
            p.add(f"{key}.pf", "required: the PF's interface name on this host (like ens9f0np0)")
        ok = False
    elif not whole(IFNAME, pf):
        p.add(f"{key}.pf", f"{show(pf)} is not a network interface name (1-15 printable ASCII characters, no "
              "'/', ':' or spaces)")
        ok = False
    vfs = item.get("vfs")
    if vfs is None:
        p.add(f"{key}.vfs", f"required: how many VFs to create on the PF (0-{MAX_VFS})")
        ok = False
    elif isinstance(vfs, bool) or not isinstance(vfs, int) or not 0 <= vfs <= MAX_VFS:
        p.add(f"{key}.vfs", f"{what(vfs)} is not a VF count from 0 to {MAX_VFS}")
        ok = False
    addr = text(item, "address", f"{key}.address", p, default=None)
    if addr is None:
        if item.get("address") is None:
            p.add(f"{key}.address", "required: the PF's address with prefix, like 192.168.20.2/24")
        return None
    if net.interface(f"{key}.address", addr, p) is None:
        return None
    return SriovPf(pf=pf, vfs=vfs, address=addr) if ok else None


def ipam(item: Optional[dict], p: Problems) -> Optional[SriovIpam]:
    if item is None:
        return None
    check_keys("sriovIpam", item, IPAM_KEYS, p)
    subnet = text(item, "subnet", "sriovIpam.subnet", p, default=None)
    if subnet is None and item.get("subnet") is None:
        p.add("sriovIpam.subnet", "required: the VFs' subnet in CIDR form, like 192.168.20.0/24")
    network = net.network("sriovIpam.subnet", subnet, p) if subnet is not None else None
    block = item.get("perNodeBlockSize", 30)
    if block is None:
        block = 30
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        p.add("sriovIpam.perNodeBlockSize", f"{what(block)} is not a "
              "positive integer")
        block = 0
    gateway = text(item, "gateway", "sriovIpam.gateway", p)
    if gateway == "":
        p.add("sriovIpam.gateway", "required: the VFs' gateway, a host address in sriovIpam.subnet "
              "(like 192.168.20.1)")
    gw = net.address("sriovIpam.gateway", gateway, p) if gateway else None
    if gw is not None and network is not None:
        if gw not in network:
            p.add("sriovIpam.gateway", f"{gateway} is not inside sriovIpam.subnet {network}")
        elif gw in (network.network_address, network.broadcast_address):
            p.add("sriovIpam.gateway", f"{gateway} is the {'network' if gw == network.network_address else 'broadcast'}"
                  f" address of {network}; pick a host address")
    exclusions = []
    raw_ex = item.get("exclusions")
    if raw_ex is None:
        raw_ex = []
    if not isinstance(raw_ex, list):
        p.add("sriovIpam.exclusions", f"must be a list of FIRST-LAST ranges, got {what(raw_ex)}")
        raw_ex = []
    if len(raw_ex) > MAX_EXCLUSIONS:
        p.add("sriovIpam.exclusions", f"{len(raw_ex)} ranges; at most {MAX_EXCLUSIONS} (merge adjacent ones)")
        raw_ex = []
    for i, rng in enumerate(raw_ex):
        key = f"sriovIpam.exclusions[{i}]"
        if not isinstance(rng, str):
            p.add(key, f"must be a range FIRST-LAST as text, got {what(rng)}")
            continue
        if bounded(key, rng, p) is None:
            continue
        parsed = net.address_range(key, rng, p)
        if parsed:
            net.range_inside(key, parsed, network, "sriovIpam.subnet", p)
            exclusions.append(parsed)
    return SriovIpam(subnet=subnet or "", per_node_block_size=block, gateway=gateway or "",
                     exclusions=tuple(exclusions))


HARBOR_PROJECT = pattern(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")


def registry(item: Optional[dict], password: Optional[str], port: Optional[int], p: Problems) -> Registry:
    """The registry's fields; its files (caFile) are checked by preflight. port None: already refused."""
    least, most = KEYS["localRegistryPort"].minimum, KEYS["localRegistryPort"].maximum
    if port is not None and not least <= port <= most:
        p.add("localRegistryPort", f"{port} is not a port number ({least}-{most})")
    port = port or 0
    if item is None:
        return Registry(local_port=port)
    check_keys("registry", item, REGISTRY_KEYS, p)
    host = text(item, "host", "registry.host", p)
    if host == "":
        p.add("registry.host", "required: the Harbor host[:port] (like 192.168.10.100 or harbor.example.com)")
    elif host:
        refs.host_port("registry.host", host, p)
    project = text(item, "project", "registry.project", p)
    if project == "":
        p.add("registry.project", "required: the Harbor project the images go to (like images)")
    elif project is not None and not whole(HARBOR_PROJECT, project):
        p.add("registry.project", f"{show(project)} is not a Harbor project name (lower-case letters and "
              "digits, separated by '.', '_' or '-'; no '/' and no tag)")
    ca_file = text(item, "caFile", "registry.caFile", p)
    if ca_file == "":
        p.add("registry.caFile", "required: the registry's CA certificate (nodes and pushes trust only it)")
    ca_sha = (text(item, "caSha256", "registry.caSha256", p) or "").lower()
    if ca_sha and not whole(SHA256_HEX, ca_sha):
        p.add("registry.caSha256", f"{show(ca_sha)} is not a SHA-256 hex digest (64 hex digits)")
        ca_sha = ""
    username = text(item, "username", "registry.username", p, default="admin")
    if username == "":
        p.add("registry.username", "is empty; leave it out for admin")
    return Registry(host=host or "", project=project or "", ca_file=ca_file or "", ca_sha256=ca_sha,
                    username=username or "admin", password=password or "", local_port=port)


def prebuilt_images(item: Optional[dict], p: Problems) -> tuple[tuple[str, str], ...]:
    """functionImages: each name one the scenarios run, each value a complete image reference.
    Whether every image the selected scenarios need is there is checked once they are known."""
    if item is None:
        return ()
    known = deployed_function_images(gpu_scenarios=True)
    if not item:
        p.add("functionImages", "is empty; leave it out to build the images, or map each of "
              f"{', '.join(known)} to its reference")
    if len(item) > MAX_FUNCTION_IMAGES:
        p.add("functionImages", f"{len(item)} entries; the names are {', '.join(known)}")
        return ()
    out = []
    for name, ref in item.items():
        key = f"functionImages.{name}"
        if name not in known:
            p.add(key, f"not a function image{suggest(name, known)}; the names are {', '.join(known)}")
        elif not isinstance(ref, str) or not ref:
            p.add(key, f"must be an image reference like registry.example.com/{name}:1.1.0, got {what(ref)}")
        elif bounded(key, ref, p) is not None and refs.image_reference(key, ref, p):
            out.append((name, ref))
    return tuple(out)
