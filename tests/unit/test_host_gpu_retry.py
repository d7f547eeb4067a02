"""A failed first `up` retried (issue 17 item 1): the `gpu` operation records the GPU's identity in this stack's
claim before it unloads the host's driver, and the host facts answer from that record while no driver is
loaded, for this stack only."""
from __future__ import annotations

import json

import pytest

from host import claims, gpu_identity, probe
from host.operation_provider import HostOperationProvider
from tests import roottools
from tests.unit.test_host_gpu import FakeHost
from tests.unit.test_host_gpu_identity import INFORMATION, PCI, UUID

KEY = f"gpu:{PCI}"


# The kernel's side: rmmod nvidia takes the driver's procfs files with it, modprobe nvidia brings them back.
_INFO = f"proc/driver/nvidia/gpus/{PCI}/information"
RMMOD = roottools.RMMOD + f"""
if argv[1] == "nvidia":
    os.remove(os.path.join(root, {_INFO!r}))
"""
MODPROBE = roottools.MODPROBE + f"""
if argv[1] == "nvidia":
    os.makedirs(os.path.dirname(os.path.join(root, {_INFO!r})), exist_ok=True)
    open(os.path.join(root, {_INFO!r}), "w").write({INFORMATION!r})
"""


@pytest.fixture
def host(tmp_path):
    h = FakeHost(tmp_path / "root")
    (h.root / _INFO).parent.mkdir(parents=True)
    (h.root / _INFO).write_text(INFORMATION)
    for tool, body in {**roottools.GPU_TOOLS, "rmmod": RMMOD, "modprobe": MODPROBE}.items():
        roottools.install(h.root, tool, body)  # run by runner.for_root(root): the fake root's own tools
    h.claims = str(tmp_path / "claims")
    return h


def _props(host, stack="dev") -> dict:
    return {"operation": "gpu", "spec": {"stack": stack, "worker": "kind-worker", "claims_dir": host.claims,
                                         "root": str(host.root)}}


def test_the_handover_records_the_gpus_identity_in_its_claim_before_unloading(host):
    created = HostOperationProvider("gpu").create(_props(host))
    assert (created.outs["record"]["uuid"], created.outs["record"]["model"]) == (UUID, "NVIDIA H100 80GB HBM3")
    assert claims.holder(host.claims, KEY, root=str(host.root))["record"]["uuid"] == UUID
    assert gpu_identity.identity(PCI, str(host.root))["uuid"] is None  # the driver is gone


def test_with_the_driver_unloaded_by_this_stack_its_facts_come_from_its_claim(host):
    HostOperationProvider("gpu").create(_props(host))
    mine = probe.host_facts(str(host.root), host.claims, "dev")
    assert (mine.gpu_pci, mine.gpu_uuid, mine.gpu_model) == (PCI, UUID, "NVIDIA H100 80GB HBM3")
    assert probe.host_facts(str(host.root), host.claims, "bob").gpu_uuid is None  # not bob's claim
    assert probe.host_facts(str(host.root)).gpu_uuid is None  # without the claims: only the driver tells


def test_a_loaded_driver_is_asked_first(host):
    p, news = HostOperationProvider("gpu"), _props(host)
    p.delete("gpu", p.create(news).outs)  # loaded back; the claim is released
    assert probe.host_facts(str(host.root), host.claims, "dev").gpu_uuid == UUID
    assert claims.holder(host.claims, KEY, root=str(host.root)) is None


@pytest.mark.parametrize("record", [{"uuid": "GPU-made-up"}, {"uuid": 7}, "not a mapping", None])
def test_a_record_without_a_valid_uuid_answers_nothing(host, record):
    (host.root / _INFO).unlink()
    claims.claim(host.claims, KEY, "dev", root=str(host.root), worker="kind-worker", record=record)
    assert gpu_identity.recorded(PCI, host.claims, "dev", str(host.root)) == {"model": None, "uuid": None}


def test_a_broken_claims_file_answers_nothing_here_the_operations_check_names_it(host, tmp_path):
    (host.root / _INFO).unlink()
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / claims.FILE).write_text("{not json")
    assert gpu_identity.identity(PCI, str(host.root), host.claims, "dev")["uuid"] is None
    failures = HostOperationProvider("gpu").check({}, _props(host)).failures
    assert failures and "claims file" in failures[0].reason


def test_the_claims_file_keeps_what_the_cli_reads_back(host):
    HostOperationProvider("gpu").create(_props(host))
    data = json.loads((host.root.parent / "claims" / claims.FILE).read_text())  # what `gpu status` and doctor read
    assert data[KEY]["stack"] == "dev" and data[KEY]["record"]["unloaded"][-1] == "nvidia"
