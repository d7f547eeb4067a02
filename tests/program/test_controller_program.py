"""The whole program under mocks: the controller install and the add-ons, per profile (issue 4 acceptance)."""
import ipaddress
import json

import pytest
import yaml

from renderers.openkasugai import crds
from tests import harness
from tests import schema_check

pytestmark = pytest.mark.filterwarnings("ignore")


def _run(stack):
    result = harness.run(stack)
    return result, harness.manifests(result)


@pytest.fixture(scope="module")
def dev():
    return _run("dev")


def of_kind(objs, kind):
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def payload(cm):
    return json.loads(next(iter(cm["data"].values())))


def test_exactly_the_twenty_canonical_crds(dev):
    _, objs = dev
    assert sorted(of_kind(objs, "CustomResourceDefinition")) == sorted(c.name for c in crds.CANONICAL)
    schemas = crds.crd_schemas(crds.canonical_crds(harness.CONTROLLER_CHECKOUT))
    for name, crd in of_kind(objs, "CustomResourceDefinition").items():
        assert crd["spec"]["versions"][0]["name"] == "v1" and crd["spec"]["names"]["kind"] in schemas


def test_controllers_and_agents(dev):
    _, objs = dev
    controllers = {n for n in of_kind(objs, "Deployment") if n != "send-video-tool"}
    assert controllers == {"whitebox-k8s-flowctrl-controller-manager", "wbfunction-controller-manager",
                           "wbconnection-controller-manager"}
    ds = of_kind(objs, "DaemonSet")
    agents = {n: d for n, d in ds.items() if n.startswith("crc-")}
    assert len(agents) == 6
    tags = {d["spec"]["template"]["spec"]["containers"][0]["image"].rsplit(":", 1)[1] for d in agents.values()}
    assert len(tags) == 1
    for d in agents.values():
        assert "/etc/k8s_node/config" in [v.get("hostPath", {}).get("path") for v in d["spec"]["template"]["spec"]["volumes"]]


def test_seven_configmaps_know_this_hosts_cpu(dev):
    _, objs = dev
    maps = {n: payload(m) for n, m in of_kind(objs, "ConfigMap").items() if m["metadata"].get("namespace") == "default"}
    assert set(maps) >= {"functionkindmap", "connectionkindmap", "region-unique-info", "function-unique-info",
                         "infrastructureinfo", "deployinfo", "filter-resize-ch"}
    cpu_rows = [d for d in maps["deployinfo"]["devices"] if d["deviceUUID"].endswith("-cpu0")]
    models = {d["subDeviceSpecRef"] for d in cpu_rows}
    assert len(models) == 1 and models <= {r["subDeviceSpecRef"] for r in maps["region-unique-info"]}
    assert all(d["functionTargets"] for d in cpu_rows)


def test_metallb_pool_and_ippool_come_from_the_stack(dev):
    _, objs = dev
    cfg = yaml.safe_load((harness.PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
    pool = of_kind(objs, "IPAddressPool")["cpufunc-pool"]
    first, last = pool["spec"]["addresses"][0].split("-")
    net = ipaddress.ip_network(cfg["openkasugai-aio:kindNetworkSubnet"])
    assert ipaddress.ip_address(first) in net and ipaddress.ip_address(last) in net
    ippool = of_kind(objs, "IPPool")["nv-pool1"]
    assert ippool["spec"]["subnet"] == cfg["openkasugai-aio:sriovIpam"]["subnet"]


def test_every_manifest_validates_offline(dev):
    _, objs = dev
    schemas = crds.crd_schemas(crds.canonical_crds(harness.CONTROLLER_CHECKOUT))
    assert [e for e in (schema_check.validate(o, "v1.31.0", schemas) for o in objs) if e] == []


def test_cpu_only_profile_has_no_sriov_and_no_fpga_agents():
    result, objs = _run("cpu-only")
    assert not of_kind(objs, "IPPool") and "sriovdp-config" not in of_kind(objs, "ConfigMap")
    assert sorted(n for n in of_kind(objs, "DaemonSet") if n.startswith("crc-")) == [
        "crc-cpufunction-daemon", "crc-deviceinfo-daemon", "crc-ethernetconnection-daemon", "crc-gpufunction-daemon"]


def test_external_cluster_gets_the_controller_on_its_nodes():
    result, objs = _run("external")
    assert len(of_kind(objs, "CustomResourceDefinition")) == 20 and len(of_kind(objs, "Deployment")) >= 3
    infra = payload(of_kind(objs, "ConfigMap")["infrastructureinfo"])
    assert {d["nodeName"] for d in infra["devices"]} == {"node-a", "node-b"}
    assert not [r for r in result.registrations if r.name.endswith("-calico")]
