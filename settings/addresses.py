"""Rules across keys about addresses: the networks, the MetalLB pool, the registry's and the management
address, and the SR-IOV pool nv-ipam hands the VFs addresses from."""
from __future__ import annotations

import ipaddress

from facts.shared import DOCKER_BRIDGE_SUBNET, KIND_SERVICE_SUBNET

from . import network as net
from . import refs
from .decode import Problems
from .parsed import Parsed

# Networks that a Kind profile's own networks must stay clear of: what else routes them, and why.
TAKEN = {
    ipaddress.IPv4Network(KIND_SERVICE_SUBNET): "Kind's service range, which kube-proxy routes to Services",
    ipaddress.IPv4Network(DOCKER_BRIDGE_SUBNET): "the subnet of Docker's default bridge docker0, which the host "
                                                 "routes to its containers",
}


def check(s: Parsed, p: Problems) -> None:
    if not s.external:
        nets = {"podSubnet": s.pod, "kindNetworkSubnet": s.kindnet, "sriovIpam.subnet": s.ipam_net}
        net.no_overlap(nets, p)
        _clear_of_taken(nets, p)
        _metallb_in_kind(s, p)
    _registry_address(s, p)
    _management_address(s, p)
    if not p.failed("workers", "sriovIpam"):
        _sriov(s, p)


def _clear_of_taken(nets: dict, p: Problems) -> None:
    for key, network in nets.items():
        for taken, what in TAKEN.items():
            if network is not None and network.overlaps(taken) and not p.failed(key):
                p.add(key, f"{network} overlaps {taken}, {what}; pick a subnet outside it")


def _management_address(s: Parsed, p: Problems) -> None:
    value = s.values["managementAddress"]
    if not value or p.failed("managementAddress"):
        return
    addr = ipaddress.IPv4Address(value)
    problem = refs.unreachable(addr)
    if problem:
        p.add("managementAddress", f"{problem}; give this host's address on the management network")
        return
    for i, w in enumerate(s.workers):
        if w.sriov and ipaddress.IPv4Interface(w.sriov.address).ip == addr:
            p.add("managementAddress", f"{addr} is also workers[{i}].sriov.address, which the PF {w.sriov.pf} takes "
                  "into the node: the management address must stay on this host; give the PF another address")


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
    n = s.kind_containers
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
    nets = {} if s.external else {"podSubnet": s.pod, "kindNetworkSubnet": s.kindnet,
                                  "Kind's service range": ipaddress.IPv4Network(KIND_SERVICE_SUBNET)}
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
