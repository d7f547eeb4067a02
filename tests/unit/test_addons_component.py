"""The PlatformAddons component under the mock engine (bundles are remote components; transforms run here)."""
import pulumi

from components.addons import PlatformAddons, PlatformAddonsArgs, calico_pool_transform, image_transform
from preview import output
from settings.model import SriovIpam
from tests import schema_check
from tests.unit.test_controller_component import by_kind, run_component

IPAM = SriovIpam("192.168.20.0/24", 30, "192.168.20.1", (("192.168.20.0", "192.168.20.9"),))


def args(**kw):
    base = dict(pod_subnet="10.100.0.0/16",
                metallb_addresses=("172.18.9.0", "172.18.9.10"), sriov_pfs=["ens9f0np0", "ens9f1np1"],
                sriov_ipam=IPAM, image_mirror="", manifests="/cache/addons")
    return PlatformAddonsArgs(**{**base, **kw})


def bundles(regs):
    return {r.name.split("-", 1)[1]: r for r in regs if r.type.startswith(("kubernetes:yaml", "kubernetes:kustomize"))}


def test_full_profile_installs_every_addon_in_order():
    regs, _, c = run_component(lambda o: PlatformAddons("addons", args(), o))
    b = bundles(regs)
    assert set(b) == {"calico", "multus", "sriov-cni", "sriov-device-plugin", "metallb", "nv-ipam"}
    assert b["calico"].inputs["file"] == "/cache/addons/calico-v3.28.1.yaml"  # the verified local copy
    assert b["metallb"].inputs["file"] == "/cache/addons/metallb-v0.14.8.yaml"
    assert b["nv-ipam"].inputs["directory"] == "/cache/addons/nv-ipam-v0.3.5/deploy/overlays/no-webhook"
    assert b["calico"].urn in b["metallb"].dependencies and b["calico"].urn in b["multus"].dependencies
    pool = by_kind(regs, "IPAddressPool")["cpufunc-pool"]
    assert b["metallb"].urn in pool.dependencies
    ippool = by_kind(regs, "IPPool")["nv-pool1"]
    assert b["nv-ipam"].urn in ippool.dependencies and ippool.inputs["spec"]["subnet"] == "192.168.20.0/24"
    dp_config = by_kind(regs, "ConfigMap")["sriovdp-config"]
    assert dp_config.urn in b["sriov-device-plugin"].dependencies
    assert c.pool_name == "cpufunc-pool" and c.sriov_resource == "nvidia.com/mlnx_sriov_netdevice"
    for r in regs:
        if output.is_object(r):
            assert schema_check.validate(output.manifest(r)) is None


def test_without_pfs_nothing_sriov_is_installed():
    regs, _, c = run_component(lambda o: PlatformAddons("addons", args(sriov_pfs=[], sriov_ipam=None), o))
    assert set(bundles(regs)) == {"calico", "multus", "metallb"}
    assert not by_kind(regs, "IPPool") and "sriovdp-config" not in by_kind(regs, "ConfigMap")
    assert c.sriov_resource is None


def test_external_cluster_keeps_its_cni_and_load_balancer():
    regs, _, c = run_component(lambda o: PlatformAddons("addons", args(cni=False, metallb_addresses=None,
                                                                        sriov_pfs=[], sriov_ipam=None), o))
    assert set(bundles(regs)) == {"multus"} and c.pool_name is None


def test_without_the_bundles_only_the_rendered_objects_are_registered():
    # The offline preview without cached bundles (warned, naming addonManifests).
    regs, _, c = run_component(lambda o: PlatformAddons("addons", args(manifests=""), o))
    assert not bundles(regs) and c.versions["calico"] == "v3.28.1"
    assert {"cpufunc-pool"} == set(by_kind(regs, "IPAddressPool")) and by_kind(regs, "IPPool")


def test_registered_transforms_pin_and_mirror():
    _, mocks, _ = run_component(lambda o: PlatformAddons("addons", args(image_mirror="mirror.lan"), o))
    transforms = mocks.args["addons-multus"].transforms
    assert transforms, "the bundle must carry the image transform"
    ds = {"spec": {"template": {"spec": {"containers": [{"name": "m", "image": "ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick"}],
                                          "initContainers": [{"name": "i", "image": "ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick"}]}}}}
    image_transform("mirror.lan")(pulumi.ResourceTransformArgs(True, "kubernetes:apps/v1:DaemonSet", "x", ds,
                                                              pulumi.ResourceOptions()))
    spec = ds["spec"]["template"]["spec"]
    assert {c["image"] for c in spec["containers"] + spec["initContainers"]} == {
        "mirror.lan/k8snetworkplumbingwg/multus-cni:v4.1.1-thick"}


def test_calico_transform_sets_the_pod_cidr():
    props = {"metadata": {"name": "calico-node"}, "spec": {"template": {"spec": {"containers": [
        {"name": "calico-node", "env": []}]}}}}
    res = calico_pool_transform("10.100.0.0/16")(pulumi.ResourceTransformArgs(
        True, "kubernetes:apps/v1:DaemonSet", "calico-node", props, pulumi.ResourceOptions()))
    assert res.props["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "CALICO_IPV4POOL_CIDR", "value": "10.100.0.0/16"},
        {"name": "IP_AUTODETECTION_METHOD", "value": "kubernetes-internal-ip"}]
    assert calico_pool_transform("x")(pulumi.ResourceTransformArgs(
        True, "kubernetes:v1:ConfigMap", "c", {"metadata": {"name": "calico-node"}}, pulumi.ResourceOptions())) is None
