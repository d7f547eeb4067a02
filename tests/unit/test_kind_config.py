"""The kind config renderer (pure)."""
from __future__ import annotations

import dataclasses

import yaml

from renderers import kind_config
from settings import Registry, Settings, SriovPf, Worker
from settings.model import ControllerSettings

IMAGES = {"no-acc": "r/no-acc:1", "acc": "r/acc:1"}


def _settings(**kw) -> Settings:
    base = Settings(
        stack="t", cluster_name="alice", kubernetes_version="v1.31.0", pod_subnet="10.100.0.0/16",
        kind_network_subnet="172.18.0.0/16",
        workers=(Worker("alice-worker", gpu=True, sriov=SriovPf("ens9f0np0", 8, "192.168.20.2/24")),
                 Worker("alice-worker2")),
        crio_version="1.31", gpu_driver_file="/d.run", kind_source="", kubernetes_source="",
        registry=Registry(host="192.168.10.100", project="images", ca_file="/etc/ca.crt"),
        metallb_addresses=("172.18.9.0", "172.18.9.10"), sriov_ipam=None,
        controller=ControllerSettings("/c", "v1.1.0", "ghcr.io/openkasugai/controller", "x", True),
        image_mirror="", video_dir="/videos", external_kubeconfig="", host_claims_dir="/var/lib/x", host_root="/", management_address="",
        host_cpu_model="", host_gpu_model="", scenarios=(), multi_worker=False, verify_scenarios=False,
        addon_manifests="", source_cache="", kubernetes_build="release", hugepages_1g=0, prebuilt_images=(),
        host_gpu_uuid="")
    return dataclasses.replace(base, **kw)


def test_nodes_follow_the_workers_and_the_gpu():
    cfg = kind_config.render(_settings(), IMAGES)
    assert [(n["role"], n["image"]) for n in cfg["nodes"]] == [
        ("control-plane", "r/no-acc:1"), ("worker", "r/acc:1"), ("worker", "r/no-acc:1")]
    assert cfg["name"] == "alice" and cfg["networking"]["disableDefaultCNI"] is True


def test_every_node_uses_crio_and_trusts_the_harbor_ca():
    for node in kind_config.render(_settings(), IMAGES)["nodes"]:
        patch = yaml.safe_load(node["kubeadmConfigPatches"][0])
        assert patch["kind"] == ("InitConfiguration" if node["role"] == "control-plane" else "JoinConfiguration")
        assert patch["nodeRegistration"]["criSocket"] == kind_config.CRIO_SOCKET
        assert {"hostPath": "/etc/ca.crt", "containerPath": "/etc/containers/certs.d/192.168.10.100/ca.crt",
                "readOnly": True} in node["extraMounts"]


def test_videos_are_mounted_on_the_gpu_worker_only():
    nodes = kind_config.render(_settings(), IMAGES)["nodes"]
    with_video = [i for i, n in enumerate(nodes) if any(m["containerPath"] == kind_config.VIDEO_NODE_PATH
                                                        for m in n["extraMounts"])]
    assert with_video == [1]


def test_embedded_registry_is_trusted_through_a_registries_conf_mirror():
    s = _settings(registry=Registry(local_port=5001))
    nodes = kind_config.render(s, IMAGES, "/state/alice-registries.conf")["nodes"]
    assert all({"hostPath": "/state/alice-registries.conf", "containerPath": kind_config.REGISTRIES_CONF_NODE_PATH,
                "readOnly": True} in n["extraMounts"] for n in nodes)
    conf = kind_config.registries_conf(s)
    assert 'location = "localhost:5001"' in conf and 'location = "alice-registry:5000"' in conf


def test_kubeadm_waits_20_minutes_for_a_control_plane_whose_images_crio_pulls_at_boot():
    nodes = kind_config.render(_settings(), IMAGES)["nodes"]
    waits = [[p for p in map(yaml.safe_load, node["kubeadmConfigPatches"]) if p["kind"] == "ClusterConfiguration"]
             for node in nodes]
    assert waits[0] == [{"kind": "ClusterConfiguration", "apiServer": {"timeoutForControlPlane": "20m0s"}}]
    assert not any(waits[1:])  # joins: the control plane is up by then, and only it runs kubeadm init


def test_yaml_has_no_anchors_and_readable_patches():
    text = kind_config.render_yaml(_settings(), IMAGES)
    assert "&id" not in text and "criSocket: unix:///var/run/crio/crio.sock" in text


def test_image_mirror_covers_what_crio_nodes_pull_before_any_add_on():
    # issue 17 item 7: kind imports its images into containerd only (pkg/build/nodeimage/imageimporter.go),
    # so CRI-O pulls kubeadm's control-plane images, the pause image and CoreDNS from registry.k8s.io.
    s = _settings(image_mirror="mirror.lan:5000/hub/")
    conf = kind_config.registries_conf(s)
    import tomllib
    entries = {r["prefix"]: r for r in tomllib.loads(conf)["registry"]}
    assert set(entries) == {"registry.k8s.io", "docker.io", "ghcr.io", "quay.io"}
    assert all(r["mirror"] == [{"location": "mirror.lan:5000/hub"}] for r in entries.values())
    nodes = kind_config.render(s, IMAGES, "/state/alice-registries.conf")["nodes"]
    for node in nodes:
        paths = [m["containerPath"] for m in node["extraMounts"]]
        assert kind_config.REGISTRIES_CONF_NODE_PATH in paths
        assert "/etc/containers/certs.d/192.168.10.100/ca.crt" in paths  # Harbor's CA still mounted


def test_without_embedded_registry_or_mirror_no_registries_conf_is_written():
    assert kind_config.registries_conf(_settings()) == ""
    paths = [m["containerPath"] for n in kind_config.render(_settings(), IMAGES)["nodes"] for m in n["extraMounts"]]
    assert kind_config.REGISTRIES_CONF_NODE_PATH not in paths
