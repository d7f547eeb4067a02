"""Pure host units: sysfs on a fake tree, claims file, link matching, CLI parsing and exit codes."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from host import claims, cli
from host.errors import HostOpError, Refused
from host.sysfs import Sysfs


def tree(root: Path, vfs: int, numvfs: int = 0, netdevs: bool = True) -> Sysfs:
    dev = root / "sys/bus/pci/devices/0000:17:00.0"
    dev.mkdir(parents=True)
    (dev / "sriov_numvfs").write_text(f"{numvfs}\n")
    (dev / "sriov_totalvfs").write_text("8\n")
    (root / "sys/class/net/pf0").mkdir(parents=True)
    os.symlink("../../../bus/pci/devices/0000:17:00.0", root / "sys/class/net/pf0/device")
    for i in range(vfs):
        vf = root / f"sys/bus/pci/devices/0000:17:02.{i}"
        (vf / "net" / f"pf0v{i}").mkdir(parents=True) if netdevs else vf.mkdir(parents=True)
        os.symlink(f"../0000:17:02.{i}", dev / f"virtfn{i}")
    return Sysfs(str(root))


def test_vfs_come_from_virtfn_links(tmp_path):
    fs = tree(tmp_path, 3)
    assert [(v.index, v.pci, v.netdev) for v in fs.vfs("pf0")] == [
        (0, "0000:17:02.0", "pf0v0"), (1, "0000:17:02.1", "pf0v1"), (2, "0000:17:02.2", "pf0v2")]
    assert fs.pci_of("pf0") == "0000:17:00.0" and fs.totalvfs("pf0") == 8 and fs.is_sriov("pf0")
    # once the PF netdev has left this netns, its PCI address still finds it
    assert fs.numvfs("gone", pci="0000:17:00.0") == 0


def test_set_numvfs_writes_zero_first_and_is_idempotent(tmp_path, monkeypatch):
    fs, writes = tree(tmp_path, 0, numvfs=4), []
    real = Path.write_text
    monkeypatch.setattr(Path, "write_text", lambda self, t: (writes.append(t), real(self, t))[1])
    assert fs.set_numvfs("pf0", 8) is True and writes == ["0", "8"]
    assert fs.set_numvfs("pf0", 8) is False and writes == ["0", "8"]
    assert fs.set_numvfs("pf0", 0) is True and writes[-1] == "0"


def test_wait_names_missing_vfs(tmp_path):
    fs = tree(tmp_path, 2, netdevs=False)
    with pytest.raises(HostOpError, match=r"VF netdevs \[0, 1\] of pf0"):
        fs.wait_vf_netdevs("pf0", 2, timeout=0.1)
    assert len(tree(tmp_path / "b", 2).wait_vf_netdevs("pf0", 2, timeout=0.1)) == 2


def test_missing_pf_says_what_to_do(tmp_path):
    with pytest.raises(HostOpError, match="pass its PCI address"):
        Sysfs(str(tmp_path)).numvfs("nope")


def test_claims_refuse_another_stack_and_release(tmp_path):
    d, root = str(tmp_path / "c"), str(tmp_path / "root")
    claims.claim(d, "pf:p0", "alice", root=root, worker="kind-worker")
    claims.claim(d, "pf:p0", "alice", root=root, worker="kind-worker")  # same stack again: fine
    assert "held by stack 'alice'" in claims.check(d, "pf:p0", "bob", root=root)
    with pytest.raises(Refused, match="held by stack 'alice'"):
        claims.claim(d, "pf:p0", "bob", root=root)
    claims.release(d, "pf:p0", "bob", root=root)  # not bob's: nothing happens
    assert claims.holder(d, "pf:p0", root=root)["stack"] == "alice"
    claims.release(d, "pf:p0", "alice", root=root)
    assert claims.load(d) == {} and claims.check(d, "pf:p0", "bob", root=root) is None


def test_cli_usage_and_gpu_status_json(tmp_path, capsys):
    assert cli.main(["sriov", "attach"]) == cli.EXIT_USAGE
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/modules").write_text("nvidia 1 0 - Live 0x0\n")
    assert cli.main(["gpu", "status", "--root", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gpus"] == [] and out["modules"]["nvidia"]["refcount"] == 0
    assert cli.main(["gpu", "unload", "--root", str(tmp_path), "--claims-dir", str(tmp_path)]) == cli.EXIT_REFUSED


def test_status_paths_import_without_pulumi_or_pyroute2():
    import subprocess
    import sys
    code = ("import sys, host.cli, host.doctor, host.gpu, "
            "host.probe; print([m for m in sys.modules if m.startswith(('pulumi', 'pyroute2'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]", out.stderr
