"""HostOperations under Pulumi mocks, both stages: one `sriov` host operation per PF on the nodes (the stage's
component keeps HostDevices' type token; each resource aliased from the SriovAttachment it replaces), one `gpu`
host operation before the cluster when asked."""
from __future__ import annotations

import base64

import dill
import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.host.providers import SriovAttachmentProvider  # the old name, kept for state
from components.host_operations import HostOperations, HostOperationsArgs
from host.gpu_handover import GpuHandoverSpec as GpuSpec
from host.operation_provider import HostOperationProvider, record_of
from host.sriov import SriovSpec
from host.sriov_reassert import SriovReassertProvider
from preview import engine

MONITOR: list[engine.RecordingMonitor] = []


def created() -> list[tuple[str, str, dict]]:
    return [(r.type, r.name, r.inputs) for r in MONITOR[-1].registrations]


def types(prefix: str) -> list[str]:
    return [name for typ, name, _ in created() if typ.endswith(prefix)]


@pytest.fixture(autouse=True)
def reset():
    """The project's mock engine with a fresh root stack per test, whatever other tests installed before."""
    MONITOR[:] = [engine.install(stack="dev")]


@pulumi.runtime.test
def test_full_profile_registers_one_attachment_per_pf_and_the_gpu():
    ops = HostOperations("host-operations", HostOperationsArgs(specs={"gpu": [GpuSpec("dev", "kind-worker")]}))
    host = HostOperations("host", HostOperationsArgs("after", {"sriov": [
        SriovSpec("dev", "kind-worker", "enp23s0f0np0", 8, "192.168.10.1/24"),
        SriovSpec("dev", "kind-worker2", "enp23s0f1np1", 8, "192.168.11.1/24")]}))
    again = host.reassert("flow-reassert", trigger="abc")
    assert ops.reassert("none") is None  # no SR-IOV attachment in the "before" stage

    def check(_):
        assert sorted(types("HostOperation")) == ["host-operations-gpu", "host-sriov-enp23s0f0np0",
                                                  "host-sriov-enp23s0f1np1"]
        by_op = {}
        for t, _, i in created():
            if t.endswith("HostOperation"):
                by_op.setdefault(i["operation"], []).append(i["spec"])
        assert [g["worker"] for g in by_op["gpu"]] == ["kind-worker"]
        assert types("SriovReassert") == ["flow-reassert"]
        assert [n for t, n, _ in created() if t == "openkasugai-aio:host:HostDevices"] == ["host"]
        assert [n for t, n, _ in created() if t == "openkasugai-aio:host:HostOperations"] == ["host-operations"]
        assert sorted(p["worker"] for p in by_op["sriov"]) == ["kind-worker", "kind-worker2"]
    return pulumi.Output.all(*[r.id for r in host.ready], again.id, *[r.id for r in ops.ready]).apply(check)


@pulumi.runtime.test
def test_cpu_only_registers_no_device_resources():
    host = HostOperations("host", HostOperationsArgs("after"))
    assert host.reassert("r") is None

    def check(_):
        assert types("HostOperation") == []
    return pulumi.Output.all(*[r.id for r in host.ready]).apply(check)


def test_diff_names_replace_keys_and_reports_drift_as_update():
    p = HostOperationProvider("sriov")
    spec = {"stack": "a", "worker": "w", "pf": "p", "vfs": 8, "address": "10.0.0.1/24",
            "claims_dir": "/c", "root": "/", "management_address": None}
    olds = {"operation": "sriov", "spec": spec, "record": {"pid": 1}, "drift": []}
    news = {"operation": "sriov", "spec": spec, "record": None, "drift": None}
    assert p.diff("id", olds, {**news, "spec": {**spec, "vfs": 8.0}}).changes is False
    for key, value in [("pf", "q"), ("vfs", 4.0), ("worker", "x"), ("stack", "b"), ("claims_dir", "/d"),
                       ("root", "/r")]:
        d = p.diff("id", olds, {**news, "spec": {**spec, key: value}})
        assert d.replaces == ["spec"] and d.delete_before_replace, key
    assert p.diff("id", {**olds, "drift": ["v3 is in the host"]}, news).changes is True
    for key, value in [("address", "10.0.0.2/24"), ("management_address", "10.9.0.1")]:
        d = p.diff("id", olds, {**news, "spec": {**spec, key: value}})
        assert d.changes is True and d.replaces == [], key


def test_an_attachment_created_before_the_contract_is_updated_in_place_not_replaced():
    """A SriovAttachment's state (flat inputs, sysfs_root, the record at the top level) read by the
    `sriov` operation: same spec, so no replace; one update moves it to the new shape."""
    legacy = {"stack": "a", "worker": "w", "pf": "p", "vfs": 8.0, "address": "10.0.0.1/24", "claims_dir": "/c",
              "sysfs_root": "/", "management_address": None, "pid": 7, "links": [], "pf_pci": "0000:17:00.0",
              "numvfs_before": 0, "drift": []}
    spec = {"stack": "a", "worker": "w", "pf": "p", "vfs": 8, "address": "10.0.0.1/24",
            "claims_dir": "/c", "root": "/", "management_address": None}
    p = HostOperationProvider("sriov")
    d = p.diff("w/p", legacy, {"operation": "sriov", "spec": spec, "record": None, "drift": None})
    assert d.changes is True and d.replaces == []
    assert p.diff("w/p", legacy, {"operation": "sriov", "spec": {**spec, "vfs": 4}, "record": None,
                                  "drift": None}).replaces == ["spec"]
    assert record_of(legacy)["pid"] == 7 and record_of(legacy)["pf_pci"] == "0000:17:00.0"
    assert isinstance(SriovAttachmentProvider(), HostOperationProvider) and SriovAttachmentProvider().name == "sriov"


def test_every_dynamic_provider_is_stored_in_state_by_reference_so_its_imports_stay_at_module_top():
    for provider, module in ((SriovReassertProvider(), b"host.sriov_reassert"),
                             (HostOperationProvider("sriov"), b"host.operation_provider")):
        stored = base64.b64decode(serialize_provider(provider))
        assert module in stored and b"components." not in stored
        assert b"sriov_plan" not in stored and b"def attach" not in stored
        assert type(dill.loads(stored)) is type(provider)


@pulumi.runtime.test
def test_an_operations_legacy_aliases_become_pulumi_aliases_of_the_resource_they_take_over():
    from host.gpu_handover import OPERATION as GPU
    from host.sriov_attachment import OPERATION as SRIOV
    from components.host_operations import _alias
    (sriov,) = [_alias(a) for a in SRIOV.aliases]  # same name and parent, another type
    assert (sriov.type_, sriov.name, sriov.parent) == ("pulumi-python:dynamic/host:SriovAttachment", ..., ...)
    (gpu,) = [_alias(a) for a in GPU.aliases]  # another type, name and parent
    assert (gpu.type_, gpu.name) == ("pulumi-python:dynamic/host:GpuDriverHandover", "gpu-handover-gpu")
    return gpu.parent.apply(lambda urn: assert_parent(urn))


def assert_parent(urn: str) -> None:
    assert urn.endswith("::openkasugai-aio:host:HostDevices::gpu-handover"), urn
