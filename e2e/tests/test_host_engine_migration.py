"""A stack whose state holds an SR-IOV attachment from before the host-operation contract (a
SriovAttachment: flat inputs, the record at the top level, its provider pickled by reference to
components.host.providers.SriovAttachmentProvider) taken over by the `sriov` HostOperation through the
real engine: refresh reads it through the old provider's pickled name, the alias maps the URN, so
the next `up` updates it in place (no create, no replace), and destroy returns the PF. Against the host tests' fixture (run under flock
/tmp/aio-host.lock)."""
from __future__ import annotations

import base64
from pathlib import Path

from e2e.engine import Project, changes
from host import netlink as nl
# The host tests' fixtures: Kind-named busybox containers, veth PF/VF stand-ins, a fake sysfs tree.
from tests.host.conftest import fake, host_ready, node_image, workers  # noqa: F401
from tests.host.conftest import CLUSTER, WORKERS, pf_name, pid_of, vf_name

REPO = Path(__file__).resolve().parents[2]
PF0 = pf_name(0)  # a name unique to this run
NEW, OLD = "pulumi-python:dynamic/host:HostOperation", "pulumi-python:dynamic/host:SriovAttachment"
# What dill wrote for the old provider (an instance without attributes, its class by reference).
OLD_PROVIDER = base64.b64encode(b"\x80\x02ccomponents.host.providers\nSriovAttachmentProvider\n)\x81.").decode()


def _as_before_the_contract(res: dict) -> None:
    """Rewrite one HostOperation(sriov) state entry into the SriovAttachment the old code wrote."""
    spec, record = res["outputs"]["spec"], res["outputs"]["record"]
    flat = {**{k: v for k, v in spec.items() if k != "root"}, "sysfs_root": spec["root"]}
    res["type"], res["urn"] = OLD, res["urn"].replace(NEW, OLD)
    res["id"] = f"{spec['worker']}/{spec['pf']}"
    res["inputs"] = {**flat, "__provider": OLD_PROVIDER}
    res["outputs"] = {**flat, **record, "drift": [], "__provider": OLD_PROVIDER}


def test_an_attachment_from_before_the_contract_is_taken_over_without_a_recreate(toolchain, workers, fake, tmp_path):
    fake.pf(0, vfs=2)
    stack = Project(REPO / "e2e" / "host-project", toolchain, tmp_path / "engine").stack("host-migrate", {
        "clusterName": CLUSTER, "claimsDir": str(tmp_path / "claims"), "sysfsRoot": str(fake.root),
        "attachments": [{"worker": "worker", "pf": PF0, "vfs": 2, "address": "10.1.0.1/24"}]})
    w1 = pid_of(WORKERS[0])
    stack.up()
    state = stack.export_stack()
    (res,) = [r for r in state.deployment["resources"] if r["type"] == NEW]
    _as_before_the_contract(res)
    stack.import_stack(state)

    refresh = changes(stack.refresh().summary.resource_changes)  # read by the old provider's pickled name
    assert refresh["delete"] == 0, refresh

    plan = changes(stack.preview().change_summary)
    assert plan["create"] == plan["delete"] == plan["replace"] == 0, plan
    up = changes(stack.up().summary.resource_changes)
    assert up["create"] == up["delete"] == up["replace"] == 0 and up["update"] == 1, up
    (res,) = [r for r in stack.export_stack().deployment["resources"] if r["type"] == NEW]
    assert res["outputs"]["record"]["pid"] == w1 and res["outputs"]["spec"]["root"] == str(fake.root)
    with nl.open_ns(w1) as ns:
        assert {PF0, vf_name(0, 0), vf_name(0, 1)} <= {link.name for link in nl.links(ns)}

    destroy = changes(stack.destroy().summary.resource_changes)
    assert destroy["delete"] == 3, destroy  # stack, HostDevices, the attachment
    with nl.open_ns(None) as ns:
        assert {PF0, vf_name(0, 0), vf_name(0, 1)} <= {link.name for link in nl.links(ns)}
    assert fake.numvfs(0) == "0"
    stack.workspace.remove_stack("host-migrate")
