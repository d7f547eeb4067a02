"""Settings that depend on the host: the GPU UUID, external clusters, the kind checkout, hugepages."""
from __future__ import annotations

from pathlib import Path

import pytest

from settings import SettingsError
from tests.unit.test_settings import ROOT, _load, full, host  # noqa: F401  (host is a fixture)

# The controller copies the GPU's deviceUUID into CUDA_VISIBLE_DEVICES (controller v1.1.0
# GPUFunction gpufunction_controller.go), so a GPU worker needs the real UUID (issue 9, item 4).
UUID = "GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b"


def test_the_gpu_uuid_read_on_the_host_is_used(host):
    assert _load(full(host), host_gpu_uuid=UUID).host_gpu_uuid == UUID


def test_the_stack_key_wins_over_the_host_and_stands_in_where_the_host_cannot_tell(host):
    other = "GPU-00000000-1111-2222-3333-444444444444"
    assert _load({**full(host), "hostGpuUuid": other}, host_gpu_uuid=UUID).host_gpu_uuid == other
    assert _load({**full(host), "hostGpuUuid": other}, host_gpu_uuid="").host_gpu_uuid == other


def test_a_gpu_worker_without_a_known_uuid_fails_on_the_kind_host_and_warns_offline(host):
    with pytest.raises(SettingsError) as err:
        _load(full(host), host_gpu_uuid="")
    assert [p for p in err.value.problems if p.startswith("hostGpuUuid: required when a worker has gpu: true")]
    warnings: list = []
    assert _load(full(host), host_files=False, warnings=warnings, host_gpu_uuid="").host_gpu_uuid == ""
    assert [w for w in warnings if w.startswith("hostGpuUuid:") and "needed on the kind-host" in w]


def test_no_gpu_worker_needs_no_uuid(host):
    values = {**full(host), "workers": [{}, {}], "scenarios": ["calcapp-basic"]}
    assert _load(values, host_gpu_uuid="").host_gpu_uuid == ""


def _external_gpu(host: Path, **extra) -> dict:
    values = {**full(host), "externalKubeconfig": str(ROOT / "tests/stacks/external-kubeconfig.yaml"),
              "workers": [{"name": "node-a", "gpu": True}, {"name": "node-b"}],
              "hostCpuModel": "Intel(R) Xeon(R) Gold 6348 CPU @ 2.60GHz", "scenarios": ["calcapp-basic"]}
    return {k: v for k, v in {**values, **extra}.items() if k not in ("gpuDriverFile", "sriovIpam")}


def test_an_external_clusters_gpu_is_named_by_the_stack_not_read_from_this_host(host):
    with pytest.raises(SettingsError) as err:
        _load(_external_gpu(host), host_gpu_uuid=UUID)  # this host's own GPU must not be taken for theirs
    assert {p.split(":")[0] for p in err.value.problems} == {"hostGpuModel", "hostGpuUuid"}
    other = "GPU-00000000-1111-2222-3333-444444444444"
    s = _load(_external_gpu(host, hostGpuModel="NVIDIA A100 80GB PCIe", hostGpuUuid=other), host_gpu_uuid=UUID)
    assert (s.profile, s.gpu_worker.node, s.host_gpu_uuid) == ("external", "node-a", other)


def test_an_external_cluster_still_gets_no_sriov_pfs(host):
    values = _external_gpu(host, hostGpuModel="NVIDIA A100 80GB PCIe", hostGpuUuid=UUID,
                           workers=[{"name": "node-a", "sriov": {"pf": "ens9f0np0", "vfs": 8,
                                                                 "address": "192.168.20.2/24"}}])
    with pytest.raises(SettingsError) as err:
        _load(values)
    assert any(p.startswith("workers[0]: SR-IOV PFs (sriov) cannot be handed") for p in err.value.problems)


def test_a_kind_checkout_without_go_version_fails_on_the_kind_host(host):
    # kind v0.24.0 images/base/Dockerfile declares ARG GO_VERSION with no default; its Makefile reads
    # the checkout's .go-version: a folder without it cannot build the base image.
    (host / "kind/.go-version").unlink()
    with pytest.raises(SettingsError) as err:
        _load(full(host))
    assert [p.split(";")[0] for p in err.value.problems if p.startswith("kindSource")] == [
        f"kindSource: has no {host}/kind/.go-version"]


def test_hugepages1gi_defaults_to_what_the_fpga_agents_need_and_0_leaves_the_pool_alone(host):
    assert _load(full(host)).hugepages_1g == 16
    assert _load({**full(host), "fpgaAgents": False}).hugepages_1g == 0
    assert _load({**full(host), "fpgaAgents": False, "hugepages1Gi": 4}).hugepages_1g == 4
    assert _load({**full(host), "fpgaAgents": False, "hugepages1Gi": 0}).hugepages_1g == 0
    assert _load({**full(host), "hugepages1Gi": 32}).hugepages_1g == 32


def test_an_external_cluster_reserves_no_hugepages_on_this_host_and_says_the_key_is_ignored(host):
    warnings = []
    s = _load(_external_gpu(host, hostGpuModel="NVIDIA A100 80GB PCIe", hostGpuUuid=UUID, hugepages1Gi=8),
              warnings=warnings)
    assert s.hugepages_1g == 0
    assert any(w.startswith("hugepages1Gi: ignored") for w in warnings), warnings


A100 = "NVIDIA A100 80GB PCIe"
# (case, config changes, the model this host's GPU reports: None not looked, "" none), refused?
GPU_MODEL = [
    ("GPU scenario, no hostGpuModel, no GPU on this host", {}, "", True),
    ("GPU scenario, hostGpuModel given", {"hostGpuModel": A100}, "", False),
    ("GPU scenario, this host reports its GPU", {}, A100, False),
    ("GPU scenario, the caller did not look at this host", {}, None, False),
    ("no GPU scenario", {"scenarios": ["calcapp-basic", "p1c1"]}, "", False),
]


@pytest.mark.parametrize("case,changes,host_model,refused", GPU_MODEL, ids=[c[0] for c in GPU_MODEL])
def test_a_gpu_scenario_needs_a_known_gpu_model(host, case, changes, host_model, refused):
    values = {**full(host), **changes}
    if not refused:
        _load(values, host_gpu_model=host_model)
        return
    with pytest.raises(SettingsError) as err:
        _load(values, host_gpu_model=host_model)
    assert [p.split(": ")[0] for p in err.value.problems] == ["scenarios"]
    assert "set hostGpuModel" in err.value.problems[0] and "drop p2c3" in err.value.problems[0]
