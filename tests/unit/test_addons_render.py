"""Add-on renderers: image pin/mirror rewrite, Calico pool, MetalLB pool, SR-IOV device plugin config, IPPool."""
import json

import pytest
import yaml

from renderers.platform import manifests as a
from tests import schema_check
from tests.harness import reference


def aio(rel: str):
    """A file of the all-in-one's manifest folder (upstream-conformance: OPENKASUGAI_AIO_REFERENCE)."""
    return reference("openkasugai-all-in-one", "manifest", rel)


@pytest.mark.parametrize("ref,mirror,want", [
    ("ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick", "", "ghcr.io/k8snetworkplumbingwg/multus-cni:v4.1.1-thick"),
    ("ghcr.io/k8snetworkplumbingwg/sriov-network-device-plugin:latest", "",
     "ghcr.io/k8snetworkplumbingwg/sriov-network-device-plugin:v3.7.0"),
    ("ghcr.io/k8snetworkplumbingwg/sriov-cni", "", "ghcr.io/k8snetworkplumbingwg/sriov-cni:v2.8.1"),
    ("docker.io/calico/node:v3.28.1", "mirror.lan:5000/hub", "mirror.lan:5000/hub/calico/node:v3.28.1"),
    ("calico/cni:v3.28.1", "mirror.lan", "mirror.lan/calico/cni:v3.28.1"),  # Docker Hub made explicit
    ("quay.io/metallb/speaker:v0.14.8", "mirror.lan/", "mirror.lan/metallb/speaker:v0.14.8"),
    ("nginx", "", "docker.io/library/nginx"),
    ("localhost:5001/x/y:1@sha256:ab", "m", "m/x/y:1@sha256:ab"),
    ("ghcr.io/mellanox/nvidia-k8s-ipam:latest", "m", "m/mellanox/nvidia-k8s-ipam:v0.3.5"),
])
def test_rewrite_image(ref, mirror, want):
    assert a.rewrite_image(ref, mirror) == want


def test_no_floating_tag_survives_in_the_all_in_one_bundles():
    for f in ("multus/multus-daemonset-thick.yml", "sriov/sriovdp-daemonset.yaml"):
        docs = [d for d in yaml.safe_load_all(aio(f).read_text()) if d]
        assert sum(a.rewrite_images(d, "mirror.lan") for d in docs) >= 1
        text = yaml.safe_dump_all(docs)
        assert "snapshot-thick" not in text and ":latest" not in text and "ghcr.io" not in text


def test_calico_pool_is_set_on_calico_node_only():
    ds = {"kind": "DaemonSet", "metadata": {"name": "calico-node"}, "spec": {"template": {"spec": {"containers": [
        {"name": "calico-node", "env": [{"name": "CALICO_IPV4POOL_CIDR", "value": "192.168.0.0/16"}]},
        {"name": "other"}]}}}}
    assert a.set_calico_pool(ds, "10.100.0.0/16")
    env = ds["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e for e in env if e["name"] == "CALICO_IPV4POOL_CIDR"] == [{"name": "CALICO_IPV4POOL_CIDR",
                                                                       "value": "10.100.0.0/16"}]
    assert "env" not in ds["spec"]["template"]["spec"]["containers"][1]
    assert not a.set_calico_pool({"kind": "Deployment", "metadata": {"name": "calico-node"}}, "x")


def _calico_node_env(docs) -> dict:
    ds = next(d for d in docs if d and d["kind"] == "DaemonSet" and d["metadata"]["name"] == "calico-node")
    node = next(c for c in ds["spec"]["template"]["spec"]["containers"] if c["name"] == "calico-node")
    return {e["name"]: e.get("value") for e in node["env"]}


def test_calico_node_ip_is_the_kubernetes_internal_ip_as_in_the_all_in_one():
    # Upstream: openkasugai/all-in-one kind/cni-manifest/calico.yaml sets IP_AUTODETECTION_METHOD on
    # calico-node; without it first-found may pick a PF address moved into the worker (issue 9, item 6).
    aio = _calico_node_env(yaml.safe_load_all(
        reference("openkasugai-all-in-one", "kind", "cni-manifest", "calico.yaml").read_text()))
    ds = {"kind": "DaemonSet", "metadata": {"name": "calico-node"}, "spec": {"template": {"spec": {"containers": [
        {"name": "calico-node", "env": [{"name": "IP", "value": "autodetect"}]}]}}}}
    a.set_calico_pool(ds, "10.100.0.0/16")
    env = {e["name"]: e["value"] for e in ds["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["IP_AUTODETECTION_METHOD"] == aio["IP_AUTODETECTION_METHOD"] == "kubernetes-internal-ip"
    assert env["IP"] == "autodetect" and list(env) == ["IP", "CALICO_IPV4POOL_CIDR", "IP_AUTODETECTION_METHOD"]


def test_metallb_pool_is_cpufunc_pool_inside_the_kind_network():
    pool, l2 = a.metallb_objects("172.18.9.0", "172.18.9.10")
    assert pool["metadata"] == {"name": "cpufunc-pool", "namespace": "metallb-system"}
    assert pool["spec"]["addresses"] == ["172.18.9.0-172.18.9.10"]
    assert l2["spec"]["ipAddressPools"] == ["cpufunc-pool"]
    assert schema_check.validate(pool) is None and schema_check.validate(l2) is None


def test_metallb_pool_is_the_all_in_ones():
    pool, _ = a.metallb_objects("172.18.9.0", "172.18.9.10")
    ref = yaml.safe_load(aio("metallb/ipaddresspool.yaml").read_text())
    assert (ref["metadata"], ref["spec"]) == (pool["metadata"], pool["spec"])


def test_device_plugin_selects_exactly_the_configured_pfs():
    m = a.sriovdp_configmap(["ens9f1np1", "ens9f0np0"])
    (res,) = json.loads(m["data"]["config.json"])["resourceList"]
    assert res == {"resourceName": "mlnx_sriov_netdevice", "resourcePrefix": "nvidia.com",
                   "selectors": {"pfNames": ["ens9f0np0", "ens9f1np1"]}}
    assert m["metadata"] == {"name": "sriovdp-config", "namespace": "kube-system"}
    assert schema_check.validate(m) is None


def test_ippool_from_settings():
    p = a.ippool("192.168.20.0/24", 30, "192.168.20.1",
                 (("192.168.20.0", "192.168.20.9"), ("192.168.20.51", "192.168.20.255")))
    assert p["metadata"] == {"name": "nv-pool1", "namespace": "kube-system"}
    assert p["spec"]["subnet"] == "192.168.20.0/24" and p["spec"]["perNodeBlockSize"] == 30
    assert p["spec"]["exclusions"][1] == {"startIP": "192.168.20.51", "endIP": "192.168.20.255"}
    term = p["spec"]["nodeSelector"]["nodeSelectorTerms"][0]["matchExpressions"][0]
    assert term == {"key": "node-role.kubernetes.io/control-plane", "operator": "DoesNotExist"}
    assert schema_check.validate(p) is None


def test_bundles_are_pinned_by_digest_or_commit():
    assert {b.name for b in a.BUNDLES} == {"calico", "multus", "sriov-cni", "sriov-device-plugin", "metallb", "nv-ipam"}
    for b in a.BUNDLES:
        assert "master" not in b.url and "latest" not in b.url
        if b.kustomize:
            assert len(b.commit) == 40 and b.local_name == f"{b.name}-{b.version}" and not b.sha256
        else:
            assert b.version in b.url and len(b.sha256) == 64 and b.local_name.endswith(".yaml")
