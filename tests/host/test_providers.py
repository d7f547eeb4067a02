"""The dynamic providers driven in-process against the real kernel: create, read, diff, update, delete (the
`sriov` host operation through the generic provider; the re-assert)."""
from __future__ import annotations

import pickle

import dill
import pytest

from host import netlink as nl
from host.operation_provider import HostOperationProvider
from host.sriov_reassert import SriovReassertProvider
from tests.host.conftest import WORKERS, pf_name, pid_of, vf_name

W1, W2 = WORKERS

pytestmark = pytest.mark.host


def props(fake, tmp_path, **kw):
    """A SriovReassert's spec (a SriovSpec's fields)."""
    return {"stack": "alice", "worker": W1, "pf": pf_name(0), "vfs": 3.0,  # floats, as from the engine
            "address": "10.1.0.1/24", "claims_dir": str(tmp_path / "claims"), "root": str(fake.root),
            "management_address": None, **kw}


def before_root(spec: dict) -> dict:
    """A spec as state written before SriovSpec named its sysfs root `root` holds it."""
    return {**{k: v for k, v in spec.items() if k != "root"}, "sysfs_root": spec["root"]}


def op_props(fake, tmp_path, **kw):
    """A HostOperation's inputs for the `sriov` operation."""
    return {"operation": "sriov", "spec": props(fake, tmp_path, **kw), "record": None, "drift": None}


def test_provider_lifecycle_with_drift(workers, fake, tmp_path):
    fake.pf(0, vfs=3)
    p = HostOperationProvider("sriov")
    assert len(dill.dumps(p, recurse=True)) < 200  # pickled by reference, not by value
    checked = p.check({}, op_props(fake, tmp_path))
    assert checked.failures == [] and checked.inputs["spec"]["vfs"] == 3
    created = p.create(checked.inputs)
    outs = created.outs
    rec = outs["record"]
    assert rec["pid"] == pid_of(W1) and len(rec["links"]) == 4

    read = p.read(created.id, outs)
    assert read.outs["drift"] == []
    assert p.diff(created.id, read.outs, checked.inputs).changes is False

    with nl.open_ns(rec["pid"]) as w:
        nl.move(w, next(l for l in nl.links(w) if l.name == vf_name(0, 1)), None, "host")
    read = p.read(created.id, outs)
    assert any(vf_name(0, 1) in d for d in read.outs["drift"])
    d = p.diff(created.id, read.outs, checked.inputs)
    assert d.changes is True and not d.replaces
    upd = p.update(created.id, read.outs, checked.inputs)
    assert upd.outs["drift"] == [] and upd.outs["record"]["links"] == rec["links"]
    assert upd.outs["record"]["pid"] == rec["pid"]
    assert p.read(created.id, upd.outs).outs["drift"] == []

    assert p.diff(created.id, upd.outs, {**checked.inputs, "spec": {**checked.inputs["spec"], "vfs": 4}}).replaces \
        == ["spec"]
    p.delete(created.id, upd.outs)
    with nl.open_ns(None) as h:
        assert {pf_name(0), vf_name(0, 0), vf_name(0, 2)} <= {l.name for l in nl.links(h)}
    assert fake.numvfs(0) == "0"


def test_reassert_plans_nothing_when_clean_and_repairs_drift(workers, fake, tmp_path):
    fake.pf(0, vfs=2)
    a = HostOperationProvider("sriov")
    outs = a.create(a.check({}, op_props(fake, tmp_path, vfs=2)).inputs).outs
    pid = outs["record"]["pid"]
    r = SriovReassertProvider()
    inputs = {"specs": [props(fake, tmp_path, vfs=2)], "trigger": "flow-1", "drift": None}
    r_outs = r.create(inputs).outs
    assert r.diff("x", r_outs, inputs).changes is False
    stored_before_root = {**r_outs, "specs": [before_root(s) for s in r_outs["specs"]]}
    assert r.diff("x", stored_before_root, inputs).changes is False  # the rename alone plans nothing
    assert r.read("x", stored_before_root).outs["drift"] == []
    with nl.open_ns(pid) as w:
        nl.move(w, next(l for l in nl.links(w) if l.name == vf_name(0, 0)), None, "host")
    assert r.diff("x", r_outs, inputs).changes is True
    r.update("x", r_outs, inputs)
    with nl.open_ns(pid) as w:
        assert vf_name(0, 0) in {l.name for l in nl.links(w)}
    assert r.diff("x", r_outs, {**inputs, "trigger": "flow-2"}).changes is True
    a.delete("id", outs)


def test_an_attachment_in_state_from_before_the_contract_is_read_repaired_and_released(workers, fake, tmp_path):
    """A SriovAttachment's state (flat inputs with sysfs_root, the record at the top level) as the old
    provider's pickled name unpickles now: read sees drift, update repairs it, delete restores the host."""
    fake.pf(0, vfs=2)
    new = HostOperationProvider("sriov")
    outs = new.create(new.check({}, op_props(fake, tmp_path, vfs=2)).inputs).outs
    legacy = {**before_root(props(fake, tmp_path, vfs=2)), **outs["record"], "drift": []}
    # The state's provider, pickled by reference to components.host.providers, unpickled without __init__:
    cls = pickle.loads(b"ccomponents.host.providers\nSriovAttachmentProvider\n.")
    old = cls.__new__(cls)
    with nl.open_ns(legacy["pid"]) as w:
        nl.move(w, next(l for l in nl.links(w) if l.name == vf_name(0, 1)), None, "host")
    assert any(vf_name(0, 1) in d for d in old.read(f"{W1}/{pf_name(0)}", legacy).outs["drift"])
    upd = old.update(f"{W1}/{pf_name(0)}", legacy, op_props(fake, tmp_path, vfs=2))
    assert upd.outs["drift"] == [] and upd.outs["record"]["pid"] == legacy["pid"]
    old.delete(f"{W1}/{pf_name(0)}", legacy)
    with nl.open_ns(None) as h:
        assert {pf_name(0), vf_name(0, 0), vf_name(0, 1)} <= {l.name for l in nl.links(h)}
    assert fake.numvfs(0) == "0"
