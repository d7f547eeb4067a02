"""The simulated cluster: real etcd, kube-apiserver, controller-manager and scheduler, kwok nodes."""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from e2e.simcluster.cluster import Cluster
from e2e.simcluster.errors import ClusterError
from e2e.simcluster.nodes import CONTROL_PLANE_ROLE

WORKERS = ("node-a", "node-b")

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "smoke", "namespace": "default"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "smoke"}},
             "template": {"metadata": {"labels": {"app": "smoke"}},
                          "spec": {"containers": [{"name": "c", "image": "registry.invalid/smoke:1"}]}}}}
# Like the controller's agents: no tolerations, a hostPath kubeconfig and 16Gi of 1Gi hugepages.
DAEMONSET = {
    "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "default"},
    "spec": {"selector": {"matchLabels": {"app": "agent"}},
             "template": {"metadata": {"labels": {"app": "agent"}},
                          "spec": {"containers": [{"name": "c", "image": "registry.invalid/agent:1",
                                                   "securityContext": {"privileged": True},
                                                   "resources": {"requests": {"hugepages-1Gi": "16Gi",
                                                                              "memory": "1Gi"},
                                                                 "limits": {"hugepages-1Gi": "16Gi"}},
                                                   "volumeMounts": [{"name": "k", "mountPath": "/kube/config"}]}],
                                   "volumes": [{"name": "k", "hostPath": {"path": "/etc/k8s_node/config",
                                                                          "type": "File"}}]}}}}


def _await(check, what: str, timeout: float = 240.0):
    """Poll the API until check() holds (readiness is awaited, not slept for)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} not ready after {timeout:.0f} s")


@pytest.fixture(scope="module")
def cluster(toolchain, tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster") / "state", WORKERS)
    try:
        c.up(toolchain, say=lambda _: None)
        yield c
    finally:
        c.down(say=lambda _: None)


def test_nodes_are_named_like_the_workers_and_labelled_like_kind(cluster):
    nodes = {n["metadata"]["name"]: n for n in cluster.api().get("/api/v1/nodes")["items"]}
    assert set(nodes) == {"control-plane", *WORKERS}
    assert CONTROL_PLANE_ROLE in nodes["control-plane"]["metadata"]["labels"]
    for name in WORKERS:
        assert nodes[name]["metadata"]["labels"]["kubernetes.io/hostname"] == name
        assert CONTROL_PLANE_ROLE not in nodes[name]["metadata"]["labels"]


def test_a_deployment_and_a_daemonset_become_ready_on_kwok_nodes(cluster):
    api = cluster.api()
    base = "/apis/apps/v1/namespaces/default"
    for kind, obj in (("deployments", DEPLOYMENT), ("daemonsets", DAEMONSET)):
        status, body = api.request("POST", f"{base}/{kind}", obj)
        assert status == 201, body
    _await(lambda: api.get(f"{base}/deployments/smoke").get("status", {}).get("availableReplicas") == 3,
           "deployment smoke")
    _await(lambda: api.get(f"{base}/daemonsets/agent").get("status", {}).get("numberReady") == len(WORKERS),
           "daemonset agent")
    pods = api.get("/api/v1/namespaces/default/pods?labelSelector=app%3Dagent")["items"]
    assert sorted(p["spec"]["nodeName"] for p in pods) == sorted(WORKERS)  # not on the tainted control plane


def test_nothing_listens_outside_loopback(cluster):
    pids = {str(p["pid"]) for p in cluster.recorded()["pids"].values()}
    listening = subprocess.run(["ss", "-Htlnp"], capture_output=True, text=True, check=True).stdout.splitlines()
    ours = [line for line in listening if any(f"pid={pid}," in line for pid in pids)]
    assert ours, "the cluster's processes listen nowhere?"
    for line in ours:
        local = line.split()[3]
        assert local.startswith("127.0.0.1:"), line


def test_down_stops_every_process(toolchain, tmp_path):
    c = Cluster(tmp_path / "state", ("w1",), control_plane="")
    c.up(toolchain, say=lambda _: None)
    assert sorted(c.running()) == sorted(["etcd", "kube-apiserver", "kube-controller-manager",
                                          "kube-scheduler", "kwok"])
    record = c.recorded()
    c.down(say=lambda _: None)
    assert not any(os.path.exists(f"/proc/{p['pid']}/exe") and os.readlink(f"/proc/{p['pid']}/exe") == p["binary"]
                   for p in record["pids"].values())
    assert not c.state.exists()


def test_a_folder_the_script_did_not_make_is_never_removed(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(ClusterError, match="not a simulated cluster's folder"):
        Cluster(tmp_path).down(say=lambda _: None)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
