"""The whole program under mocks, once per profile: what each stack registers, and in which order."""
from __future__ import annotations

import yaml

from tests.harness import run

NODE_CHAIN = ["node-images-base", "node-images-node", "node-images-crio", "node-images-no-acc", "node-images-acc"]


def _deps(result, name):
    return {d.split("::")[-1] for d in result.named(name).dependencies}


def test_full_profile_builds_the_five_node_images_in_chain_order():
    r = run("dev")
    names = [x.name for x in r.registrations]
    assert all(n in names for n in NODE_CHAIN)
    for parent, child in zip(NODE_CHAIN, NODE_CHAIN[1:]):
        assert parent in _deps(r, child), f"{child} must wait for {parent}"


def test_full_profile_has_harbor_function_images_cluster_and_provider():
    r = run("dev")
    assert r.by_type("harbor:index/project:Project")[0].inputs["name"] == "images"
    provider = r.by_type("pulumi:providers:harbor")[0]
    assert provider.inputs["insecure"] == "false"
    functions = {x.name.removeprefix("function-images-") for x in r.by_type("docker-build:index:Image")
                 if x.name.startswith("function-images-")}
    assert functions == {"cpufunc_calcapp", "cpufunc_sidecar", "rcv_video_tool", "cpufunc_gst",
                         "send_video_tool", "gpu_infer_tcp", "gpufunc_dsa"}
    assert "function-images-rcv_video_tool" in _deps(r, "function-images-cpufunc_gst")
    assert r.named("cluster-create").type == "command:local:Command"
    k8s = r.by_type("pulumi:providers:kubernetes")
    assert [p.name for p in k8s] == ["cluster-k8s"]
    assert k8s[0].inputs["kubeconfig"] == "[secret]"


def test_function_images_are_tagged_by_content_and_pushed_to_harbor():
    r = run("dev")
    calc = r.named("function-images-cpufunc_calcapp")
    assert calc.inputs["push"] is True
    tag = calc.inputs["tags"][0]
    assert tag.startswith("192.168.10.100/images/cpufunc_calcapp:") and len(tag.split(":")[-1]) == 16
    assert run("dev").named("function-images-cpufunc_calcapp").inputs["tags"] == [tag]


def test_dev_kind_config_puts_the_accelerator_image_on_the_first_worker_only():
    cfg = yaml.safe_load(run("dev").outputs["kindConfig"])
    roles = [n["role"] for n in cfg["nodes"]]
    assert roles == ["control-plane", "worker", "worker"]
    images = [n["image"] for n in cfg["nodes"]]
    assert "kind-node-acc:" in images[1]
    assert "kind-node-no-acc:" in images[0] and "kind-node-no-acc:" in images[2]
    assert cfg["networking"]["podSubnet"] == "10.100.0.0/16"
    for node in cfg["nodes"]:
        patch = yaml.safe_load(node["kubeadmConfigPatches"][0])
        assert patch["nodeRegistration"]["criSocket"] == "unix:///var/run/crio/crio.sock"
        ca = [m for m in node["extraMounts"] if m["containerPath"].startswith("/etc/containers/certs.d/")]
        assert ca and ca[0]["containerPath"] == "/etc/containers/certs.d/192.168.10.100/ca.crt"


def test_cpu_only_profile_has_no_accelerator_image_and_an_embedded_registry():
    r = run("cpu-only")
    names = {x.name for x in r.registrations}
    assert "node-images-acc" not in names and "node-images-no-acc" in names
    assert not r.by_type("pulumi:providers:harbor")
    container = r.named("registry-container")
    assert container.inputs["name"] == "laptop-registry"
    assert container.inputs["networksAdvanced"][0]["name"] == "kind"
    assert "cluster-create" in _deps(r, "registry-container")
    cfg = yaml.safe_load(r.outputs["kindConfig"])
    assert all("kind-node-acc" not in n["image"] for n in cfg["nodes"])
    conf = [m for m in cfg["nodes"][0]["extraMounts"] if "registries.conf.d" in m["containerPath"]]
    assert conf, "nodes must trust the embedded registry"
    assert r.outputs["registry"] == "localhost:5001"
    assert not {"function-images-gpu_infer_tcp", "function-images-gpufunc_dsa"} & names


def test_external_cluster_profile_has_no_kind_and_no_node_images():
    r = run("external")
    names = {x.name for x in r.registrations}
    assert not any(n.startswith("node-images") for n in names)
    assert not any(x.type == "command:local:Command" and "kind" in str(x.inputs.get("create", ""))
                   for x in r.registrations)
    assert r.by_type("openkasugai-aio:cluster:ExternalCluster")
    assert r.outputs["nodeNames"] == ["node-a", "node-b"]
    assert "kindConfig" not in r.outputs
    assert r.outputs["profile"] == "external"


def test_the_kubeconfig_output_stays_secret():
    r = run("dev")
    kubeconfig = r.named("cluster-kubeconfig")
    assert kubeconfig.inputs["logging"] == "none"


def test_default_kubernetes_provider_is_disabled_in_the_project():
    from settings.stackfile import load_stack_config
    _, config, _ = load_stack_config("dev")
    assert config["pulumi:disable-default-providers"] == '["kubernetes"]'


def test_host_operations_per_profile():
    full = run("dev")
    sriov = [x for x in full.by_type("pulumi-python:dynamic/host:HostOperation") if x.inputs["operation"] == "sriov"]
    assert sorted(x.name for x in sriov) == ["host-sriov-ens9f0np0", "host-sriov-ens9f1np1"]
    assert {x.inputs["spec"]["worker"] for x in sriov} == {"kind-worker", "kind-worker2"}
    gpu = [x for x in full.by_type("pulumi-python:dynamic/host:HostOperation") if x.inputs["operation"] == "gpu"]
    assert [x.name for x in gpu] == ["host-operations-gpu"] and gpu[0].inputs["spec"]["worker"] == "kind-worker"
    assert "host-operations-gpu" in _deps(full, "cluster-create"), \
        "the host driver is unloaded before the GPU worker boots (and restored after it is deleted)"
    for x in sriov:
        assert "cluster-create" in _deps(full, x.name), "devices are handed over once the nodes exist"
    laptop = run("cpu-only").by_type("pulumi-python:dynamic/host:HostOperation")
    assert [x.inputs["operation"] for x in laptop] == ["footprint"]  # its cluster name etc.; no device, no pages
    assert not run("external").by_type("pulumi-python:dynamic/host:HostOperation")  # nothing of this host


def test_sriov_dataflows_wait_for_the_vfs_to_be_reasserted():
    r = run("dev")
    reasserts = r.by_type("pulumi-python:dynamic/host:SriovReassert")
    assert reasserts
    flows = [x for x in r.by_type("kubernetes:example.com/v1:DataFlow")
             if x.inputs["metadata"]["name"] in ("df-calcapp-sriov", "df-cpu-p2c3", "df-cpu-p3c1")]
    assert len(flows) == 3
    for flow in flows:
        assert _deps(r, flow.name) & {x.name for x in reasserts}, flow.name


PREBUILT = {"cpufunc_calcapp": "registry.example.com/fn/cpufunc_calcapp:1.1.0",
            "cpufunc_sidecar": "registry.example.com/fn/cpufunc_sidecar:1.1.0",
            "cpufunc_gst": "registry.example.com/fn/cpufunc_gst:1.1.0",
            "send_video_tool": "registry.example.com/fn/send_video_tool:1.1.0"}


def test_prebuilt_function_images_build_nothing_and_manage_no_registry():
    r = run("external", {"registry": None, "registryPassword": None, "functionImages": PREBUILT,
                         "scenarios": ["calcapp-basic"]})
    types = {x.type for x in r.registrations}
    assert not any(t.startswith(("harbor:", "docker-build:", "docker:", "pulumi:providers:harbor")) for t in types)
    assert not any(x.name.startswith(("registry-", "function-images-")) for x in r.registrations)
    assert r.outputs["functionImages"] == PREBUILT
    assert r.outputs["registry"] is None
    text = "".join(str(x.inputs) for x in r.registrations if x.type.startswith("kubernetes:"))
    assert "registry.example.com/fn/cpufunc_calcapp:1.1.0" in text and "localhost/cpufunc" not in text
