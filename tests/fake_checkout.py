"""A small controller-like checkout written by the tests themselves (nothing in it comes from upstream).

It has the layout and the names the renderers read from an openkasugai/controller v1.1.0 checkout: the
20 CRDs in their owning modules' config/crd (with permissive schemas), the kubebuilder config/default
trees of the three controllers, the six agents' sample DaemonSets, the sample-data-common JSON tables,
the all-in-one scenario files and, optionally, stub Dockerfiles for the function images. Its values
are made up for the tests; the upstream-conformance tests check the real files (OPENKASUGAI_AIO_REFERENCE).
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from facts.function_catalog import FUNCTION_IMAGES
from renderers.openkasugai import configmaps, crds, workloads
from scenarios.catalog import CATALOG

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: the checkout is written per test process
XEON = "Intel(R) Xeon(R) Gold 6348 CPU @ 2.60GHz"
_OBJ = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_SPEC = {  # the fields the scenario objects set, typed so that a wrong type is caught
    "DataFlow": {"functionChainRef": _OBJ, "requirements": _OBJ, "userRequirement": {"type": "string"}},
    "FunctionChain": {"functions": _OBJ, "connections": {"type": "array", "items": _OBJ},
                      "functionTypeNamespace": {"type": "string"}, "connectionTypeNamespace": {"type": "string"}},
    "FunctionType": {"functionName": {"type": "string"}, "functionInfoCMRef": _OBJ, "version": {"type": "string"}},
}


def _write(root: Path, rel: str, content) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if not isinstance(content, str):
        docs = content if isinstance(content, list) else [content]
        content = yaml.dump_all(docs, Dumper=_DUMPER, sort_keys=False)
    path.write_text(content)


# Upstream's subresources per CRD (controller-gen writes `status: {}` where the type has a status
# marker, `{}` or nothing elsewhere); the stand-in controller PATCHes /status, which exists only with it.
_STATUS_SUBRESOURCE = {"DataFlow", "FunctionChain", "FunctionType", "ConnectionType", "FunctionTarget",
                       "ConnectionTarget", "SchedulingData", "TopologyInfo"}
_NO_SUBRESOURCES = {"ComputeResource", "DeviceInfo", "FPGA", "ChildBs"}


def _subresources(kind: str) -> dict:
    if kind in _NO_SUBRESOURCES:
        return {}
    return {"subresources": {"status": {}} if kind in _STATUS_SUBRESOURCE else {}}


def _crd(c: crds.Crd) -> dict:
    plural, group = c.name.split(".", 1)
    spec = {"type": "object", "properties": _SPEC.get(c.kind, {}), "x-kubernetes-preserve-unknown-fields": True}
    schema = {"type": "object", "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                               "metadata": {"type": "object"}, "spec": spec, "status": _OBJ}}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": c.name},
            "spec": {"group": group, "names": {"kind": c.kind, "plural": plural, "singular": c.kind.lower(),
                                               "listKind": f"{c.kind}List"},
                     "scope": "Namespaced", "versions": [{"name": "v1", "served": True, "storage": True,
                                                          "schema": {"openAPIV3Schema": schema},
                                                          **_subresources(c.kind)}]}}


def _crds(root: Path) -> None:
    by_module: dict[str, list[str]] = {}
    for c in crds.CANONICAL:
        _write(root, c.file, _crd(c))
        by_module.setdefault(c.module, []).append(c.file.rsplit("/config/crd/", 1)[1])
    for module, files in by_module.items():
        _write(root, f"src/{module}/config/crd/kustomization.yaml", "resources:\n" + "".join(f"- {f}\n" for f in files))


def _controller(root: Path, m: workloads.Workload) -> None:
    base = f"src/{m.module}/config"
    prefix = m.image
    _write(root, f"{base}/default/kustomization.yaml", {
        "namespace": f"{prefix}-system", "namePrefix": f"{prefix}-",
        "resources": ["../crd", "../rbac", "../manager"], "patchesStrategicMerge": ["manager_auth_proxy_patch.yaml"]})
    args = ["--leader-elect"] + (["--topologyinfo-namespace=topologyinfo"] if m.module == "whitebox-k8s-flowctrl" else [])
    _write(root, f"{base}/default/manager_auth_proxy_patch.yaml", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "controller-manager", "namespace": "system"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "kube-rbac-proxy", "image": "example.invalid/kube-rbac-proxy:v0",
             "args": ["--secure-listen-address=0.0.0.0:8443", "--upstream=http://127.0.0.1:8080/"]},
            {"name": "manager", "args": ["--metrics-bind-address=127.0.0.1:8080", *args]}]}}}})
    _write(root, f"{base}/manager/kustomization.yaml", {
        "resources": ["manager.yaml"], "images": [{"name": "controller", "newName": f"localhost/{m.image}",
                                                   "newTag": "latest"}]})
    labels = {"control-plane": "controller-manager"}
    _write(root, f"{base}/manager/manager.yaml", [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "system", "labels": labels}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "controller-manager", "namespace": "system", "labels": labels},
         "spec": {"selector": {"matchLabels": labels}, "replicas": 1,
                  "template": {"metadata": {"labels": labels}, "spec": {
                      "containers": [{"name": "manager", "image": "controller:latest", "command": ["/manager"],
                                      "args": ["--leader-elect"]}],
                      "serviceAccountName": "controller-manager"}}}}])
    _write(root, f"{base}/rbac/kustomization.yaml", {"resources": ["service_account.yaml", "role.yaml",
                                                                   "role_binding.yaml"]})
    _write(root, f"{base}/rbac/service_account.yaml", {
        "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "controller-manager", "namespace": "system"}})
    _write(root, f"{base}/rbac/role.yaml", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "manager-role"},
        "rules": [{"apiGroups": ["example.com"], "resources": ["*"], "verbs": ["*"]}]})
    _write(root, f"{base}/rbac/role_binding.yaml", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "manager-rolebinding"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "manager-role"},
        "subjects": [{"kind": "ServiceAccount", "name": "controller-manager", "namespace": "system"}]})


def _agent(root: Path, m: workloads.Workload) -> None:
    container = {"name": m.image, "image": f"localhost/{m.image}:1.1.0",
                 "volumeMounts": [{"name": "kubeconfig", "mountPath": "/kube/config"}]}
    if m.module == "PCIeConnection":
        pages = {"hugepages-1Gi": "16Gi", "memory": "1Gi"}
        container["resources"] = {"requests": dict(pages), "limits": dict(pages)}
    labels = {"app": f"crc-{m.image}"}
    _write(root, m.sample, {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": f"crc-{m.image}-daemon"},
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
            "containers": [container],
            "volumes": [{"name": "kubeconfig", "hostPath": {"path": "/etc/k8s_node/config"}}]}}}})


def _tables(root: Path) -> None:
    cpu_region = {"regionName": "cpu", "regionType": "cpu", "maxFunctions": 110, "maxCapacity": 120}
    tables = {
        "functionkindmap": [{"deviceType": "alveou250", "functionCRKind": "FPGAFunction"},
                            {"deviceType": "t4", "functionCRKind": "GPUFunction"},
                            {"deviceType": "a100", "functionCRKind": "GPUFunction"},
                            {"deviceType": "cpu", "functionCRKind": "CPUFunction"}],
        "connectionkindmap": [{"connectionMethod": "host-mem", "connectionCRKind": "PCIeConnection"},
                              {"connectionMethod": "host-100gether", "connectionCRKind": "EthernetConnection"}],
        "devicetypemap": [{"inputDeviceType": "Tesla T4", "outputDeviceType": "t4"},
                          {"inputDeviceType": "NVIDIA A100 80GB PCIe", "outputDeviceType": "a100"},
                          {"inputDeviceType": XEON, "outputDeviceType": "cpu"}],
        "region-unique-info": [
            {"subDeviceSpecRef": "Tesla T4", "functionTargets": [
                {"regionName": "t4", "regionType": "t4", "maxFunctions": 110, "maxCapacity": 120}]},
            {"subDeviceSpecRef": "NVIDIA A100 80GB PCIe", "functionTargets": [
                {"regionName": "a100", "regionType": "a100", "maxFunctions": 110, "maxCapacity": 120}]},
            {"subDeviceSpecRef": XEON, "functionTargets": [cpu_region]}],
        "function-unique-info": [{"functionID": 0, "functionName": "filter-resize", "maxDataFlows": 8,
                                  "maxCapacity": 40}],
    }
    for name, payload in tables.items():
        _write(root, f"{configmaps.SAMPLE}/{name}.json", json.dumps(payload, indent=2))

    def channel(n: int) -> dict:
        side = {"protocol": {"DMA": {"port": 12300 + n, "dmaChannelID": n, "lldmaConnectorID": n, "extra": 1}}}
        return {"functionChannelID": n, "rx": side, "tx": side}
    childbs = {"functionKernels": [
        {"partitionName": "0", "functionChannelIDList": [0], "functionChannelIDs": [channel(0)]},
        {"partitionName": "1", "functionChannelIDList": [8], "functionChannelIDs": [channel(8)]}]}
    _write(root, f"{configmaps.SAMPLE}/filter-resize-childbs.json", json.dumps(childbs, indent=2))


def _functions(scenario) -> list[tuple[str, str, bool]]:
    """(key, functionName, gpu) in chain order."""
    if not scenario.video:
        stem = "calcapp-sriov" if scenario.sriov else "calcapp"
        keys = ("send", "plus", "minus", "multiply", "divide", "average", "rcv")
        return [(k, f"{stem}-{'average-results' if k == 'average' else k}", False) for k in keys]
    n = scenario.name
    out = [("pip", f"cpu-{n}-pip", False)]
    if n == "p2c4":
        out.append(("pipbr", f"cpu-{n}-pip", False))
    if scenario.gpu:
        out.append(("dsa", f"gpu-{n}-dsa", True))
    return out + [("rcv", f"cpu-{n}-rcv", False)]


def _function_config(name: str, scenario, gpu: bool) -> dict:
    app = "gpufunc_dsa" if gpu else "cpufunc_gst" if scenario.video else "cpufunc_calcapp"
    entry = {"rxProtocol": "RTP", "txProtocol": "TCP", "imageURI": f"localhost/{app}:latest",
             "template": {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
                 {"name": "app", "image": f"localhost/{app}:latest"},
                 {"name": "sidecar", "image": "localhost/cpufunc_sidecar:latest"}]}}}
    if scenario.sriov:
        entry.update(additionalNetwork=True, virtualNetworkDeviceDriverType="sriov", ipam=["sriov-ipam-config"])
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"cpufunc-config-{name}", "namespace": "default"},
            "data": {f"cpufunc-config-{name}.json": json.dumps([entry], indent=2)}}


def _scenario(root: Path, scenario) -> None:
    ns, functions = scenario.namespace, _functions(scenario)
    unique = {name: gpu for _, name, gpu in functions}
    chain = f"{'calcapp-sriov' if scenario.name == 'calcapp-sriov' else 'calcapp' if not scenario.video else 'cpu-' + scenario.name}-chain"
    _write(root, f"{scenario.source}/cm-cpufunc-config.yaml",
           [_function_config(n, scenario, gpu) for n, gpu in unique.items()])
    _write(root, f"{scenario.source}/functioninfo.yaml", [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"funcinfo-{n}", "namespace": ns},
         "data": {"deployableItems": json.dumps([{"name": "item1", "regionType": "a100" if gpu else "cpu",
                                                  "configName": f"cpufunc-config-{n}", "specName": "spec1"}]),
                  "spec": json.dumps([{"name": "spec1", "maxCapacityBase": 20}])}} for n, gpu in unique.items()])
    _write(root, f"{scenario.source}/functiontype.yaml", [
        {"apiVersion": "example.com/v1", "kind": "FunctionType", "metadata": {"name": f"functype-{n}", "namespace": ns},
         "spec": {"functionName": n, "functionInfoCMRef": {"name": f"funcinfo-{n}", "namespace": ns},
                  "version": "1.0.0"}} for n in unique])
    keys = [k for k, _, _ in functions]
    ends = ["wb-start-of-chain", *keys, "wb-end-of-chain"]
    _write(root, f"{scenario.source}/functionchain.yaml", {
        "apiVersion": "example.com/v1", "kind": "FunctionChain", "metadata": {"name": chain, "namespace": ns},
        "spec": {"functionTypeNamespace": ns, "connectionTypeNamespace": ns,
                 "functions": {k: {"functionName": n, "version": "1.0.0"} for k, n, _ in functions},
                 "connections": [{"from": {"functionKey": a, "port": 0}, "to": {"functionKey": b, "port": 0},
                                  "connectionTypeName": "auto"} for a, b in zip(ends, ends[1:])]}})
    _write(root, f"{scenario.source}/df-cpufunc.yaml", {
        "apiVersion": "example.com/v1", "kind": "DataFlow", "metadata": {"name": scenario.dataflow, "namespace": ns},
        "spec": {"functionChainRef": {"name": chain, "namespace": ns}, "requirements": {"all": {"capacity": 1}}}})


def write_checkout(root: Path, dockerfiles: bool = True) -> Path:
    """Write the checkout into `root` (created) and return it; with `dockerfiles`, stub function Dockerfiles."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    _crds(root)
    for m in workloads.CONTROLLERS:
        _controller(root, m)
    for m in workloads.AGENTS:
        _agent(root, m)
    _tables(root)
    for scenario in CATALOG.values():
        _scenario(root, scenario)
    if dockerfiles:
        for image in FUNCTION_IMAGES.values():
            _write(root, f"{image.context}/{image.dockerfile}", f"FROM {image.base_ref or 'ubuntu:22.04'}\n")
    return root
