"""The `gpu` host operation through the generic provider, on the fake host of test_host_gpu: the hand-over
as GpuDriverHandover did it (claim, unload, drift, restore), and a stack's pre-contract state taken over.
The provider runs runner.for_root(root): the fake root's own stand-in rmmod/modprobe/systemctl
(tests/roottools.py), which log every call and edit the fake /proc/modules; no host tool runs."""
from __future__ import annotations

import pickle

import pytest

from host import claims, gpu_handover
from host.operation_provider import HostOperationProvider
from tests import roottools
from tests.unit.test_host_gpu import FakeHost

PCI = "gpu:0000:3b:00.0"


@pytest.fixture
def host(tmp_path, monkeypatch):
    h = FakeHost(tmp_path / "root")
    for tool, body in roottools.GPU_TOOLS.items():
        roottools.install(h.root, tool, body)
    # Whether the GPU worker's container runs: the Docker lookup is containers' (tests/host), not this test's.
    monkeypatch.setattr(gpu_handover, "_worker_running", lambda spec, runner: getattr(h, "worker_running", False))
    return h


def props(host, stack="alice") -> dict:
    return {"operation": "gpu", "spec": {"stack": stack, "worker": "kind-worker",
                                         "claims_dir": str(host.root.parent / "claims"), "root": str(host.root)}}


def test_create_claims_the_gpu_and_unloads_delete_restores_and_releases(host):
    p, news = HostOperationProvider("gpu"), props(host)
    assert p.check({}, news).failures == []
    created = p.create(news)
    assert created.outs["record"]["unloaded"] == ["nvidia_drm", "nvidia_modeset", "nvidia_uvm", "nvidia"]
    assert created.outs["record"]["claim"] == PCI
    assert claims.holder(news["spec"]["claims_dir"], PCI, root=str(host.root))["stack"] == "alice"
    host.sync()
    assert "nvidia" not in host.mods
    assert roottools.calls(host.root) == [["rmmod", m] for m in ("nvidia_drm", "nvidia_modeset", "nvidia_uvm", "nvidia")]
    assert p.check(created.outs, news).failures == []  # handed over: the worker may hold it now
    p.delete(created.id, created.outs)
    host.sync()
    assert "nvidia" in host.mods and claims.holder(news["spec"]["claims_dir"], PCI, root=str(host.root)) is None


def test_a_second_stack_and_a_held_gpu_are_refused_before_anything_changes(host):
    p = HostOperationProvider("gpu")
    p.create(props(host))
    assert "held by stack 'alice'" in p.check({}, props(host, "bob")).failures[0].reason
    host.sync()
    host.mods.update({"nvidia": (1, [])})
    host.write()
    host.process(7, "python3", "/dev/nvidia0")
    spec = props(host, "alice")
    claims.release(spec["spec"]["claims_dir"], PCI, "alice", root=str(host.root))
    assert any("GPU in use" in f.reason for f in p.check({}, spec).failures)


def test_the_hosts_driver_loaded_again_is_drift_and_update_unloads_it_once_more(host):
    p, news = HostOperationProvider("gpu"), props(host)
    created = p.create(news)
    host.sync()
    host.mods["nvidia"] = (0, [])
    host.write()  # the host's own build (same srcversion) is back
    read = p.read(created.id, created.outs).outs
    assert "loaded again" in read["drift"][0] and p.diff(created.id, read, news).changes
    updated = p.update(created.id, read, news).outs
    host.sync()
    assert "nvidia" not in host.mods and updated["drift"] == [] and updated["record"]["claim"] == PCI
    assert not p.diff(created.id, updated, news).changes


def test_state_from_before_the_contract_is_taken_over_and_its_provider_still_unpickles(host):
    p, news = HostOperationProvider("gpu"), props(host)
    rec = p.create(news).outs["record"]
    legacy = {**news["spec"], **rec, "drift": []}  # GpuDriverHandover's flat outputs
    assert p.diff(PCI, legacy, news).changes and p.diff(PCI, legacy, news).replaces == []
    assert p.update(PCI, legacy, news).outs["record"] == rec  # nothing drifted: nothing done
    # The state's provider, pickled by reference to components.host.providers, unpickled without __init__:
    cls = pickle.loads(b"ccomponents.host.providers\nGpuDriverHandoverProvider\n.")
    old = cls.__new__(cls)
    old.delete(PCI, legacy)
    host.sync()
    assert "nvidia" in host.mods and claims.holder(news["spec"]["claims_dir"], PCI, root=str(host.root)) is None


def test_a_later_up_is_not_refused_while_the_gpu_worker_holds_the_gpu(host):
    """The engine's Check gets the old inputs (record: None), not the outputs: the hand-over is known from
    this stack's claim. Another stack is still refused, and so is a first hand-over of a held GPU."""
    p, news = HostOperationProvider("gpu"), props(host)
    p.create(news)
    host.sync()
    host.mods.update({"nvidia": (1, [])})  # the worker's driver, held by its device plugin
    host.write()
    host.process(7, "nvidia-device-plugin", "/dev/nvidia0")
    old_inputs = {**news, "record": None, "drift": None}
    assert p.check(old_inputs, news).failures == []
    assert "held by stack 'alice'" in p.check({}, props(host, "bob")).failures[0].reason
