"""Host operation `sriov`: one PF and its VFs moved into one Kind worker's netns, once the cluster's
nodes exist (read, plan and apply are in sriov.py and sriov_plan.py; the PF is claimed as pf:<name>). One
spec, and one resource, per PF; replaced with the cluster, whose new nodes have new netns."""
from __future__ import annotations

from . import sriov
from .contract import HostContext, LegacyAlias, Operation
from .sriov import SriovSpec
from .sysfs import Sysfs


def node_container(cluster_name: str, worker: str) -> str:
    """Kind names node containers '<cluster>-<role>[N]'; accept either form."""
    return worker if worker.startswith(f"{cluster_name}-") else f"{cluster_name}-{worker}"


def from_settings(s) -> list[SriovSpec] | None:
    if not s.uses_kind or not s.sriov_workers:
        return None  # an external cluster's PFs are in its nodes, not here
    return [SriovSpec(stack=s.stack, worker=node_container(s.cluster_name, w.node), pf=w.sriov.pf, vfs=w.sriov.vfs,
                 address=w.sriov.address, claims_dir=s.host_claims_dir, root=s.host_root,
                 management_address=s.management_address or None) for w in s.sriov_workers]


def describe(spec: SriovSpec, ctx: HostContext) -> str:
    """The PF's VF counts now, and whether this stack has it attached (its netdev is then in the worker)."""
    rec = sriov.recorded(spec, None, ctx)
    fs, pci = Sysfs(ctx.root), (rec or {}).get("pf_pci")
    where = f", attached to {rec.get('worker', spec.worker)} by this stack" if rec else ""
    return (f"{spec.pf} (for {spec.worker}): {spec.vfs} VFs wanted, {fs.numvfs(spec.pf, pci)}/"
            f"{fs.totalvfs(spec.pf, pci)} (numvfs/totalvfs){where}")


OPERATION = Operation(
    name="sriov", spec=SriovSpec, from_settings=from_settings,
    summary="move a PF and its VFs into a Kind worker's network namespace; move them back on destroy",
    check=sriov.check, apply=sriov.apply, status=sriov.status, release=sriov.detach, describe=describe,
    replaces=("stack", "worker", "pf", "vfs", "claims_dir", "root"),
    stage="after", id_field="pf",
    # The stack key each spec field comes from, so doctor names what to fix.
    keys={"pf": "workers[].sriov.pf", "vfs": "workers[].sriov.vfs", "address": "workers[].sriov.address",
          "management_address": "managementAddress"},
    # Created before the contract as SriovAttachment '<component>-sriov-<pf>' (same name and parent), its
    # inputs flat, the sysfs root named sysfs_root.
    aliases=(LegacyAlias("pulumi-python:dynamic/host:SriovAttachment"),), legacy_inputs={"sysfs_root": "root"})
