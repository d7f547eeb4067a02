"""Host operations through the real engine: HostDevices' dynamic providers pickled into the engine's
provider process, their outputs round-tripped through state, drift found by refresh, repaired by up,
and everything returned by destroy. Against the host tests' fixture (run under flock /tmp/aio-host.lock)."""
from __future__ import annotations

from pathlib import Path

from components.host import containers, netlink as nl
from e2e.engine import Project, changes
# The host tests' fixtures: Kind-named busybox containers, veth PF/VF stand-ins, a fake sysfs tree.
from tests.host.conftest import fake, host_ready, node_image, workers  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
PF0, PF1 = "enp23s0f0np0", "enp23s0f1np1"


def _names(pid: int | None) -> set[str]:
    with nl.open_ns(pid) as ns:
        return {link.name for link in nl.links(ns)}


def test_attach_drift_repair_and_destroy_through_the_engine(toolchain, workers, fake, tmp_path):
    fake.pf(0, vfs=3)
    fake.pf(1, vfs=2)
    stack = Project(REPO / "e2e" / "host-project", toolchain, tmp_path / "engine").stack("host-e2e", {
        "clusterName": "c", "claimsDir": str(tmp_path / "claims"), "sysfsRoot": str(fake.root),
        "attachments": [{"worker": "worker", "pf": PF0, "vfs": 3, "address": "10.1.0.1/24"},
                        {"worker": "worker2", "pf": PF1, "vfs": 2}]})
    w1, w2 = (containers.container_pid(name) for name in ("c-worker", "c-worker2"))

    up = stack.up()
    assert changes(up.summary.resource_changes)["create"] == 4  # stack, HostDevices, 2 HostOperations (sriov)
    assert {PF0, "enp23s0f0v0", "enp23s0f0v1", "enp23s0f0v2"} <= _names(w1)
    assert {PF1, "enp23s0f1v0", "enp23s0f1v1"} <= _names(w2)
    assert [len(links) for links in up.outputs["links"].value] == [4, 3]  # outputs survived the round trip

    noop = changes(stack.preview().change_summary)
    assert noop["create"] == noop["update"] == noop["delete"] == noop["replace"] == 0

    with nl.open_ns(w1) as ns:  # by hand, as sriov-cni DEL does: a VF back on the host
        nl.move(ns, next(link for link in nl.links(ns) if link.name == "enp23s0f0v1"), None, "host")
    refresh = changes(stack.refresh().summary.resource_changes)
    assert refresh["update"] == 1, refresh  # the drift, read by the provider, recorded in state
    drift = stack.export_stack().deployment["resources"]
    assert any("enp23s0f0v1" in str(r.get("outputs", {}).get("drift")) for r in drift)

    repair = changes(stack.up().summary.resource_changes)
    assert repair["update"] == 1 and repair["create"] == repair["delete"] == repair["replace"] == 0, repair
    assert "enp23s0f0v1" in _names(w1)

    destroy = changes(stack.destroy().summary.resource_changes)
    assert destroy["delete"] == 4, destroy
    assert {PF0, PF1, "enp23s0f0v0", "enp23s0f0v1", "enp23s0f0v2", "enp23s0f1v0", "enp23s0f1v1"} <= _names(None)
    assert fake.numvfs(0) == fake.numvfs(1) == "0"
    stack.workspace.remove_stack("host-e2e")
