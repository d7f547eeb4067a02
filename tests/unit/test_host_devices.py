"""HostDevices and HostOperations under Pulumi mocks: one SriovAttachment per PF, one `gpu` host operation when
asked."""
from __future__ import annotations

import pulumi
import pytest

from components.host.providers import SriovAttachmentProvider

CREATED: list = []


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        CREATED.append((args.typ, args.name, args.inputs))
        return [f"{args.name}-id", args.inputs]

    def call(self, args):
        return {}


from components.devices import Attachment, HostDevices, HostDevicesArgs  # noqa: E402
from components.host.gpu_handover import Spec as GpuSpec  # noqa: E402
from components.host_operations import HostOperations, HostOperationsArgs  # noqa: E402


def types(prefix: str) -> list[str]:
    return [name for typ, name, _ in CREATED if typ.endswith(prefix)]


@pytest.fixture(autouse=True)
def reset():
    """Fresh mocks and root stack per test, whatever other tests installed before."""
    from pulumi.runtime import settings as rt_settings
    CREATED.clear()
    rt_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(Mocks(), project="openkasugai-aio", stack="dev", preview=False)


@pulumi.runtime.test
def test_full_profile_registers_one_attachment_per_pf_and_the_gpu():
    ops = HostOperations("host-operations", HostOperationsArgs({"gpu": GpuSpec(stack="dev", worker="kind-worker")}))
    host = HostDevices("host", HostDevicesArgs(
        stack="dev", cluster_name="kind",
        attachments=[Attachment("worker", "enp23s0f0np0", 8, "192.168.10.1/24"),
                     ("kind-worker2", "enp23s0f1np1", 8, "192.168.11.1/24")]))
    again = host.reassert("flow-reassert", trigger="abc")

    def check(_):
        assert sorted(types("SriovAttachment")) == ["host-sriov-enp23s0f0np0", "host-sriov-enp23s0f1np1"]
        assert types("HostOperation") == ["host-operations-gpu"]
        (gpu,) = [i for t, _, i in CREATED if t.endswith("HostOperation")]
        assert gpu["operation"] == "gpu" and gpu["spec"]["worker"] == "kind-worker"
        assert types("SriovReassert") == ["flow-reassert"]
        assert any(t == "openkasugai-aio:host:HostDevices" for t, _, _ in CREATED)
        workers = sorted(i["worker"] for t, _, i in CREATED if t.endswith("SriovAttachment"))
        assert workers == ["kind-worker", "kind-worker2"]
    return pulumi.Output.all(*[r.id for r in host.ready], again.id, *[r.id for r in ops.ready]).apply(check)


@pulumi.runtime.test
def test_cpu_only_registers_no_device_resources():
    host = HostDevices("host", HostDevicesArgs(stack="dev", cluster_name="kind"))
    assert host.reassert("r") is None

    def check(_):
        assert types("SriovAttachment") == [] and types("HostOperation") == []
    return pulumi.Output.all(*[r.id for r in host.ready]).apply(check)


def test_diff_names_replace_keys_and_reports_drift_as_update():
    p = SriovAttachmentProvider()
    olds = {"stack": "a", "worker": "w", "pf": "p", "vfs": 8, "address": "10.0.0.1/24",
            "claims_dir": "/c", "sysfs_root": "/", "drift": []}
    news = {k: v for k, v in olds.items() if k != "drift"}
    assert p.diff("id", olds, {**news, "vfs": 8.0}).changes is False
    d = p.diff("id", olds, {**news, "pf": "q", "vfs": 4.0})
    assert d.replaces == ["pf", "vfs"] and d.delete_before_replace
    assert p.diff("id", {**olds, "drift": ["v3 is in the host"]}, news).changes is True
    assert p.diff("id", olds, {**news, "address": "10.0.0.2/24"}).replaces == []
