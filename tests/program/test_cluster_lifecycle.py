"""How the Kind cluster is created and torn down, and what is tied to it (issue 9, items 6-8)."""
from __future__ import annotations

import pytest

from preview import output
from tests.harness import run

HOST_OPERATION = "pulumi-python:dynamic/host:HostOperation"
HOST_SIDE = ("pulumi-python:dynamic/host:", "docker-build:", "harbor:", "docker:", "command:local:Command")


def _short(urn: str) -> str:
    return urn.split("::")[-1]


@pytest.fixture(scope="module")
def dev():
    return run("dev")


def test_kind_create_does_not_wait_for_nodes_that_cannot_be_ready_before_calico(dev):
    # kind's waitforready action (kubernetes-sigs/kind pkg/cluster/internal/create/actions/waitforready)
    # waits for Ready nodes and, on timeout, only warns: with disableDefaultCNI nothing is Ready before
    # Calico, so `--wait 5m` cost five minutes on every create.
    create = dev.named("cluster-create").inputs["create"]
    assert "kind create cluster --name kind --config -" in create
    assert "--wait" not in create


def test_calico_waits_for_readiness_and_everything_needing_pod_networking_waits_for_calico(dev):
    # What replaces `--wait`: yaml/v2 awaits the Calico DaemonSet; the other bundles depend on it.
    bundles = {r.name: r for r in dev.registrations if r.type.startswith(("kubernetes:yaml", "kubernetes:kustomize"))}
    calico = bundles.pop("addons-calico")
    assert "pulumi.com/skipAwait" not in str(calico.inputs)
    deps = {r.urn: set(r.dependencies) for r in dev.registrations}

    def waits_for(urn: str, target: str, seen=frozenset()) -> bool:
        return target in deps[urn] or any(waits_for(d, target, seen | {urn})
                                          for d in deps[urn] - seen if d in deps)
    for name, b in bundles.items():
        assert waits_for(b.urn, calico.urn), f"{name} must wait for Calico"


@pytest.mark.parametrize("stack", ["dev", "cpu-only"])
def test_every_in_cluster_object_is_deleted_with_the_kind_cluster(stack, dev):
    # pulumi ResourceOptions.deleted_with (SDK 3.272 pulumi/resource.py): no Delete call when the named
    # resource is deleted too; `kind delete cluster` removes everything inside, so nothing is left to
    # hang in Terminating (Calico's ServiceAccount gone before its pods).
    result = dev if stack == "dev" else run(stack)
    in_cluster = [r for r in result.registrations
                  if output.is_object(r) or r.type.startswith(("kubernetes:yaml", "kubernetes:kustomize"))]
    assert len(in_cluster) > 50
    assert {_short(r.deleted_with) for r in in_cluster} == {"cluster-create"}
    for r in result.registrations:
        if r.type.startswith(HOST_SIDE) or r.type.startswith("pulumi:providers:"):
            assert not r.deleted_with, f"{r.name} lives outside the cluster and is deleted on its own"


def test_the_external_profile_deletes_each_object_itself():
    result = run("external")
    assert any(output.is_object(r) for r in result.registrations)
    assert all(not r.deleted_with for r in result.registrations)
    assert all(entry["deletedWith"] is None for entry in output.resources(result))


def test_resources_json_names_what_each_resource_is_deleted_with(dev):
    entries = {e["name"]: e for e in output.resources(dev)}
    assert all("deletedWith" in e for e in entries.values())
    assert entries["controller-namespace-topologyinfo"]["deletedWith"] == "cluster-create"
    assert entries["addons-calico"]["deletedWith"] == "cluster-create"
    assert entries["cluster-create"]["deletedWith"] is None
    assert entries["host-sriov-ens9f0np0"]["deletedWith"] is None


def test_sriov_attachments_are_replaced_with_the_cluster(dev):
    # A new cluster has new worker containers; an attachment kept would hold the old worker's PID.
    # pulumi ResourceOptions.replace_with (SDK 3.272): replaced whenever a listed resource is replaced.
    cluster = dev.named("cluster-create").urn
    attachments = [r for r in dev.by_type(HOST_OPERATION) if r.inputs["operation"] == "sriov"]
    assert len(attachments) == 2
    for a in attachments:
        assert a.replace_with == (cluster,), a.name
        assert cluster in a.dependencies
    assert not dev.named("host-operations-gpu").replace_with  # made before the cluster; the cluster needs it


def test_sriov_device_plugin_starts_after_the_pfs_are_in_the_workers(dev):
    # sriov-network-device-plugin cmd/sriovdp/main.go discovers devices once, before serving.
    deps = {_short(d) for d in dev.named("addons-sriov-device-plugin").dependencies}
    assert {"host-sriov-ens9f0np0", "host-sriov-ens9f1np1"} <= deps


def _gpu_uuids(result) -> set[str]:
    import json
    maps = {r.inputs["metadata"]["name"]: r for r in result.by_type("kubernetes:core/v1:ConfigMap")
            if r.name.startswith("controller-")}
    out = set()
    for name in ("infrastructureinfo", "deployinfo"):
        devices = json.loads(next(iter(maps[name].inputs["data"].values())))["devices"]
        out |= {d["deviceUUID"] for d in devices if d["nodeName"] == "kind-worker"
                and not d["deviceUUID"].endswith(("-cpu0", "-mem0"))}
    return out


def test_the_gpu_device_uuid_is_the_stack_key_or_the_hosts_never_made_up(dev):
    # controller v1.1.0 copies deviceUUID into CUDA_VISIBLE_DEVICES (GPUFunction gpufunction_controller.go).
    from host.probe import host_facts
    from renderers.openkasugai.configmaps import UNKNOWN_GPU_UUID
    assert _gpu_uuids(dev) == {host_facts().gpu_uuid or UNKNOWN_GPU_UUID}
    uuid = "GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b"
    assert _gpu_uuids(run("dev", {"hostGpuUuid": uuid})) == {uuid}


def test_preview_warns_about_the_unknown_gpu_uuid_and_strict_refuses_it(tmp_path, capsys):
    from host.probe import host_facts
    from preview.__main__ import main
    known = bool(host_facts().gpu_uuid)  # a machine whose NVIDIA driver reports it needs no key
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet"]) == 0
    assert ("warning: hostGpuUuid: required when a worker has gpu: true" in capsys.readouterr().err) is not known
    main(["--stack", "dev", "--out", str(tmp_path), "--quiet", "--strict"])
    assert ("\nhostGpuUuid: required" in "\n" + capsys.readouterr().err) is not known


def test_an_external_gpu_node_gets_the_uuid_the_stack_names():
    result = run("external-gpu")
    assert not result.by_type("pulumi-python:dynamic/host:HostOperation")
    import json
    (infra,) = [r for r in result.by_type("kubernetes:core/v1:ConfigMap")
                if r.inputs["metadata"]["name"] == "infrastructureinfo"]
    devices = json.loads(next(iter(infra.inputs["data"].values())))["devices"]
    gpus = [(d["nodeName"], d["deviceUUID"]) for d in devices if d["deviceType"] == "a100"]
    assert gpus == [("node-a", "GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b")]
    assert all(not r.deleted_with for r in result.registrations)
