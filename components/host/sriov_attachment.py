"""Host operation `sriov`: one PF and its VFs moved into one Kind worker's netns, once the cluster's
nodes exist (the steps are in sriov.py; the PF is claimed as pf:<name>). One spec, and one resource,
per PF; replaced with the cluster, whose new nodes have new netns."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from . import claims, sriov

NAME = "sriov"
SUMMARY = "move a PF and its VFs into a Kind worker's network namespace; move them back on destroy"
REPLACES = ("stack", "worker", "pf", "vfs", "claims_dir", "root")
STAGE = "after"
# Created before the contract as SriovAttachment '<component>-sriov-<pf>' with flat inputs.
LEGACY_TYPE = "pulumi-python:dynamic/host:SriovAttachment"
LEGACY_INPUTS = {"sysfs_root": "root"}


@dataclass(frozen=True)
class Spec:
    stack: str
    worker: str  # the Kind node container, e.g. kind-worker
    pf: str
    vfs: int
    address: str | None = None  # CIDR put on the PF in the worker
    claims_dir: str = claims.DEFAULT_DIR
    root: str = "/"
    management_address: str | None = None


def node_container(cluster_name: str, worker: str) -> str:
    """Kind names node containers '<cluster>-<role>[N]'; accept either form."""
    return worker if worker.startswith(f"{cluster_name}-") else f"{cluster_name}-{worker}"


def from_settings(s) -> list[Spec] | None:
    if not s.uses_kind or not s.sriov_workers:
        return None  # an external cluster's PFs are in its nodes, not here
    return [Spec(stack=s.stack, worker=node_container(s.cluster_name, w.node), pf=w.sriov.pf, vfs=w.sriov.vfs,
                 address=w.sriov.address, claims_dir=s.host_claims_dir,
                 management_address=s.management_address or None) for w in s.sriov_workers]


def spec_id(spec: Spec) -> str:
    return spec.pf


def steps_spec(spec: Spec) -> sriov.Spec:
    """The spec of the steps module (which the CLI also drives)."""
    fields = {k: v for k, v in dataclasses.asdict(spec).items() if k != "root"}
    return sriov.Spec(**fields, sysfs_root=spec.root)


def check(spec: Spec, record: dict | None = None) -> list[tuple[str, str]]:
    # Before the first apply the Kind cluster may be created in the same `up`: its node is checked then.
    # The claims file, not the record, says who holds the PF (as the CLI sees it).
    return sriov.check(steps_spec(spec), need_worker=bool(record))


def apply(spec: Spec, record: dict | None) -> dict:
    rec = sriov.attach(steps_spec(spec), record=record)
    return {k: v for k, v in rec.items() if k != "changed"}


def status(spec: Spec, record: dict) -> dict:
    st = sriov.status(steps_spec(spec), record=record)
    return {"present": st["state"] != "detached", "drift": st.get("drift", [])}


def release(spec: Spec, record: dict) -> None:
    sriov.detach(steps_spec(spec), record=record)
