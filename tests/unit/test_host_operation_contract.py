"""The host-operation contract is enough on its own: an operation that no other module knows, written as one
Operation and added to the registry, is applied by the program in its stage (before the cluster, or on its
nodes), with one resource per spec, served by the generic provider (create / read with drift / update /
delete), checked by `doctor` and listed by the CLI.

The operations here are test-only stand-ins (each writes a marker file under its root); they are registered
for the length of each test only: `marker` (one spec, before the cluster), `pair` (two specs, before the
cluster) and `nodepair` (two specs, after the cluster)."""
from __future__ import annotations

import json
import types
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

from host import cli, doctor
from host import registry
from host.contract import HostContext, Operation
from host.errors import Refused
from host.operation_provider import HostOperationProvider, spec_props
from host.registry import OPERATIONS
from host.runner import for_root
from tests.harness import run

HOST_OP = "pulumi-python:dynamic/host:HostOperation"

# What a new operation touches (docs/design.md "Where to add things" lists the same): its own module, for
# which the stand-in operations below stand, and the registry it is added to.
NEW_FILES = ("host/<operation>.py",)
EXTENSION_POINTS = ((registry, "OPERATIONS"),)


@dataclass(frozen=True)
class MarkerSpec:
    stack: str
    text: str
    slot: str = "marker"  # the file's name under etc/
    claims_dir: str = "/var/lib/openkasugai-aio"
    root: str = "/"


def _path(spec: MarkerSpec, ctx: HostContext) -> Path:
    return Path(ctx.root) / "etc" / spec.slot


def _check(spec, record, ctx):
    return [] if _path(spec, ctx).parent.is_dir() else [("root", f"{ctx.root}: no etc/")]


def _apply(spec, record, ctx):
    if _check(spec, record, ctx):
        raise Refused(f"failed to write the marker in {ctx.root}: no etc/")
    path = _path(spec, ctx)
    before = record["before"] if record else (path.read_text() if path.exists() else None)
    if not path.exists() or path.read_text() != spec.text:
        path.write_text(spec.text)
    return {"before": before}


def _status(spec, record, ctx):
    now = _path(spec, ctx).read_text() if _path(spec, ctx).exists() else None
    return {"present": True, "drift": [] if now == spec.text else [f"the marker says {now!r}"]}


def _release(spec, record, ctx):
    if record.get("before") is None:
        _path(spec, ctx).unlink(missing_ok=True)
    else:
        _path(spec, ctx).write_text(record["before"])


def stand_in(name: str, stage: str = "before", slots: tuple[str, ...] = ()) -> Operation:
    """A test-only operation: root/etc/<slot> holds `text` while the stack has it applied. With slots, one
    spec (and one resource) per slot, named by it."""
    def from_settings(s):
        if not s.uses_kind:
            return None
        specs = [MarkerSpec(stack=s.stack, text=f"held by {s.stack}", slot=slot, claims_dir=s.host_claims_dir)
                 for slot in slots or (name,)]
        return specs if slots else specs[0]
    return Operation(name=name, summary=f"write a marker file (test stand-in, stage {stage})", spec=MarkerSpec,
                     from_settings=from_settings, check=_check, apply=_apply, status=_status, release=_release,
                     replaces=("root", "slot"), stage=stage, id_field="slot" if slots else None)


def registered(*ops: Operation):
    return mock.patch.dict(getattr(*EXTENSION_POINTS[0]), {op.name: op for op in ops})


@pytest.fixture
def marker():
    op = stand_in("marker")
    with registered(op):
        yield op


def test_a_registered_operation_is_applied_before_the_kind_cluster(marker):
    r = run("dev")
    (res,) = [x for x in r.by_type(HOST_OP) if x.inputs["operation"] == "marker"]
    assert res.name == "host-operations-marker"
    assert res.inputs["spec"] == {"stack": "dev", "text": "held by dev", "slot": "marker",
                                  "claims_dir": "/var/lib/openkasugai-aio", "root": "/"}
    assert any(d.endswith("::host-operations-marker") for d in r.named("cluster-create").dependencies)


def test_a_registered_operation_is_not_created_where_from_settings_says_none(marker):
    r = run("external")
    assert not [x for x in r.by_type(HOST_OP) if x.inputs["operation"] == "marker"]


def test_a_before_operation_with_two_specs_gets_one_resource_each_ahead_of_the_cluster():
    with registered(stand_in("pair", "before", ("a", "b"))):
        r = run("dev")
    made = [x for x in r.by_type(HOST_OP) if x.inputs["operation"] == "pair"]
    assert sorted((x.name, x.inputs["spec"]["slot"]) for x in made) == [("host-operations-pair-a", "a"),
                                                                        ("host-operations-pair-b", "b")]
    footprint = r.named("host-operations-footprint").urn
    parent = r.named("host-operations")
    for x in made:
        assert x.parent == parent.urn and footprint in x.dependencies  # after the gate, like gpu and hugepages
        assert x.urn in r.named("cluster-create").dependencies


def test_an_after_operation_with_two_specs_gets_one_resource_each_on_the_nodes_replaced_with_the_cluster():
    """cpu-only has no SR-IOV worker: the stage's component exists for the test-only operation alone."""
    with registered(stand_in("nodepair", "after", ("a", "b"))):
        r = run("cpu-only")
    made = [x for x in r.by_type(HOST_OP) if x.inputs["operation"] == "nodepair"]
    assert sorted(x.name for x in made) == ["host-nodepair-a", "host-nodepair-b"]  # registered concurrently
    (host,) = r.by_type("openkasugai-aio:host:HostDevices")
    cluster = r.named("cluster-create").urn
    assert host.name == "host" and cluster in host.dependencies
    for x in made:
        assert x.parent == host.urn and cluster in x.dependencies and x.replace_with == (cluster,)
        assert x.delete_before_replace and x.urn not in r.named("cluster-create").dependencies
    assert not run("cpu-only").by_type("openkasugai-aio:host:HostDevices")  # registered for the test alone


def test_the_generic_provider_serves_a_registered_operation(marker, tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/marker").write_text("old")
    props = {"operation": "marker", "spec": spec_props(MarkerSpec("alice", "new", root=str(tmp_path))),
             "record": None, "drift": None}
    provider = HostOperationProvider("marker")
    assert provider.check({}, props).failures == []
    created = provider.create(props)
    assert created.id == "marker/alice" and (tmp_path / "etc/marker").read_text() == "new"
    assert provider.read(created.id, created.outs).outs["drift"] == []
    (tmp_path / "etc/marker").write_text("by hand")
    drifted = provider.read(created.id, created.outs).outs
    assert drifted["drift"] == ["the marker says 'by hand'"] and provider.diff(created.id, drifted, props).changes
    provider.update(created.id, drifted, props)
    assert (tmp_path / "etc/marker").read_text() == "new"
    provider.delete(created.id, created.outs)
    assert (tmp_path / "etc/marker").read_text() == "old"


def test_the_generic_provider_names_each_spec_of_a_multi_spec_operation_apart(tmp_path):
    (tmp_path / "etc").mkdir()
    with registered(stand_in("nodepair", "after", ("a", "b"))):
        provider = HostOperationProvider("nodepair")
        ids = [provider.create({"spec": spec_props(MarkerSpec("alice", f"for {slot}", slot, root=str(tmp_path)))}).id
               for slot in ("a", "b")]
    assert ids == ["nodepair/alice/a", "nodepair/alice/b"]
    assert [(tmp_path / "etc" / slot).read_text() for slot in ("a", "b")] == ["for a", "for b"]


def test_the_generic_provider_check_reports_a_registered_operations_refusal(marker, tmp_path):
    props = {"spec": spec_props(MarkerSpec("alice", "new", root=str(tmp_path / "bare")))}
    failures = HostOperationProvider("marker").check({}, props).failures
    assert [(f.property, f.reason) for f in failures] == [("root", f"{tmp_path / 'bare'}: no etc/")]


def test_doctor_runs_a_registered_operations_check(marker, tmp_path):
    settings = types.SimpleNamespace(stack="alice", uses_kind=True, host_claims_dir=str(tmp_path / "claims"))
    with mock.patch.dict(OPERATIONS, {"marker": marker}, clear=True):
        (line,) = doctor.operation_checks(settings, for_root(str(tmp_path)), root=str(tmp_path))
        assert line["check"] == "operation:marker" and line["ok"] is False and "no etc/" in line["detail"]
        (tmp_path / "etc").mkdir()
        (line,) = doctor.operation_checks(settings, for_root(str(tmp_path)), root=str(tmp_path))
        assert line["ok"] is True and line["detail"] == "text held by alice, slot marker: `pulumi up` can apply it"


def test_doctor_names_each_spec_of_a_multi_spec_operation(tmp_path):
    settings = types.SimpleNamespace(stack="alice", uses_kind=True, host_claims_dir=str(tmp_path / "claims"))
    with mock.patch.dict(OPERATIONS, {"pair": stand_in("pair", "before", ("a", "b"))}, clear=True):
        lines = doctor.operation_checks(settings, for_root(str(tmp_path)), root=str(tmp_path))
    assert [line["check"] for line in lines] == ["operation:pair:a", "operation:pair:b"]


def test_the_cli_lists_a_registered_operation(marker, capsys):
    assert cli.main(["operations", "--json"]) == 0
    listed = {o["name"]: o for o in json.loads(capsys.readouterr().out)}
    assert listed["marker"] == {"name": "marker", "summary": "write a marker file (test stand-in, stage before)",
                                "stage": "before", "module": __name__}


def test_an_operation_whose_spec_lacks_a_contract_field_is_refused_when_it_is_defined():
    @dataclass(frozen=True)
    class NoClaims:
        stack: str
        root: str = "/"
    with pytest.raises(TypeError, match="'bad': its spec NoClaims has no field 'claims_dir'"):
        Operation(name="bad", summary="", spec=NoClaims, from_settings=lambda s: None, check=_check, apply=_apply,
                  status=_status, release=_release, replaces=("root",))
    with pytest.raises(TypeError, match="stage 'during'"):
        stand_in("bad", "during")
