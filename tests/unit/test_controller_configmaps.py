"""ConfigMap generation for several hosts: what k8s-config.sh plus InfoCollector would have produced."""
import json

import pytest

from renderers.openkasugai import configmaps as cm
from tests.harness import CONTROLLER_CHECKOUT as CHECKOUT

XEON = "Intel(R) Xeon(R) Gold 6348 CPU @ 2.60GHz"  # known to the sample data
EPYC = "AMD EPYC 9654 96-Core Processor"  # unknown
WORKERS = ["kind-worker", "kind-worker2"]


def render(cpu, gpu=None, sockets=1, gpu_node="kind-worker", uuid=None):
    maps = cm.configmaps(CHECKOUT, cm.HostModels(cpu, sockets, gpu, uuid), WORKERS, gpu_node if gpu else None)
    return {m["metadata"]["name"]: json.loads(next(iter(m["data"].values()))) for m in maps}


HOSTS = [  # cpu, gpu, sockets, expected gpu type, expected cpu targets per node
    (XEON, "NVIDIA A100 80GB PCIe", 2, "a100", (220, 240)),
    (XEON, "NVIDIA H100 80GB HBM3", 1, "h100", (110, 120)),
    (EPYC, "Tesla T4", 1, "t4", (110, 120)),
    (EPYC, None, 2, None, (220, 240)),
]


@pytest.mark.parametrize("cpu,gpu,sockets,gpu_type,cpu_caps", HOSTS)
def test_every_host_gets_regions_for_its_cpu_and_gpu(cpu, gpu, sockets, gpu_type, cpu_caps):
    m = render(cpu, gpu, sockets)
    assert set(m) == set(cm.COMMON + cm.COLLECTED)
    regions = {r["subDeviceSpecRef"]: r for r in m["region-unique-info"]}
    assert cpu in regions and len(m["region-unique-info"]) == len(regions)  # no duplicates
    deploy = m["deployinfo"]["devices"]
    cpu_rows = [d for d in deploy if d["deviceUUID"].endswith("-cpu0")]
    assert [d["nodeName"] for d in cpu_rows] == WORKERS
    for row in cpu_rows:
        assert row["subDeviceSpecRef"] == cpu
        (t,) = row["functionTargets"]
        assert (t["regionType"], t["maxFunctions"], t["maxCapacity"]) == ("cpu", *cpu_caps)
    infra = m["infrastructureinfo"]["devices"]
    assert {d["deviceType"] for d in infra if d["deviceUUID"].endswith("-cpu0")} == {"cpu"}
    gpus = [d for d in infra if d["deviceType"] not in ("cpu", "memory")]
    if gpu is None:
        assert gpus == [] and len(deploy) == 2
    else:
        assert [(g["nodeName"], g["deviceType"]) for g in gpus] == [("kind-worker", gpu_type)]
        assert {"deviceType": gpu_type, "functionCRKind": "GPUFunction"} in m["functionkindmap"]
        (row,) = [d for d in deploy if d["deviceUUID"] == gpus[0]["deviceUUID"]]
        assert row["functionTargets"][0]["regionType"] == gpu_type and gpu in regions


def test_known_models_are_not_added_twice():
    m = render(XEON, "NVIDIA A100 80GB PCIe")
    sample = json.loads((CHECKOUT / cm.SAMPLE / "region-unique-info.json").read_text())
    assert m["region-unique-info"] == sample
    assert len(m["functionkindmap"]) == 4


def test_memory_device_is_listed_but_has_no_regions():
    m = render(EPYC)
    mem = [d for d in m["infrastructureinfo"]["devices"] if d["deviceType"] == "memory"]
    assert [d["deviceUUID"] for d in mem] == ["kind-worker-mem0", "kind-worker2-mem0"]
    assert not any(d["deviceUUID"].endswith("-mem0") for d in m["deployinfo"]["devices"])


def test_gpu_uuid_is_used_when_known():
    m = render(XEON, "Tesla T4", uuid="GPU-1234")
    assert "GPU-1234" in [d["deviceUUID"] for d in m["infrastructureinfo"]["devices"]]


def test_an_unknown_gpu_uuid_is_a_visible_placeholder_not_a_made_up_device_name():
    # controller v1.1.0: WBFunction copies deviceUUID into acceleratorIDs, GPUFunction into
    # CUDA_VISIBLE_DEVICES; "<node>-gpu0" looked plausible and hid the GPU from every GPU pod.
    m = render(XEON, "Tesla T4")
    (gpu,) = [d for d in m["infrastructureinfo"]["devices"] if d["deviceType"] == "t4"]
    assert gpu["deviceUUID"] == cm.UNKNOWN_GPU_UUID and "hostGpuUuid" in cm.UNKNOWN_GPU_UUID
    assert gpu["deviceUUID"] in [d["deviceUUID"] for d in m["deployinfo"]["devices"]]


def test_filter_resize_ch_drops_the_channel_list_like_infocollector():
    fr = render(EPYC)["filter-resize-ch"]
    assert [k["partitionName"] for k in fr["functionKernels"]] == ["0", "1"]
    ch = fr["functionKernels"][1]["functionChannelIDs"][0]
    assert "functionChannelIDList" not in fr["functionKernels"][0]
    assert ch["rx"]["protocol"]["DMA"] == {"port": 12308, "dmaChannelID": 8, "lldmaConnectorID": 8}


def test_configmap_keys_are_named_after_the_files():
    for m in cm.configmaps(CHECKOUT, cm.HostModels(EPYC), WORKERS):
        assert list(m["data"]) == [f"{m['metadata']['name']}.json"] and m["metadata"]["namespace"] == "default"


@pytest.mark.parametrize("model,want", [
    ("Tesla T4", "t4"), ("NVIDIA A100 80GB PCIe", "a100"), ("NVIDIA A100-SXM4-40GB", "a100"),
    ("NVIDIA H100 80GB HBM3", "h100"), ("NVIDIA L40S", "l40s"), ("NVIDIA RTX A6000", "a6000"),
    ("NVIDIA GeForce RTX 4090", "gpu"),
])
def test_gpu_device_type(model, want):
    types = json.loads((CHECKOUT / cm.SAMPLE / "devicetypemap.json").read_text())
    assert cm.gpu_device_type(model, types) == want
