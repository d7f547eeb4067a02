"""Every refusal of `sriov attach` leaves the host as it was: the PF and VF stand-ins (veths) stay in
the host netns, the worker gets nothing, sriov_numvfs and the claims file are untouched."""
from __future__ import annotations

import json

import pytest

from host import claims, cli, netlink as nl
from tests.host.conftest import CLUSTER, WORKERS, pf_name, pid_of

W1, W2 = WORKERS

pytestmark = pytest.mark.host


def names_in(pid=None) -> set[str]:
    with nl.open_ns(pid) as ipr:
        return {l.name for l in nl.links(ipr)}


def files(root) -> dict:
    return {str(p): (p.read_text(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


CASES = {  # name: (arguments over the good ones, exit code, words of the message)
    "negative vfs": ({"--vfs": "-1"}, cli.EXIT_USAGE, "--vfs"),
    "vfs above sriov_totalvfs": ({"--vfs": "65"}, cli.EXIT_REFUSED, "sriov_totalvfs is 64"),
    "pf given as a path": ({"--pf": f"/sys/class/net/{pf_name(0)}"}, cli.EXIT_USAGE, "--pf"),
    "address without prefix": ({"--address": "192.168.10.1"}, cli.EXIT_USAGE, "--address"),
    "bad management address": ({"--management-address": "192.168.10.300"}, cli.EXIT_USAGE, "--management-address"),
    "empty worker": ({"--worker": ""}, cli.EXIT_USAGE, "--worker"),
    "no such worker": ({"--worker": f"{CLUSTER}-worker9"}, cli.EXIT_REFUSED, "no running container"),
}


@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_refused_attach_leaves_the_host_unchanged(workers, fake, tmp_path, case, capsys):
    pf = fake.pf(0, vfs=8)
    (fake.root / "sys/bus/pci/devices/0000:17:00.0/sriov_numvfs").write_text("8\n")  # VFs exist already
    claims.claim(str(tmp_path / "claims"), "pf:other0", "bob", root=str(fake.root), worker=W2)
    over, code, words = CASES[case]
    args = {"--worker": W1, "--pf": pf, "--vfs": "4", "--address": "192.168.10.1/24",
            "--stack": "alice", "--claims-dir": str(tmp_path / "claims"), "--root": str(fake.root), **over}
    host, sysfs, held = names_in(), files(fake.root), files(tmp_path / "claims")
    worker = names_in(pid_of(W1))
    assert cli.main(["sriov", "attach", *[x for kv in args.items() for x in kv], "--json"]) == code
    out = json.loads(capsys.readouterr().out)
    assert out["exit_code"] == code and words in out["error"]
    assert names_in() == host and names_in(pid_of(W1)) == worker == {"lo"}
    assert files(fake.root) == sysfs and fake.numvfs(0) == "8"
    assert files(tmp_path / "claims") == held


def test_broken_claims_file_refuses_before_any_change(workers, fake, tmp_path, capsys):
    pf = fake.pf(0, vfs=2)
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "claims.json").write_text('{"pf:x": ')
    host, sysfs = names_in(), files(fake.root)
    args = ["sriov", "attach", "--worker", W1, "--pf", pf, "--vfs", "2", "--claims-dir",
            str(tmp_path / "claims"), "--root", str(fake.root)]
    assert cli.main(args) == cli.EXIT_FAILED
    assert "move it aside" in capsys.readouterr().err
    assert names_in() == host and files(fake.root) == sysfs
    assert (tmp_path / "claims" / "claims.json").read_text() == '{"pf:x": '


def test_new_vf_count_on_an_attached_pf_is_refused_and_keeps_its_vfs(workers, fake, tmp_path, capsys):
    pf = fake.pf(0, vfs=4)
    base = ["--worker", W1, "--pf", pf, "--stack", "alice", "--claims-dir", str(tmp_path / "claims"),
            "--root", str(fake.root)]
    assert cli.main(["sriov", "attach", "--vfs", "4", *base]) == cli.EXIT_OK
    pid = pid_of(W1)
    inside, held = names_in(pid), files(tmp_path / "claims")
    assert cli.main(["sriov", "attach", "--vfs", "2", *base]) == cli.EXIT_REFUSED
    assert "attached with 4 VFs; detach it first" in capsys.readouterr().err
    assert names_in(pid) == inside and fake.numvfs(0) == "4" and files(tmp_path / "claims") == held
    assert cli.main(["sriov", "detach", "--vfs", "4", *base]) == cli.EXIT_OK
