"""Controller Deployments from the kustomize trees and agent DaemonSets with one image registry/tag."""
import shutil

import pytest

from renderers.openkasugai import kustomize, workloads
from tests.harness import CONTROLLER_CHECKOUT as CHECKOUT

REG, TAG, PROXY = "ghcr.io/openkasugai/controller", "1.1.0", "quay.io/brancz/kube-rbac-proxy:v0.14.1"


def _controllers(version="v1.1.0", checkout=CHECKOUT):
    return workloads.controller_objects(checkout, version, REG, TAG, PROXY)


def _deployment(objs):
    (d,) = [o for o in objs if o["kind"] == "Deployment"]
    return d


@pytest.mark.parametrize("module,prefix", [("whitebox-k8s-flowctrl", "whitebox-k8s-flowctrl"),
                                           ("WBFunction", "wbfunction"), ("WBConnection", "wbconnection")])
def test_deployment_is_kustomized_with_image_and_proxy(module, prefix):
    objs = _controllers()[module]
    d = _deployment(objs)
    assert d["metadata"] == {**d["metadata"], "name": f"{prefix}-controller-manager", "namespace": f"{prefix}-system"}
    images = {c["name"]: c["image"] for c in d["spec"]["template"]["spec"]["containers"]}
    assert images == {"manager": f"{REG}/{prefix}:{TAG}", "kube-rbac-proxy": PROXY}
    assert d["spec"]["template"]["spec"]["serviceAccountName"] == f"{prefix}-controller-manager"
    assert objs[0] == {**objs[0], "kind": "Namespace"} and objs[0]["metadata"]["name"] == f"{prefix}-system"
    assert not any(o["kind"] == "CustomResourceDefinition" for o in objs)


def test_flowctrl_keeps_the_auth_proxy_patch_args():
    d = _deployment(_controllers()["whitebox-k8s-flowctrl"])
    manager = next(c for c in d["spec"]["template"]["spec"]["containers"] if c["name"] == "manager")
    assert "--topologyinfo-namespace=topologyinfo" in manager["args"] and manager["command"] == ["/manager"]


def test_every_rbac_reference_points_at_a_rendered_object():
    for objs in _controllers().values():
        names = {(o["kind"], o["metadata"]["name"]) for o in objs}
        for o in objs:
            if "roleRef" in o:
                assert (o["roleRef"]["kind"], o["roleRef"]["name"]) in names
            for s in o.get("subjects", []):
                assert ("ServiceAccount", s["name"]) in names and s["namespace"].endswith("-system")


def test_the_controllers_services_are_awaited_by_their_cluster_ip(tmp_path):
    # Upstream's config/rbac has auth_proxy_service.yaml; the provider's own Service await settles for 10 s.
    shutil.copytree(CHECKOUT / "src", tmp_path / "src")
    rbac = tmp_path / "src/WBFunction/config/rbac"
    (rbac / "auth_proxy_service.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: controller-manager-metrics-service\n  namespace: system\n"
        "  annotations: {team: x}\nspec:\n  ports: [{name: https, port: 8443}]\n"
        "  selector: {control-plane: controller-manager}\n")
    kustomization = rbac / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("- role_binding.yaml", "- role_binding.yaml\n- auth_proxy_service.yaml"))
    (service,) = [o for o in _controllers(checkout=tmp_path)["WBFunction"] if o["kind"] == "Service"]
    assert service["metadata"]["annotations"] == {"team": "x", "pulumi.com/waitFor": "jsonpath={.spec.clusterIP}"}
    assert service["metadata"]["namespace"] == "wbfunction-system"


def test_six_agents_share_registry_tag_and_node_kubeconfig():
    ds = workloads.agent_daemonsets(CHECKOUT, "v1.1.0", REG, TAG)
    assert [d["metadata"]["name"] for d in ds] == [f"crc-{m.image}-daemon" for m in workloads.AGENTS]
    for d in ds:
        spec = d["spec"]["template"]["spec"]
        assert spec["containers"][0]["image"].rsplit(":", 1) == [f"{REG}/{d['metadata']['name'][4:-7]}", TAG]
        assert {"path": "/etc/k8s_node/config", "type": "File"} in [v.get("hostPath") for v in spec["volumes"]]
        assert d["metadata"]["namespace"] == "default"


def test_pcieconnection_requests_16_gib_of_1_gib_hugepages():
    (pcie,) = [d for d in workloads.agent_daemonsets(CHECKOUT, "v1.1.0", REG, TAG)
               if d["metadata"]["name"] == "crc-pcieconnection-daemon"]
    res = pcie["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert res["requests"]["hugepages-1Gi"] == res["limits"]["hugepages-1Gi"] == "16Gi"


def test_fpga_agents_off_leaves_out_pcie_and_fpga():
    names = [d["metadata"]["name"] for d in workloads.agent_daemonsets(CHECKOUT, "v1.1.0", REG, TAG, False)]
    assert names == ["crc-deviceinfo-daemon", "crc-ethernetconnection-daemon", "crc-gpufunction-daemon",
                     "crc-cpufunction-daemon"]
    assert "pcieconnection" not in workloads.images(REG, TAG, PROXY, fpga_agents=False)


@pytest.fixture
def v100_checkout(tmp_path):
    """A v1.0.0-shaped checkout: the samples mount /etc/k8s_worker/config and say localhost/...:1.0.0."""
    shutil.copytree(CHECKOUT / "src", tmp_path / "src")
    for f in (tmp_path / "src").glob("*/config/samples/crc_*_daemonset.yaml"):
        f.write_text(f.read_text().replace("/etc/k8s_node/config", "/etc/k8s_worker/config").replace(":1.1.0", ":1.0.0"))
    return tmp_path


def test_v100_is_rendered_with_the_same_node_path_and_its_own_tag(v100_checkout):
    ds = workloads.agent_daemonsets(v100_checkout, "v1.0.0", REG, "1.0.0")
    for d in ds:
        spec = d["spec"]["template"]["spec"]
        assert spec["containers"][0]["image"].endswith(":1.0.0")
        assert all(v.get("hostPath", {}).get("path") != "/etc/k8s_worker/config" for v in spec["volumes"])
    assert _deployment(_controllers("v1.0.0", v100_checkout)["WBFunction"])


@pytest.mark.parametrize("base,patch,want", [
    ({"a": 1, "b": {"c": 1}}, {"b": {"d": 2}}, {"a": 1, "b": {"c": 1, "d": 2}}),
    ({"args": ["--x"]}, {"args": ["--y"]}, {"args": ["--y"]}),  # plain lists are replaced
    ([{"name": "m", "image": "i"}], [{"name": "p"}, {"name": "m", "args": ["a"]}],
     [{"name": "p"}, {"name": "m", "image": "i", "args": ["a"]}]),  # named lists merge, patch order first
])
def test_strategic_merge(base, patch, want):
    assert kustomize.merge(base, patch) == want
