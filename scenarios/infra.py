"""Objects the scenarios share, per namespace (pure): namespaces, view bindings, SR-IOV NADs, send-video-tool."""
from __future__ import annotations

import json

from facts.shared import NV_IPAM_POOL, SRIOV_RESOURCE, VIDEO_NODE_PATH

NAMESPACES = ("cpufunc-calcapp", "cpufunc-sample")
TOOLS_NAMESPACE = "test"
NAD_NAME = "sriov-ipam-config"  # what the SR-IOV function configs name in `ipam`
VIDEO_MOUNT = "/opt/video"  # where send-video-tool sees the videos
SEND_VIDEO_TOOL = "send-video-tool"


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def view_binding(ns: str) -> dict:
    """The function sidecars watch their ethcrl.<pod> ConfigMap with the namespace's default ServiceAccount."""
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": f"{ns}-default-view"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": ns}]}


def sriov_nad(ns: str, pool: str = NV_IPAM_POOL, resource: str = SRIOV_RESOURCE) -> dict:
    config = {"type": "sriov", "cniVersion": "0.3.1", "name": NAD_NAME,
              "ipam": {"type": "nv-ipam", "poolName": pool}}
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": NAD_NAME, "namespace": ns,
                         "annotations": {"k8s.v1.cni.cncf.io/resourceName": resource}},
            "spec": {"config": json.dumps(config)}}


def send_video_tool(image: str, node: str, video_path: str = VIDEO_NODE_PATH) -> dict:
    """The all-in-one's sender: host network on the node with the videos, idle until you exec gst-launch."""
    labels = {"app": SEND_VIDEO_TOOL}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": SEND_VIDEO_TOOL, "namespace": TOOLS_NAMESPACE},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {
                         "nodeName": node, "hostNetwork": True, "shareProcessNamespace": True,
                         "containers": [{"name": SEND_VIDEO_TOOL, "image": image,
                                         "command": ["tail", "-f", "/dev/null"],
                                         "securityContext": {"privileged": True},
                                         "volumeMounts": [{"mountPath": VIDEO_MOUNT, "name": "host-video"}]}],
                         "volumes": [{"name": "host-video",
                                      "hostPath": {"path": video_path, "type": "Directory"}}]}}}}
