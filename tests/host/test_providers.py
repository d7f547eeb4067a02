"""The dynamic providers driven in-process against the real kernel: create, read, diff, update, delete."""
from __future__ import annotations

import dill
import pytest

from components.host import containers, netlink as nl
from components.host.providers import SriovAttachmentProvider, SriovReassertProvider

pytestmark = pytest.mark.host


def props(fake, tmp_path, **kw):
    return {"stack": "alice", "worker": "c-worker", "pf": "enp23s0f0np0", "vfs": 3.0,  # floats, as from the engine
            "address": "10.1.0.1/24", "claims_dir": str(tmp_path / "claims"), "sysfs_root": str(fake.root),
            "management_address": None, **kw}


def test_provider_lifecycle_with_drift(workers, fake, tmp_path):
    fake.pf(0, vfs=3)
    p = SriovAttachmentProvider()
    assert len(dill.dumps(p, recurse=True)) < 200  # pickled by reference, not by value
    checked = p.check({}, props(fake, tmp_path))
    assert checked.failures == [] and checked.inputs["vfs"] == 3
    created = p.create(checked.inputs)
    outs = created.outs
    assert outs["pid"] == containers.container_pid("c-worker") and len(outs["links"]) == 4

    read = p.read(created.id, outs)
    assert read.outs["drift"] == []
    assert p.diff(created.id, read.outs, checked.inputs).changes is False

    with nl.open_ns(outs["pid"]) as w:
        nl.move(w, next(l for l in nl.links(w) if l.name == "enp23s0f0v1"), None, "host")
    read = p.read(created.id, outs)
    assert any("enp23s0f0v1" in d for d in read.outs["drift"])
    d = p.diff(created.id, read.outs, checked.inputs)
    assert d.changes is True and not d.replaces
    upd = p.update(created.id, read.outs, checked.inputs)
    assert upd.outs["drift"] == [] and upd.outs["links"] == outs["links"] and upd.outs["pid"] == outs["pid"]
    assert p.read(created.id, upd.outs).outs["drift"] == []

    assert p.diff(created.id, upd.outs, {**checked.inputs, "vfs": 4}).replaces == ["vfs"]
    p.delete(created.id, upd.outs)
    with nl.open_ns(None) as h:
        assert {"enp23s0f0np0", "enp23s0f0v0", "enp23s0f0v2"} <= {l.name for l in nl.links(h)}
    assert fake.numvfs(0) == "0"


def test_reassert_plans_nothing_when_clean_and_repairs_drift(workers, fake, tmp_path):
    fake.pf(0, vfs=2)
    a = SriovAttachmentProvider()
    outs = a.create(a.check({}, props(fake, tmp_path, vfs=2)).inputs).outs
    r = SriovReassertProvider()
    inputs = {"specs": [props(fake, tmp_path, vfs=2)], "trigger": "flow-1", "drift": None}
    r_outs = r.create(inputs).outs
    assert r.diff("x", r_outs, inputs).changes is False
    with nl.open_ns(outs["pid"]) as w:
        nl.move(w, next(l for l in nl.links(w) if l.name == "enp23s0f0v0"), None, "host")
    assert r.diff("x", r_outs, inputs).changes is True
    r.update("x", r_outs, inputs)
    with nl.open_ns(outs["pid"]) as w:
        assert "enp23s0f0v0" in {l.name for l in nl.links(w)}
    assert r.diff("x", r_outs, {**inputs, "trigger": "flow-2"}).changes is True
    a.delete("id", outs)
