"""Host CLI and providers refuse malformed arguments and broken claims files before any change, with a
clear message (JSON under --json), never a traceback. Pure: a fake sysfs tree, no kernel needed."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from host import claims, cli, doctor, sriov
from host.errors import ClaimsError, HostOpError
from host.operation_provider import HostOperationProvider
from host.sriov_reassert import SriovReassertProvider
from tests.host_context import ctx
from tests.unit.test_host_doctor import FakeRunner, by_name, fake_root, settings_of, stack_file
from tests.unit.test_host_sysfs_claims import tree

REPO = Path(__file__).resolve().parents[2]
BROKEN = {"not JSON": "{\"pf:x\": ", "a list": "[1, 2]", "an entry without stack": "{\"pf:x\": {\"worker\": \"w\"}}"}


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under root with its content and mtime: equal snapshots mean nothing was written."""
    return {str(p.relative_to(root)): (p.read_text(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def attach_args(root: Path, claims_dir: Path, **over) -> list[str]:
    args = {"--worker": "kind-worker", "--pf": "pf0", "--vfs": "4", "--address": "192.168.10.1/24",
            "--root": str(root), "--claims-dir": str(claims_dir), "--stack": "alice", **over}
    return ["sriov", "attach", *[x for k, v in args.items() if v is not None for x in (k, v)]]


@pytest.mark.parametrize("over, argument", [
    ({"--vfs": "-1"}, "vfs"),
    ({"--pf": "/sys/class/net/pf0"}, "pf"),
    ({"--pf": "../pf0"}, "pf"),
    ({"--pf": "pf0:1"}, "pf"),
    ({"--pf": "a-very-long-interface-name"}, "pf"),
    ({"--worker": ""}, "worker"),
    ({"--worker": "kind worker"}, "worker"),
    ({"--address": "192.168.10.1"}, "address"),
    ({"--address": "192.168.10.1/33"}, "address"),
    ({"--address": "not-an-address/24"}, "address"),
    ({"--management-address": "10.0.0.300"}, "management-address"),
    ({"--stack": ""}, "stack"),
])
def test_malformed_sriov_argument_exits_2_and_changes_nothing(tmp_path, capsys, over, argument):
    fs = tree(tmp_path / "root", 8, numvfs=8)
    before = snapshot(tmp_path / "root")
    assert cli.main(attach_args(tmp_path / "root", tmp_path / "claims", **over)) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"--{argument}" in err and "Traceback" not in err
    assert snapshot(tmp_path / "root") == before and fs.numvfs("pf0") == 8
    assert not (tmp_path / "claims").exists()  # not even the claims file was touched


def test_a_root_that_is_not_a_folder_is_refused(tmp_path, capsys):
    assert cli.main(attach_args(tmp_path / "nope", tmp_path / "claims")) == cli.EXIT_USAGE
    assert "--root" in capsys.readouterr().err and not (tmp_path / "claims").exists()


def test_json_errors_are_json_with_the_same_exit_code(tmp_path, capsys):
    tree(tmp_path / "root", 2)
    assert cli.main(attach_args(tmp_path / "root", tmp_path / "c", **{"--vfs": "-1"}) + ["--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["exit_code"] == 2 and out["problems"][0]["argument"] == "vfs" and "-1" in out["error"]
    assert cli.main(["sriov", "attach", "--json"]) == 2  # argparse's own usage errors too
    out = json.loads(capsys.readouterr().out)
    assert out["exit_code"] == 2 and "--worker" in out["error"]
    assert cli.main(["gpu", "unload", "--root", str(tmp_path), "--claims-dir", str(tmp_path), "--json"]) == 4
    assert json.loads(capsys.readouterr().out)["exit_code"] == 4


def test_missing_pf_message_joins_a_sysfs_root_without_trailing_slash(tmp_path, capsys):
    tree(tmp_path / "root", 2)
    assert cli.main(attach_args(tmp_path / "root", tmp_path / "c", **{"--pf": "nope0"})) == cli.EXIT_REFUSED
    assert f"{tmp_path / 'root'}/sys/class/net" in capsys.readouterr().err


def test_vfs_above_totalvfs_is_refused_before_any_write(tmp_path, capsys):
    fs = tree(tmp_path / "root", 8, numvfs=8)  # sriov_totalvfs is 8
    before = snapshot(tmp_path / "root")
    assert cli.main(attach_args(tmp_path / "root", tmp_path / "c", **{"--vfs": "9"})) == cli.EXIT_REFUSED
    assert "sriov_totalvfs is 8" in capsys.readouterr().err
    assert snapshot(tmp_path / "root") == before and fs.numvfs("pf0") == 8


@pytest.mark.parametrize("n", [-1, 9, True])
def test_set_numvfs_out_of_range_writes_nothing(tmp_path, n):
    fs = tree(tmp_path, 8, numvfs=8)
    before = snapshot(tmp_path)
    with pytest.raises(HostOpError, match="its 8 VFs are unchanged"):
        fs.set_numvfs("pf0", n)
    assert snapshot(tmp_path) == before


def test_set_numvfs_gives_the_count_back_when_the_kernel_refuses_the_new_one(tmp_path, monkeypatch):
    fs, writes = tree(tmp_path, 0, numvfs=4), []
    real = Path.write_text

    def kernel(self, text):
        writes.append(text)
        if text == "6":
            raise OSError(16, "Device or resource busy")
        return real(self, text)
    monkeypatch.setattr(Path, "write_text", kernel)
    with pytest.raises(HostOpError, match="failed to set sriov_numvfs of pf0 to 6"):
        fs.set_numvfs("pf0", 6)
    assert writes == ["0", "6", "4"] and fs.numvfs("pf0") == 4


def test_attached_pf_with_another_vf_count_is_refused(tmp_path, capsys):
    fs = tree(tmp_path / "root", 8, numvfs=8)
    claims.claim(str(tmp_path / "c"), "pf:pf0", "alice", root=str(tmp_path / "root"), worker="kind-worker",
                 record={"pf": "pf0", "pf_pci": "0000:17:00.0", "worker": "kind-worker", "vfs": 8, "pid": 1,
                         "numvfs_before": 0, "links": []})
    spec = sriov.SriovSpec(stack="alice", worker="kind-worker", pf="pf0", vfs=4, claims_dir=str(tmp_path / "c"),
                           root=str(tmp_path / "root"))
    with pytest.raises(HostOpError, match="attached with 8 VFs; detach it first") as refused:
        sriov.attach(spec, None, ctx(spec))
    # The fake root has no Docker of its own: the worker is refused too, and the host's Docker is never asked.
    assert "docker not found under --root" in str(refused.value)
    assert fs.numvfs("pf0") == 8


@pytest.mark.parametrize("content", BROKEN.values(), ids=BROKEN.keys())
def test_broken_claims_file_is_named_with_a_repair_hint(tmp_path, capsys, content):
    tree(tmp_path / "root", 2)
    path = tmp_path / "c" / "claims.json"
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(ClaimsError, match="move it aside"):
        claims.claim(str(tmp_path / "c"), "pf:pf0", "alice", root=str(tmp_path / "root"))
    assert path.read_text() == content
    status = ["sriov", "status", "--worker", "kind-worker", "--pf", "pf0", "--root", str(tmp_path / "root"),
              "--claims-dir", str(tmp_path / "c")]
    assert cli.main(status) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert str(path) in err and f"mv {path} {path}.broken" in err and "Traceback" not in err
    assert cli.main(status + ["--json"]) == cli.EXIT_FAILED
    assert str(path) in json.loads(capsys.readouterr().out)["error"]
    assert cli.main(attach_args(tmp_path / "root", tmp_path / "c")) == cli.EXIT_FAILED
    assert path.read_text() == content


def test_unreadable_claims_file_is_an_error_naming_it(tmp_path):
    (tmp_path / "claims.json").mkdir()  # not a file: reading it fails with an OSError
    with pytest.raises(ClaimsError, match=f"failed to read the claims file {tmp_path / 'claims.json'}"):
        claims.load(str(tmp_path))


def test_broken_claims_file_reaches_the_cli_without_a_traceback(tmp_path):
    (tmp_path / "claims.json").write_text("not json")
    p = subprocess.run([sys.executable, "-m", "host", "gpu", "unload", "--claims-dir", str(tmp_path),
                        "--root", str(fake_root(tmp_path))], cwd=REPO, capture_output=True, text=True)
    assert p.returncode == cli.EXIT_FAILED and "Traceback" not in p.stderr
    assert f"{tmp_path / 'claims.json'}" in p.stderr


def provider_props(tmp_path: Path, **over) -> dict:
    """A SriovReassert's spec as state written before SriovSpec's `root` holds it (sysfs_root)."""
    return {"stack": "alice", "worker": "kind-worker", "pf": "pf0", "vfs": 2, "address": "192.168.10.1/24",
            "claims_dir": str(tmp_path / "c"), "sysfs_root": str(tmp_path / "root"), "management_address": None,
            **over}


def sriov_props(tmp_path: Path, **over) -> dict:
    """The inputs of a HostOperation of the `sriov` operation."""
    spec = {k if k != "sysfs_root" else "root": v for k, v in provider_props(tmp_path).items()}
    return {"operation": "sriov", "spec": {**spec, **over}, "record": None, "drift": None}


def test_providers_report_a_broken_claims_file_as_a_check_failure(tmp_path):
    tree(tmp_path / "root", 2)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "claims.json").write_text("{broken")
    props = provider_props(tmp_path)
    failures = HostOperationProvider("sriov").check({}, sriov_props(tmp_path)).failures
    assert [f.property for f in failures] == ["claims_dir"] and "claims.json" in failures[0].reason
    failures = SriovReassertProvider().check({}, {"specs": [props], "trigger": "x"}).failures
    assert [f.property for f in failures] == ["claims_dir"]
    root = fake_root(tmp_path / "gpu")  # has a GPU
    failures = HostOperationProvider("gpu").check({}, {"operation": "gpu", "spec": {
        "stack": "alice", "worker": "kind-worker", "claims_dir": str(tmp_path / "c"), "root": str(root)}}).failures
    assert [f.property for f in failures] == ["claims_dir"] and "move it aside" in failures[0].reason


@pytest.mark.parametrize("over, prop", [({"pf": "/sys/class/net/pf0"}, "pf"), ({"vfs": -1}, "vfs"),
                                         ({"address": "10.0.0.1"}, "address"), ({"worker": ""}, "worker")])
def test_providers_check_arguments_before_anything_else(tmp_path, over, prop):
    tree(tmp_path / "root", 2)
    failures = HostOperationProvider("sriov").check({}, sriov_props(tmp_path, **over)).failures
    assert prop in [f.property for f in failures]
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("registry", ["127.0.0.1:70000", "127.0.0.1:0", "127.0.0.1:-1", "127.0.0.1:x",
                                      "[::1]:99999"])
def test_doctor_reports_a_port_outside_1_65535_as_invalid(registry):
    got = doctor.registry_check(registry)
    assert got["ok"] is False and "is invalid" in got["detail"] and "1 to 65535" in got["detail"]


def test_doctor_stack_checks_report_a_broken_claims_file(tmp_path, listener):
    s = settings_of(stack_file(tmp_path, listener))
    Path(s.host_claims_dir).mkdir(parents=True)
    (Path(s.host_claims_dir) / "claims.json").write_text("[]")
    got = by_name(doctor.stack_checks(s, FakeRunner({"kind": ["172.18.0.0/16"]}), str(fake_root(tmp_path))))
    assert got["claims"]["ok"] is False and "claims.json" in got["claims"]["detail"]
    assert "move it aside" in got["claims"]["detail"]
    assert [c for c in got.values() if "claims.json" in c["detail"]] == [got["claims"]]  # once, not per operation



@pytest.fixture
def traceback_limit():
    yield
    sys.__dict__.pop("tracebacklimit", None)  # the provider sets it in its own process; not in pytest's


def sdk_report(call) -> str:
    """What the dynamic provider server sends the engine for an exception (pulumi/dynamic/__main__.py)."""
    import traceback
    try:
        call()
    except Exception:  # noqa: BLE001
        return traceback.format_exc()
    return ""


def test_provider_delete_with_a_broken_claims_file_reports_it_without_a_traceback(tmp_path, traceback_limit):
    fs = tree(tmp_path / "root", 2, numvfs=2)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "claims.json").write_text("{broken")
    props = {**sriov_props(tmp_path), "record": {"pf": "pf0", "pid": 1, "pf_pci": "0000:17:00.0",
                                                 "numvfs_before": 0, "links": []}}
    report = sdk_report(lambda: HostOperationProvider("sriov").delete("sriov/alice/pf0", props))
    assert "Traceback" not in report and "claims.json" in report and "move it aside" in report
    assert fs.numvfs("pf0") == 2  # refused before the VF count was restored
    sys.__dict__.pop("tracebacklimit", None)
    bug = sdk_report(lambda: HostOperationProvider("sriov").delete("x", {}))  # not a host error: a bug
    assert "Traceback" in bug and "TypeError" in bug


def test_the_old_sysfs_root_flag_is_still_accepted_as_root(tmp_path, capsys):
    args = [a if a != "--root" else "--sysfs-root" for a in attach_args(tmp_path / "nope", tmp_path / "claims")]
    assert "--sysfs-root" in args and cli.main(args) == cli.EXIT_USAGE
    assert "--root: " in capsys.readouterr().err
