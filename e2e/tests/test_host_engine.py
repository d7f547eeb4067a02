"""Host operations through the real engine: HostDevices' dynamic providers pickled into the engine's
provider process, their outputs round-tripped through state, drift found by refresh, repaired by up,
and everything returned by destroy. Against the host tests' fixture (run under flock /tmp/aio-host.lock)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from e2e.engine import Project, changes
from host import netlink as nl
# The host tests' fixtures: Kind-named busybox containers, veth PF/VF stand-ins, a fake sysfs tree.
from tests.host.conftest import fake, host_ready, node_image, workers  # noqa: F401
from tests.host.conftest import CLUSTER, WORKERS, pf_name, pid_of, vf_name

REPO = Path(__file__).resolve().parents[2]
PF0, PF1 = pf_name(0), pf_name(1)  # names unique to this run


class Steps:
    """The steps' times and the engine's change counts, for e2e/run's report (OPENKASUGAI_E2E_HOST_STEPS)."""

    def __init__(self) -> None:
        self.steps: list[dict] = []

    def run(self, name: str, call, **extra):
        start = time.monotonic()
        result = call()
        summary = getattr(result, "summary", None)
        self.steps.append({"name": name, "seconds": round(time.monotonic() - start, 2),
                           "changes": changes(summary.resource_changes if summary else None), **extra})
        return result

    def write(self) -> None:
        if os.environ.get("OPENKASUGAI_E2E_HOST_STEPS"):
            Path(os.environ["OPENKASUGAI_E2E_HOST_STEPS"]).write_text(json.dumps(self.steps, indent=2))


def _names(pid: int | None) -> set[str]:
    with nl.open_ns(pid) as ns:
        return {link.name for link in nl.links(ns)}


def test_attach_drift_repair_and_destroy_through_the_engine(toolchain, workers, fake, tmp_path):
    fake.pf(0, vfs=3)
    fake.pf(1, vfs=2)
    stack = Project(REPO / "e2e" / "host-project", toolchain, tmp_path / "engine").stack("host-e2e", {
        "clusterName": CLUSTER, "claimsDir": str(tmp_path / "claims"), "sysfsRoot": str(fake.root),
        "attachments": [{"worker": "worker", "pf": PF0, "vfs": 3, "address": "10.1.0.1/24"},
                        {"worker": "worker2", "pf": PF1, "vfs": 2}]})
    w1, w2 = (pid_of(name) for name in WORKERS)

    steps = Steps()
    up = steps.run("host-up", stack.up)
    assert changes(up.summary.resource_changes)["create"] == 4  # stack, HostDevices, 2 HostOperations (sriov)
    assert {PF0, vf_name(0, 0), vf_name(0, 1), vf_name(0, 2)} <= _names(w1)
    assert {PF1, vf_name(1, 0), vf_name(1, 1)} <= _names(w2)
    assert [len(links) for links in up.outputs["links"].value] == [4, 3]  # outputs survived the round trip

    noop = changes(stack.preview().change_summary)
    assert noop["create"] == noop["update"] == noop["delete"] == noop["replace"] == 0

    with nl.open_ns(w1) as ns:  # by hand, as sriov-cni DEL does: a VF back on the host
        nl.move(ns, next(link for link in nl.links(ns) if link.name == vf_name(0, 1)), None, "host")
    refresh = changes(steps.run("host-drift-refresh", stack.refresh).summary.resource_changes)
    drift = stack.export_stack().deployment["resources"]
    detected = refresh["update"] == 1 and any(vf_name(0, 1) in str(r.get("outputs", {}).get("drift")) for r in drift)
    steps.steps[-1]["drift_detected"] = detected
    assert detected, refresh  # the drift, read by the provider, recorded in state

    repair = changes(steps.run("host-repair-up", stack.up).summary.resource_changes)
    repaired = vf_name(0, 1) in _names(w1)
    steps.steps[-1]["repaired"] = repaired
    assert repair["update"] == 1 and repair["create"] == repair["delete"] == repair["replace"] == 0, repair
    assert repaired

    destroy = changes(steps.run("host-destroy", stack.destroy).summary.resource_changes)
    restored = ({PF0, PF1, vf_name(0, 0), vf_name(0, 1), vf_name(0, 2), vf_name(1, 0), vf_name(1, 1)} <= _names(None)
                and fake.numvfs(0) == fake.numvfs(1) == "0")
    steps.steps[-1]["host_restored"] = restored
    steps.write()
    assert destroy["delete"] == 4, destroy
    assert restored
    stack.workspace.remove_stack("host-e2e")
