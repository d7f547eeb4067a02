"""Host operation `footprint`: the names and numbers a Kind stack takes on the whole host, claimed like a
GPU or a PF so that two stacks on one host cannot collide. Applied before the cluster, released on
destroy; `doctor --stack` runs its check.

What collides, and what does not:
- clusterName: kind's node containers, kubeconfig context and embedded registry are named after it; a
  second `kind create cluster --name X` fails, and the other stack's `destroy` would delete it.
- localRegistryPort (only while the embedded registry runs): one listener per host port.
- metallbAddresses: every Kind cluster on a host sits on Docker's one `kind` network (kind creates it
  once and reuses it), so two MetalLB pools that overlap hand out the same addresses on one L2 segment.
- kindNetworkSubnet: that network is shared by design, so the same subnet is fine; another subnet cannot
  be had (the `kind` network has one), and the later stack would fail at `kind create cluster`.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from facts.shared import CLAIMS_DIR, footprint_claim_key

from . import claims, validate
from .contract import HostContext, Operation
from .errors import Refused


@dataclass(frozen=True)
class FootprintSpec:
    stack: str
    cluster: str
    kind_subnet: str
    metallb: str | None = None  # FIRST-LAST
    registry_port: int | None = None  # None: no embedded registry listens on the host
    claims_dir: str = CLAIMS_DIR
    root: str = "/"


def from_settings(s) -> FootprintSpec | None:
    if not s.uses_kind:
        return None  # an external cluster takes nothing of this host's
    embedded = s.registry.embedded and not s.prebuilt_images
    return FootprintSpec(stack=s.stack, cluster=s.cluster_name, kind_subnet=s.kind_network_subnet,
                         metallb="-".join(s.metallb_addresses) if s.metallb_addresses else None,
                         registry_port=s.registry.local_port if embedded else None, claims_dir=s.host_claims_dir,
                         root=s.host_root)


def _range(text) -> tuple | None:
    try:
        first, _, last = str(text).partition("-")
        return ipaddress.ip_address(first.strip()), ipaddress.ip_address((last or first).strip())
    except ValueError:
        return None  # another stack's value that does not parse: nothing to compare


def _record(spec: FootprintSpec) -> dict:
    return {"cluster": spec.cluster, "kind_subnet": spec.kind_subnet, "metallb": spec.metallb,
            "registry_port": spec.registry_port}


def collisions(spec: FootprintSpec, every: dict[str, dict]) -> list[tuple[str, str]]:
    """(field, reason) for each of this stack's names another stack's footprint claim already holds."""
    out = []
    for key, held in sorted(every.items()):
        other = held.get("stack")
        if other == spec.stack or key != footprint_claim_key(other) or not isinstance(held.get("record"), dict):
            continue
        theirs, where = held["record"], f"stack {other!r} ({held.get('file')})"
        if theirs.get("cluster") == spec.cluster:
            out.append(("cluster", f"clusterName {spec.cluster!r} is used by {where}: Kind cluster names are "
                                   "host-wide; pick another clusterName, or run `pulumi destroy` in that stack"))
        if spec.registry_port is not None and theirs.get("registry_port") == spec.registry_port:
            out.append(("registry_port", f"localRegistryPort {spec.registry_port} is used by the embedded registry "
                                         f"of {where}; pick another localRegistryPort"))
        mine, their_range = _range(spec.metallb) if spec.metallb else None, _range(theirs.get("metallb"))
        if mine and their_range and mine[0].version == their_range[0].version \
                and mine[0] <= their_range[1] and their_range[0] <= mine[1]:
            out.append(("metallb", f"metallbAddresses {spec.metallb} overlaps {theirs['metallb']} of {where}: "
                                   "all Kind clusters share Docker's `kind` network; pick a range apart from it"))
        if theirs.get("kind_subnet") and theirs["kind_subnet"] != spec.kind_subnet:
            out.append(("kind_subnet", f"kindNetworkSubnet {spec.kind_subnet} differs from {theirs['kind_subnet']} "
                                       f"of {where}: the host has one Docker `kind` network for every Kind "
                                       f"cluster; set kindNetworkSubnet to {theirs['kind_subnet']}"))
    return out


def check(spec: FootprintSpec, record: dict | None, ctx: HostContext) -> list[tuple[str, str]]:
    # ctx.runner is unused: the footprint is claims alone.
    if validate.stack(spec.stack):
        return [("stack", validate.stack(spec.stack))]
    return collisions(spec, claims.everything(ctx.claims_dir, root=ctx.root))


def apply(spec: FootprintSpec, record: dict | None, ctx: HostContext) -> dict:
    """Claim the footprint; checked again under the claims lock, so two stacks never both pass."""
    def refused(every: dict) -> str | None:
        found = collisions(spec, every)
        return "; ".join(r for _, r in found) if found else None
    problems = check(spec, record, ctx)
    if problems:
        raise Refused(f"failed to claim the host-wide names of stack {spec.stack!r}: "
                      + "; ".join(r for _, r in problems))
    claims.claim(ctx.claims_dir, footprint_claim_key(spec.stack), spec.stack, root=ctx.root, worker="host",
                 record=_record(spec), conflicts=refused)
    return _record(spec)


def status(spec: FootprintSpec, record: dict, ctx: HostContext) -> dict:
    held = claims.holder(ctx.claims_dir, footprint_claim_key(spec.stack), root=ctx.root)
    if held and held.get("stack") == spec.stack and held.get("record") == _record(spec):
        return {"present": True, "drift": []}
    return {"present": True, "drift": [f"the claims no longer hold stack {spec.stack!r}'s host-wide names"]}


def release(spec: FootprintSpec, record: dict, ctx: HostContext) -> None:
    claims.release(ctx.claims_dir, footprint_claim_key(spec.stack), spec.stack, root=ctx.root)


OPERATION = Operation(
    name="footprint", spec=FootprintSpec, from_settings=from_settings,
    summary=("claim this stack's Kind cluster name, embedded registry port, MetalLB range and Kind subnet on the "
             "host, so that no other stack on it collides; released on destroy"),
    check=check, apply=apply, status=status, release=release,
    gate=True,  # a stack that collides with another changes nothing at all
    keys={"cluster": "clusterName", "registry_port": "localRegistryPort", "metallb": "metallbAddresses",
          "kind_subnet": "kindNetworkSubnet"})
