"""The Node objects kwok plays: named like a stack's workers, labelled like Kind's nodes.

Kind labels every node with kubernetes.io/{hostname,os,arch} and the control plane with
node-role.kubernetes.io/control-plane (tainted NoSchedule). The project's objects select on exactly
that: the nv-ipam IPPool takes nodes without the control-plane role, and the controller's
DaemonSets (no tolerations) land on every untainted node. PCIeConnection requests 16Gi of
hugepages-1Gi, so the workers advertise 32Gi of it.
"""
from __future__ import annotations

from typing import Any

from e2e.toolchain.items import KUBERNETES, KWOK

CONTROL_PLANE_ROLE = "node-role.kubernetes.io/control-plane"
WORKER_CAPACITY = {"cpu": "32", "memory": "256Gi", "pods": "110", "hugepages-1Gi": "32Gi",
                   "hugepages-2Mi": "0", "ephemeral-storage": "500Gi"}


def node(name: str, control_plane: bool = False) -> dict[str, Any]:
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "type": "kwok"}
    spec: dict[str, Any] = {}
    if control_plane:
        labels[CONTROL_PLANE_ROLE] = ""
        spec["taints"] = [{"key": CONTROL_PLANE_ROLE, "effect": "NoSchedule"}]
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels, "annotations": {"kwok.x-k8s.io/node": "fake"}},
        "spec": spec,
        "status": {"capacity": dict(WORKER_CAPACITY), "allocatable": dict(WORKER_CAPACITY),
                   "nodeInfo": {"kubeletVersion": f"{KUBERNETES}-kwok-{KWOK}", "operatingSystem": "linux",
                                "architecture": "amd64", "containerRuntimeVersion": "kwok"}},
    }


def is_ready(obj: dict[str, Any]) -> bool:
    conditions = obj.get("status", {}).get("conditions", [])
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
