"""The toolchain's engine and kubernetes provider against the simulated cluster: a Deployment is
created and awaited (kwok makes its pods ready), a second up changes nothing, refresh finds no drift,
destroy leaves nothing in the API."""
from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from e2e.engine import changes, inline_stack
from e2e.simcluster.cluster import Cluster


@pytest.fixture(scope="module")
def cluster(toolchain, tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster") / "state", ("node-a", "node-b"))
    try:
        c.up(toolchain, say=lambda _: None)
        yield c
    finally:
        c.down(say=lambda _: None)


def _program(kubeconfig: str):
    def program():
        opts = pulumi.ResourceOptions(provider=k8s.Provider("sim", kubeconfig=kubeconfig))
        k8s.core.v1.ConfigMap("cm", metadata={"name": "probe", "namespace": "default"}, data={"a": "1"}, opts=opts)
        d = k8s.apps.v1.Deployment("d", metadata={"name": "probe", "namespace": "default"}, spec={
            "replicas": 2, "selector": {"matchLabels": {"app": "probe"}},
            "template": {"metadata": {"labels": {"app": "probe"}},
                         "spec": {"containers": [{"name": "c", "image": "registry.invalid/probe:1"}]}}}, opts=opts)
        pulumi.export("ready", d.status.ready_replicas)
    return program


def test_up_awaits_noop_refresh_and_destroy_against_the_simulated_cluster(toolchain, cluster, tmp_path):
    stack = inline_stack(toolchain, tmp_path, "k8s-e2e", "probe", _program(cluster.kubeconfig.read_text()), {})
    up = stack.up()
    assert changes(up.summary.resource_changes)["create"] == 4  # stack, provider, ConfigMap, Deployment
    assert up.outputs["ready"].value == 2  # the provider awaited the rollout on kwok nodes
    noop = changes(stack.up().summary.resource_changes)
    assert noop["same"] == 4 and noop["create"] == noop["update"] == noop["delete"] == noop["replace"] == 0
    assert changes(stack.refresh().summary.resource_changes)["update"] == 0
    assert changes(stack.destroy().summary.resource_changes)["delete"] == 4
    api = cluster.api()
    assert api.request("GET", "/apis/apps/v1/namespaces/default/deployments/probe")[0] == 404
    assert api.request("GET", "/api/v1/namespaces/default/configmaps/probe")[0] == 404
    stack.workspace.remove_stack("probe")
