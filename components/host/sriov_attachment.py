"""Host operation `sriov`: one PF and its VFs moved into one Kind worker's netns, once the cluster's
nodes exist (the steps are in sriov.py; the PF is claimed as pf:<name>). One spec, and one resource,
per PF; replaced with the cluster, whose new nodes have new netns."""
from __future__ import annotations

from . import sriov
from .sriov import SriovSpec
from .sysfs import Sysfs

NAME = "sriov"
SUMMARY = "move a PF and its VFs into a Kind worker's network namespace; move them back on destroy"
REPLACES = ("stack", "worker", "pf", "vfs", "claims_dir", "root")
# The stack key each spec field comes from, so doctor names what to fix.
KEYS = {"pf": "workers[].sriov.pf", "vfs": "workers[].sriov.vfs", "address": "workers[].sriov.address",
        "management_address": "managementAddress"}
STAGE = "after"
# Created before the contract as SriovAttachment '<component>-sriov-<pf>' with flat inputs.
LEGACY_TYPE = "pulumi-python:dynamic/host:SriovAttachment"
LEGACY_INPUTS = {"sysfs_root": "root"}
SPEC = SriovSpec  # one class with the CLI's and the re-assert's spec


def node_container(cluster_name: str, worker: str) -> str:
    """Kind names node containers '<cluster>-<role>[N]'; accept either form."""
    return worker if worker.startswith(f"{cluster_name}-") else f"{cluster_name}-{worker}"


def from_settings(s) -> list[SriovSpec] | None:
    if not s.uses_kind or not s.sriov_workers:
        return None  # an external cluster's PFs are in its nodes, not here
    return [SriovSpec(stack=s.stack, worker=node_container(s.cluster_name, w.node), pf=w.sriov.pf, vfs=w.sriov.vfs,
                 address=w.sriov.address, claims_dir=s.host_claims_dir, root=s.host_root,
                 management_address=s.management_address or None) for w in s.sriov_workers]


def spec_id(spec: SriovSpec) -> str:
    return spec.pf


def check(spec: SriovSpec, record: dict | None = None, *, runner) -> list[tuple[str, str]]:
    # Before the first apply the Kind cluster may be created in the same `up`: its node is checked then.
    # The claims file, not the record, says who holds the PF (as the CLI sees it).
    return sriov.check(spec, need_worker=bool(record), runner=runner)


def describe(spec: SriovSpec) -> str:
    """The PF's VF counts now, and whether this stack has it attached (its netdev is then in the worker)."""
    rec = sriov.recorded(spec, None)
    fs, pci = Sysfs(spec.root), (rec or {}).get("pf_pci")
    where = f", attached to {rec.get('worker', spec.worker)} by this stack" if rec else ""
    return (f"{spec.pf} (for {spec.worker}): {spec.vfs} VFs wanted, {fs.numvfs(spec.pf, pci)}/"
            f"{fs.totalvfs(spec.pf, pci)} (numvfs/totalvfs){where}")


def apply(spec: SriovSpec, record: dict | None, *, runner) -> dict:
    rec = sriov.attach(spec, record=record, runner=runner)
    return {k: v for k, v in rec.items() if k != "changed"}


def status(spec: SriovSpec, record: dict, *, runner) -> dict:
    st = sriov.status(spec, record=record, runner=runner)
    return {"present": st["state"] != "detached", "drift": st.get("drift", [])}


def release(spec: SriovSpec, record: dict, *, runner) -> None:
    sriov.detach(spec, record=record, runner=runner)
