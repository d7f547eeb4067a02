"""The host-operation contract is enough on its own: an operation that no other module knows, written as one
module and added to the registry, is applied before the cluster by the program, served by the generic
provider (create / read with drift / update / delete), checked by `doctor` and listed by the CLI.

The operation here is a test-only stand-in (it writes a marker file under its root); it is registered
for the length of each test only."""
from __future__ import annotations

import json
import types
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

from components.host import cli, doctor
from components.host.errors import Refused
from components.host.operation import spec_props
from components.host.operation_provider import HostOperationProvider
from components.host.operations import OPERATIONS
from components.host.runner import for_root
from tests.harness import run


@dataclass(frozen=True)
class MarkerSpec:
    stack: str
    text: str
    root: str = "/"


def _marker_module() -> types.ModuleType:
    """The stand-in operation `marker`: root/etc/marker holds `text` while the stack has it applied."""
    op = types.ModuleType("tests.unit.marker_operation")
    op.NAME, op.SUMMARY, op.REPLACES, op.SPEC = "marker", "write a marker file (test stand-in)", ("root",), MarkerSpec

    def path(spec):
        return Path(spec.root) / "etc/marker"

    op.from_settings = lambda s: MarkerSpec(stack=s.stack, text=f"held by {s.stack}") if s.uses_kind else None
    op.check = lambda spec, record=None, *, runner: \
        [] if path(spec).parent.is_dir() else [("root", f"{spec.root}: no etc/")]

    def apply(spec, record, *, runner):
        if op.check(spec, runner=runner):
            raise Refused(f"failed to write the marker in {spec.root}: no etc/")
        before = record["before"] if record else (path(spec).read_text() if path(spec).exists() else None)
        if not path(spec).exists() or path(spec).read_text() != spec.text:
            path(spec).write_text(spec.text)
        return {"before": before}

    def status(spec, record, *, runner):
        now = path(spec).read_text() if path(spec).exists() else None
        return {"present": True, "drift": [] if now == spec.text else [f"the marker says {now!r}"]}

    def release(spec, record, *, runner):
        if record.get("before") is None:
            path(spec).unlink(missing_ok=True)
        else:
            path(spec).write_text(record["before"])

    op.apply, op.status, op.release = apply, status, release
    return op


@pytest.fixture
def marker():
    op = _marker_module()
    with mock.patch.dict(OPERATIONS, {op.NAME: op}):
        yield op


def test_a_registered_operation_is_applied_before_the_kind_cluster(marker):
    r = run("dev")
    (res,) = [x for x in r.by_type("pulumi-python:dynamic/host:HostOperation") if x.inputs["operation"] == "marker"]
    assert res.name == "host-operations-marker"
    assert res.inputs["spec"] == {"stack": "dev", "text": "held by dev", "root": "/"}
    assert any(d.endswith("::host-operations-marker") for d in r.named("cluster-create").dependencies)


def test_a_registered_operation_is_not_created_where_from_settings_says_none(marker):
    r = run("external")
    assert not [x for x in r.by_type("pulumi-python:dynamic/host:HostOperation") if x.inputs["operation"] == "marker"]


def test_the_generic_provider_serves_a_registered_operation(marker, tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/marker").write_text("old")
    props = {"operation": "marker", "spec": spec_props(MarkerSpec("alice", "new", str(tmp_path))),
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


def test_the_generic_provider_check_reports_a_registered_operations_refusal(marker, tmp_path):
    props = {"spec": spec_props(MarkerSpec("alice", "new", str(tmp_path / "bare")))}
    failures = HostOperationProvider("marker").check({}, props).failures
    assert [(f.property, f.reason) for f in failures] == [("root", f"{tmp_path / 'bare'}: no etc/")]


def test_doctor_runs_a_registered_operations_check(marker, tmp_path):
    settings = types.SimpleNamespace(stack="alice", uses_kind=True, host_claims_dir=str(tmp_path / "claims"))
    with mock.patch.dict(OPERATIONS, {"marker": marker}, clear=True):
        (line,) = doctor.operation_checks(settings, for_root(str(tmp_path)), root=str(tmp_path))
        assert line["check"] == "operation:marker" and line["ok"] is False and "no etc/" in line["detail"]
        (tmp_path / "etc").mkdir()
        (line,) = doctor.operation_checks(settings, for_root(str(tmp_path)), root=str(tmp_path))
        assert line["ok"] is True and line["detail"] == "text held by alice: `pulumi up` can apply it"


def test_the_cli_lists_a_registered_operation(marker, capsys):
    assert cli.main(["operations", "--json"]) == 0
    listed = {o["name"]: o for o in json.loads(capsys.readouterr().out)}
    assert listed["marker"] == {"name": "marker", "summary": "write a marker file (test stand-in)",
                                "module": "tests.unit.marker_operation"}
