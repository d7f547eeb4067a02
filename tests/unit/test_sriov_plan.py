"""The SR-IOV attachment's plan, without a kernel: what it refuses, which links it moves (and when the links read
by name do not settle it), what it records, what detach moves back and what status calls drift."""
from __future__ import annotations

import dataclasses

import pytest

from host import sriov_plan as plan
from host.errors import HostOpError
from host.netlink import Link
from host.sriov import SriovSpec
from host.sysfs import Vf

SPEC = SriovSpec(stack="alice", worker="kind-worker", pf="pf0", vfs=2, address="10.0.0.1/24", claims_dir="/c",
                 root="/r")
SEEN = plan.Seen(key="pf:pf0", held=None, record=None, present=True, pf_pci="0000:17:00.0", sriov=True, totalvfs=8,
                 numvfs=0, protected=None, pid=42, worker_error=None)
PF = Link(7, "pf0", "aa:00:00:00:00:00", None, "0000:17:00.0", False)
VF0 = Link(8, "pf0v0", "aa:00:00:00:00:01", None, "0000:17:02.0", False)
VF1 = Link(9, "pf0v1", "aa:00:00:00:00:02", None, "0000:17:02.1", False)
VFS = (Vf(0, "0000:17:02.0", "pf0v0"), Vf(1, "0000:17:02.1", "pf0v1"))


def seen(**kw) -> plan.Seen:
    return dataclasses.replace(SEEN, **kw)


def named(*links: Link) -> dict:
    return {link.name: link for link in links}


def attached() -> dict:
    """The record of a first attach of all three links."""
    return plan.attach(SPEC, SEEN, plan.Links(named(PF, VF0, VF1), VFS)).record


def test_link_matching_prefers_pci_then_perm_mac_then_mac():
    vf = Link(5, "dev5", "aa:aa:aa:aa:aa:01", "bb:bb:bb:bb:bb:01", "0000:17:02.0", False)
    assert plan.matches(vf, {"pci": "0000:17:02.0", "mac": "other"})  # renamed, MAC reset: still found
    assert not plan.matches(vf, {"pci": "0000:17:02.1", "mac": "aa:aa:aa:aa:aa:01"})
    veth = Link(6, "v", "aa:aa:aa:aa:aa:02", None, None, True)
    assert plan.matches(veth, {"pci": "0000:17:02.0", "mac": "aa:aa:aa:aa:aa:02"})
    assert not plan.matches(veth, {"pci": None, "mac": None})


def test_a_fresh_attach_moves_the_vfs_then_the_pf_and_records_where_to_find_them():
    todo = plan.attach(SPEC, SEEN, plan.Links(named(PF, VF0, VF1), VFS))
    assert [link.name for _, link in todo.moves] == ["pf0v0", "pf0v1", "pf0"] and todo.pf_name == "pf0"
    assert [(i["role"], i["pci"]) for i in todo.record["links"]] == [
        ("pf", "0000:17:00.0"), ("vf0", "0000:17:02.0"), ("vf1", "0000:17:02.1")]
    assert {k: todo.record[k] for k in ("pf", "pf_pci", "worker", "pid", "vfs", "address", "numvfs_before")} == {
        "pf": "pf0", "pf_pci": "0000:17:00.0", "worker": "kind-worker", "pid": 42, "vfs": 2,
        "address": "10.0.0.1/24", "numvfs_before": 0}


def test_attached_again_moves_nothing_and_keeps_the_record():
    record = attached()
    inside = (Link(3, "pf0", PF.mac, None, PF.pci, True), Link(4, "pf0v0", VF0.mac, None, VF0.pci, False),
              Link(5, "pf0v1", VF1.mac, None, VF1.pci, False))
    vfs = tuple(Vf(v.index, v.pci, None) for v in VFS)  # their netdevs are in the worker's netns
    todo = plan.attach(SPEC, seen(held={"stack": "alice"}, record=record, numvfs=2),
                       plan.Links({"pf0": None, "pf0v0": None, "pf0v1": None}, vfs, worker=inside))
    assert todo.moves == [] and todo.pf_name == "pf0"
    assert todo.record == {**record, "numvfs_before": 0}  # the count found before the first attach


def test_a_vf_back_on_the_host_under_another_name_needs_the_full_read_and_is_moved_by_its_identity():
    record = attached()
    renamed = Link(11, "eth5", VF1.mac, None, VF1.pci, False)
    inside = (Link(3, "pf0", PF.mac, None, PF.pci, True), Link(4, "pf0v0", VF0.mac, None, VF0.pci, False))
    by_name = plan.Links({"pf0": None, "pf0v0": None, "pf0v1": None, "eth5": renamed},
                         (Vf(0, VF0.pci, None), Vf(1, VF1.pci, "eth5")), worker=inside)
    assert plan.attach(SPEC, seen(record=record, numvfs=2), by_name) is None  # pf0v1 is not where it was
    full = dataclasses.replace(by_name, host=(renamed,))
    todo = plan.attach(SPEC, seen(record=record, numvfs=2), full)
    assert [(i["role"], link.name) for i, link in todo.moves] == [("vf1", "eth5")]


def test_a_vf_whose_netdev_left_the_host_is_found_in_the_worker_by_its_pci_address():
    vfs = (Vf(0, VF0.pci, None), Vf(1, VF1.pci, "pf0v1"))
    links = plan.Links(named(PF, VF1), vfs)
    assert plan.attach(SPEC, SEEN, links) is None  # the worker was not read
    todo = plan.attach(SPEC, SEEN, dataclasses.replace(links, host=(PF, VF1), worker=(VF0,)))
    assert [link.name for _, link in todo.moves] == ["pf0v1", "pf0"]
    assert todo.record["links"][1]["name"] == "pf0v0"


def test_a_link_that_is_nowhere_fails_the_plan_naming_it():
    full = plan.Links(named(PF, VF0), VFS[:1] + (Vf(1, VF1.pci, None),), host=(PF, VF0), worker=())
    with pytest.raises(HostOpError, match=r"failed to find VF 1 of pf0 \(0000:17:02.1\) in the host or in kind-worker"):
        plan.attach(SPEC, SEEN, full)
    with pytest.raises(HostOpError, match="failed to find PF pf0"):
        plan.attach(SPEC, SEEN, plan.Links({"pf0": None}, VFS, host=(), worker=()))


@pytest.mark.parametrize("over, field, words", [
    ({"present": False}, "pf", "pf0: no such network interface in /r/sys/class/net"),
    ({"sriov": False}, "pf", "not SR-IOV capable"),
    ({"totalvfs": 1}, "vfs", "2 VFs requested, sriov_totalvfs is 1"),
    ({"protected": "it carries the default route"}, "pf", "refusing to move it, it carries the default route"),
    ({"pid": None}, "worker", "kind-worker: no running container of that name"),
    ({"worker_error": "docker not found"}, "worker", "docker not found"),
    ({"held": {"stack": "bob", "worker": "w", "file": "/c/claims.json"}}, "pf", "pf:pf0 is held by stack 'bob'"),
    ({"record": {"vfs": 8}}, "vfs", "pf0 is attached with 8 VFs; detach it first to change the count to 2"),
])
def test_each_refusal_names_its_field_and_what_to_do(over, field, words):
    (bad,) = plan.refusals(SPEC, seen(**over))
    assert bad[0] == field and words in bad[1]


def test_the_worker_is_not_asked_for_before_the_first_apply_and_this_stacks_own_claim_is_no_refusal():
    assert plan.refusals(SPEC, seen(pid=None, worker_error="docker not found"), need_worker=False) == []
    assert plan.refusals(SPEC, seen(held={"stack": "alice"})) == []


def test_detach_moves_back_only_what_is_in_the_worker_and_status_names_the_drift():
    record = attached()
    in_worker = [Link(3, "pf0", PF.mac, None, PF.pci, True), Link(4, "pf0v0", VF0.mac, None, VF0.pci, False)]
    assert [i["role"] for i, _ in plan.detach_moves(record, in_worker)] == ["pf", "vf0"]
    links = plan.Links({"pf0v1": VF1}, worker=tuple(in_worker))
    where = plan.places(record, links)
    assert where == {"pf0": "worker", "pf0v0": "worker", "pf0v1": "host"}
    assert plan.drift(SPEC, record, 42, where) == ["pf0v1 is in the host"]
    assert plan.places(record, plan.Links({"pf0v1": None}, worker=tuple(in_worker))) is None  # read the host
    gone = plan.places(record, plan.Links(worker=tuple(in_worker), host=()))
    assert plan.drift(SPEC, record, 43, gone) == [
        "kind-worker pid is 43 (was 42): the worker restarted or is gone", "pf0v1 is missing"]
