"""The controller's seven ConfigMaps in `default`, for this host's CPU and GPU models.

functionkindmap, connectionkindmap, region-unique-info and function-unique-info come from the
checkout's sample-data-common (what k8s-config.sh creates), extended so that an unknown CPU or GPU
still gets a region. infrastructureinfo, deployinfo and filter-resize-ch are what InfoCollector
would write (docs/facts.md §3.2), computed here so nothing is compiled inside the nodes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from facts.shared import gpu_model_number

from .checkout import load_json

SAMPLE = "test/sample-data/sample-data-common/json"
NAMESPACE = "default"
COMMON = ("functionkindmap", "connectionkindmap", "region-unique-info", "function-unique-info")
COLLECTED = ("infrastructureinfo", "deployinfo", "filter-resize-ch")
# Stands in for the GPU's UUID where it cannot be known: only the offline preview gets this far without
# one (settings require hostGpuUuid otherwise). The controller would copy it into CUDA_VISIBLE_DEVICES.
UNKNOWN_GPU_UUID = "GPU-UNKNOWN-set-hostGpuUuid"
# Capacities the sample data gives the Xeon CPUs and the A100 (per socket for CPUs).
_NEW_REGION = {"maxFunctions": 110, "maxCapacity": 120}


@dataclass(frozen=True)
class HostModels:
    cpu_model: str
    cpu_sockets: int = 1
    gpu_model: Optional[str] = None
    gpu_uuid: Optional[str] = None  # the GPU-... UUID DCGM reports to InfoCollector; unknown: UNKNOWN_GPU_UUID


def gpu_device_type(model: str, devicetypemap: Sequence[dict[str, str]] = ()) -> str:
    """The deviceType/regionType of a GPU model: the sample's mapping, else its model number (H100 -> h100)."""
    for row in devicetypemap:
        if row["inputDeviceType"] == model:
            return row["outputDeviceType"]
    return gpu_model_number(model) or "gpu"  # a model without a number: settings refuse it for GPU scenarios


def _configmap(name: str, payload: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": NAMESPACE},
            "data": {f"{name}.json": json.dumps(payload, indent=2) + "\n"}}


def _add_region(regions: list[dict], model: str, name: str, region_type: str) -> None:
    if not any(r["subDeviceSpecRef"] == model for r in regions):
        regions.append({"subDeviceSpecRef": model, "functionTargets": [
            {"regionName": name, "regionType": region_type, **_NEW_REGION}]})


def tables(checkout: str | Path, host: HostModels, version: str = "v1.1.0") -> dict[str, Any]:
    """The sample JSON tables, extended with the host's models (also devicetypemap, used below)."""
    t = {n: load_json(checkout, f"{SAMPLE}/{n}.json", version) for n in COMMON + ("devicetypemap",)}
    types = t["devicetypemap"]
    if not any(r["inputDeviceType"] == host.cpu_model for r in types):
        types.append({"inputDeviceType": host.cpu_model, "outputDeviceType": "cpu"})
    _add_region(t["region-unique-info"], host.cpu_model, "cpu", "cpu")
    if host.gpu_model:
        gpu = gpu_device_type(host.gpu_model, types)
        if not any(r["inputDeviceType"] == host.gpu_model for r in types):
            types.append({"inputDeviceType": host.gpu_model, "outputDeviceType": gpu})
        if not any(r["deviceType"] == gpu for r in t["functionkindmap"]):
            t["functionkindmap"].append({"deviceType": gpu, "functionCRKind": "GPUFunction"})
        _add_region(t["region-unique-info"], host.gpu_model, gpu, gpu)
    return t


def _devices(node: str, host: HostModels, gpu_here: bool, types: list[dict]) -> list[tuple[str, dict]]:
    """(model, infrastructureinfo entry) per device, in InfoCollector's order: GPU, CPU, memory."""
    mapped = {r["inputDeviceType"]: r["outputDeviceType"] for r in types}
    out = []
    if gpu_here and host.gpu_model:
        # InfoCollector writes DCGM's UUID; WBFunction copies it into the GPUFunction's acceleratorIDs and
        # GPUFunction into CUDA_VISIBLE_DEVICES (controller v1.1.0 wbfunction_controller.go,
        # gpufunction_controller.go), so it must be the device's real UUID.
        uuid = host.gpu_uuid or UNKNOWN_GPU_UUID
        out.append((host.gpu_model, {"nodeName": node, "deviceUUID": uuid,
                                     "deviceType": mapped.get(host.gpu_model, host.gpu_model), "deviceIndex": 0}))
    out.append((host.cpu_model, {"nodeName": node, "deviceUUID": f"{node}-cpu0",
                                 "deviceType": mapped.get(host.cpu_model, host.cpu_model), "deviceIndex": 0}))
    out.append(("memory", {"nodeName": node, "deviceUUID": f"{node}-mem0", "deviceType": "memory",
                           "deviceIndex": 0}))
    return out


def _targets(model: str, regions: list[dict], sockets: int) -> list[dict]:
    out = []
    for region in (r for r in regions if r["subDeviceSpecRef"] == model):
        for ft in region["functionTargets"]:
            scale = sockets if ft["regionName"] == "cpu" else 1  # InfoCollector scales CPU regions by sockets
            t = {"regionType": ft["regionType"], "regionName": ft["regionName"]}
            t.update({k: ft[k] * scale for k in ("maxFunctions", "maxCapacity") if k in ft})
            out.append(t)
    return out


def _filter_resize(childbs: dict) -> dict:
    keys = ("port", "dmaChannelID", "lldmaConnectorID")
    side = lambda s: {"protocol": {p: {k: d[k] for k in keys if k in d} for p, d in sorted(s["protocol"].items())}}
    return {"functionKernels": [
        {"partitionName": k["partitionName"], "functionChannelIDs": [
            {"functionChannelID": c["functionChannelID"], "rx": side(c["rx"]), "tx": side(c["tx"])}
            for c in k["functionChannelIDs"]]}
        for k in childbs["functionKernels"]]}


def configmaps(checkout: str | Path, host: HostModels, workers: Sequence[str], gpu_node: Optional[str] = None,
               version: str = "v1.1.0") -> list[dict[str, Any]]:
    """All seven ConfigMaps: the four common ones, then infrastructureinfo, deployinfo, filter-resize-ch."""
    t = tables(checkout, host, version)
    infra, deploy = [], []
    for node in workers:
        for model, entry in _devices(node, host, node == gpu_node, t["devicetypemap"]):
            infra.append(entry)
            if entry["deviceType"] != "memory":
                # subDeviceSpecRef is InfoCollector's internal key, not in its ConfigMap type; consumers
                # ignore unknown JSON keys, and it tells the reader which model the regions came from.
                deploy.append({"nodeName": node, "deviceUUID": entry["deviceUUID"], "subDeviceSpecRef": model,
                               "functionTargets": _targets(model, t["region-unique-info"], host.cpu_sockets)})
    childbs = load_json(checkout, f"{SAMPLE}/filter-resize-childbs.json", version)
    return ([_configmap(n, t[n]) for n in COMMON]
            + [_configmap("infrastructureinfo", {"devices": infra}), _configmap("deployinfo", {"devices": deploy}),
               _configmap("filter-resize-ch", _filter_resize(childbs))])
