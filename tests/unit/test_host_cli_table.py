"""Hostile host-CLI invocations, as a table: each is refused with one line (or one JSON error) naming its
argument or the file its bad record is in, within 5 s, without a traceback, and leaves the host as it was:
the whole test tree (fake root, claims folder, a folder outside the root) hashed before and after, no
tool of the fake root run, and no host tool run (PATH leads to tripwires that log any call).

The first rows are the examples of issue 18; the rest are further cases of the same kinds."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from tests import roottools
from tests.unit.test_host_gpu import FakeHost
from tests.unit.test_host_sysfs_claims import tree

REPO = Path(__file__).resolve().parents[2]
GPU_KEY = "gpu:0000:3b:00.0"
HOST_TOOLS = ("rmmod", "modprobe", "systemctl", "docker", "kind", "kubectl", "pulumi", "nvidia-smi", "ip")
TRIPWIRE = '#!/bin/sh\necho "$(basename "$0") $*" >> "$(dirname "$0")/host-calls.log"\nexit 97\n'


@dataclass
class Case:
    setup: Callable[[Path], list[str]]  # builds the tree under tmp, returns the CLI's arguments
    code: int
    words: list[str]  # each in the one line (the tree's tmp folder is written as {tmp})
    issue: bool = False  # an example from issue 18
    extra: dict = field(default_factory=dict)


def gpu_root(tmp: Path) -> Path:
    FakeHost(tmp / "root")  # an NVIDIA GPU, the nvidia modules loaded, no tools of its own
    return tmp / "root"


def claims_file(tmp: Path, entries: dict) -> Path:
    (tmp / "claims").mkdir(exist_ok=True)
    path = tmp / "claims" / "claims.json"
    path.write_text(json.dumps(entries))
    return path


def gpu_restore(record, *more) -> Callable[[Path], list[str]]:
    def setup(tmp):
        gpu_root(tmp)
        claims_file(tmp, {GPU_KEY: {"stack": "alice", "worker": "kind-worker", "record": record}})
        return ["gpu", "restore", "--root", str(tmp / "root"), "--claims-dir", str(tmp / "claims"),
                "--stack", "alice", *more]
    return setup


GOOD_SRIOV = {"pf": "pf0", "pf_pci": "0000:17:00.0", "worker": "kind-worker", "pid": 4242, "vfs": 2,
              "numvfs_before": 0, "links": [{"name": "pf0", "role": "pf", "pci": "0000:17:00.0"}]}


def sriov_record(action: str, *more, no_such_container: bool = False, **record) -> Callable[[Path], list[str]]:
    def setup(tmp):
        tree(tmp / "root", 2, numvfs=2)
        if no_such_container:
            roottools.install(tmp / "root", "docker", "sys.exit('Error: No such object: ' + argv[-1])", "usr/bin")
        rec = {k: v for k, v in {**GOOD_SRIOV, **record}.items() if v is not DROP}
        claims_file(tmp, {"pf:pf0": {"stack": "alice", "worker": "kind-worker", "record": rec}})
        return ["sriov", action, "--worker", "kind-worker", "--pf", "pf0", "--vfs", "2", "--root", str(tmp / "root"),
                "--claims-dir", str(tmp / "claims"), "--stack", "alice", *more]
    return setup


DROP = object()


def attach(**over) -> Callable[[Path], list[str]]:
    def setup(tmp):
        tree(tmp / "root", 2, numvfs=2)
        args = {"--worker": "kind-worker", "--pf": "pf0", "--vfs": "2", "--address": "192.168.10.1/24",
                "--root": str(tmp / "root"), "--claims-dir": str(tmp / "claims"), "--stack": "alice", **over}
        return ["sriov", "attach", *[x for k, v in args.items() for x in (k, v.format(tmp=tmp))]]
    return setup


def gpu_unload(prepare: Callable[[Path], None] = lambda root: None, root: str | None = None):
    def setup(tmp):
        prepare(gpu_root(tmp))
        return ["gpu", "unload", "--root", root.format(tmp=tmp) if root else str(tmp / "root"),
                "--claims-dir", str(tmp / "claims"), "--stack", "alice"]
    return setup


def rmmod_only(root: Path) -> None:
    roottools.install(root, "rmmod", roottools.RMMOD)  # but no modprobe to load the driver back with


def rmmod_linked_to_the_host(root: Path) -> None:
    (root / "usr/sbin").mkdir(parents=True)
    os.symlink("/bin/true", root / "usr/sbin/rmmod")
    roottools.install(root, "modprobe")


def pf_linked_outside(tmp: Path) -> list[str]:
    """The PF's sysfs entry leads out of the root, to a folder whose sriov_numvfs must stay untouched."""
    outside = tmp / "outside" / "0000:17:00.0"
    outside.mkdir(parents=True)
    (outside / "sriov_numvfs").write_text("7\n")
    (outside / "sriov_totalvfs").write_text("8\n")
    (tmp / "root/sys/class/net/pf0").mkdir(parents=True)
    os.symlink(outside, tmp / "root/sys/class/net/pf0/device")
    return ["sriov", "attach", "--worker", "kind-worker", "--pf", "pf0", "--vfs", "2", "--root", str(tmp / "root"),
            "--claims-dir", str(tmp / "claims"), "--stack", "alice"]


def pci_linked_outside(tmp: Path) -> list[str]:
    """A valid record, but the PF's PCI entry in the tree leads out of the root (detach writes the count)."""
    args = sriov_record("detach", no_such_container=True)(tmp)
    (tmp / "root/sys/class/net/pf0/device").unlink()  # the PF's netdev is in the worker
    dev = tmp / "root/sys/bus/pci/devices/0000:17:00.0"
    for f in dev.iterdir():
        f.unlink()
    dev.rmdir()
    outside = tmp / "outside" / "dev"
    outside.mkdir(parents=True)
    (outside / "sriov_numvfs").write_text("2\n")
    (outside / "sriov_totalvfs").write_text("8\n")
    os.symlink(outside, dev)
    return args


def doctor(*args: str) -> Callable[[Path], list[str]]:
    def setup(tmp):
        (tmp / "root").mkdir()
        return ["doctor", "--root", str(tmp / "root"), *args]
    return setup


def broken_folder_list(tmp: Path) -> list[str]:
    args = gpu_restore({"unloaded": ["nvidia"]})(tmp)
    index = tmp / "root/var/lib/openkasugai-aio/folders.json"
    index.parent.mkdir(parents=True)
    index.write_text("{not json")
    return args


CLAIMS = "{tmp}/claims/claims.json"
CASES = {
    # issue 18's examples
    "gpu unload on a fake root runs no host rmmod": Case(gpu_unload(), 4, ["--root", "rmmod not found under --root"],
                                                         issue=True),
    "gpu restore with options as module names": Case(gpu_restore({"unloaded": ["--all", "-r", "nvidia"]}), 1,
                                                     [CLAIMS, "unloaded[0] is '--all'"], issue=True),
    "sriov detach with ../ in pf_pci": Case(sriov_record("detach", pf_pci="../../../../outside"), 1,
                                            [CLAIMS, "pf_pci is '../../../../outside'"], issue=True),
    "sriov status with vfs a string, as JSON": Case(sriov_record("status", "--json", vfs="x"), 1,
                                                    [CLAIMS, "vfs is 'x'"], issue=True),
    "sriov detach with no links": Case(sriov_record("detach", links=DROP), 1, [CLAIMS, "links is missing"],
                                       issue=True),
    "doctor --network as an option": Case(doctor("--network", "--format={{json .}}"), 2, ["--network"], issue=True),
    # further cases
    "gpu unload with rmmod but no modprobe to undo": Case(gpu_unload(rmmod_only), 4,
                                                          ["--root", "modprobe not found under --root"]),
    "gpu unload with rmmod linked to a host binary": Case(gpu_unload(rmmod_linked_to_the_host), 4,
                                                          ["--root", "rmmod not found under --root"]),
    "gpu unload with a file as root": Case(gpu_unload(root="{tmp}/root/proc/modules"), 2, ["--root"]),
    "gpu unload with a missing root": Case(gpu_unload(root="{tmp}/nope"), 2, ["--root"]),
    "gpu restore of a module not NVIDIA's": Case(gpu_restore({"unloaded": ["usb_storage"]}), 1,
                                                 [CLAIMS, "unloaded[0] is 'usb_storage'"]),
    "gpu restore of a shell line": Case(gpu_restore({"unloaded": ["nvidia; rm -rf /"]}), 1,
                                        [CLAIMS, "not a kernel module name"]),
    "gpu restore with persistenced a string": Case(gpu_restore({"unloaded": [], "persistenced": "yes"}), 1,
                                                   [CLAIMS, "persistenced is 'yes'"]),
    "gpu restore of a record that is no mapping": Case(gpu_restore("nvidia"), 1, [CLAIMS, "record is 'nvidia'"]),
    "gpu restore, JSON, unloaded a string": Case(gpu_restore({"unloaded": "nvidia"}, "--json"), 1,
                                                 [CLAIMS, "unloaded is 'nvidia', not a list"]),
    "gpu restore with a broken list of claims folders": Case(broken_folder_list, 1, ["folders.json"]),
    "sriov attach --vfs full-width": Case(attach(**{"--vfs": "\uff18"}), 2, ["--vfs"]),
    "sriov attach --vfs with an underscore": Case(attach(**{"--vfs": "1_0"}), 2, ["--vfs"]),
    "sriov attach --vfs past any count": Case(attach(**{"--vfs": "99999999999"}), 2, ["--vfs"]),
    "sriov attach --pf with a trailing newline": Case(attach(**{"--pf": "pf0\n"}), 2, ["--pf"]),
    "sriov attach --pf ..": Case(attach(**{"--pf": ".."}), 2, ["--pf"]),
    "sriov attach --worker as an option": Case(attach(**{"--worker": "-rf"}), 2, ["--worker"]),
    "sriov attach --worker with a trailing newline": Case(attach(**{"--worker": "kind-worker\n"}), 2, ["--worker"]),
    "sriov attach --stack with a space": Case(attach(**{"--stack": "a b"}), 2, ["--stack"]),
    "sriov attach --stack of 100 KB": Case(attach(**{"--stack": "x" * 100_000}), 2, ["--stack"],
                                           extra={"max_line": 400}),
    "sriov attach --address with a trailing newline": Case(attach(**{"--address": "192.168.10.1/24\n"}), 2,
                                                           ["--address"]),
    "sriov attach --management-address full-width": Case(attach(**{"--management-address": "\uff11.0.0.1"}), 2,
                                                         ["--management-address"]),
    "sriov attach --root missing": Case(attach(**{"--root": "{tmp}/nope"}), 2, ["--root"]),
    "sriov attach of a PF whose sysfs entry leads out of the root": Case(pf_linked_outside, 1,
                                                                         ["'pf0'", "outside {tmp}/root/sys"]),
    "sriov detach of a PCI entry leading out of the root": Case(
        pci_linked_outside, 1, ["outside {tmp}/root/sys"],
        extra={"root_calls": [["docker", "inspect", "--type", "container", "--", "kind-worker"]]}),
    "sriov status with an interface name as a path": Case(
        sriov_record("status", links=[{"name": "../../etc/passwd", "role": "pf"}]), 1,
        [CLAIMS, "links[0].name is '../../etc/passwd'"]),
    "sriov detach with numvfs_before negative": Case(sriov_record("detach", numvfs_before=-1), 1,
                                                     [CLAIMS, "numvfs_before is '-1'"]),
    "sriov detach, JSON, pid a shell line": Case(sriov_record("detach", "--json", pid="1; reboot"), 1,
                                                 [CLAIMS, "pid is '1; reboot'"]),
    "doctor --network with a space": Case(doctor("--network", "kind network"), 2, ["--network"]),
    "doctor --network empty": Case(doctor("--network", ""), 2, ["--network"]),
    "doctor --root missing": Case(lambda tmp: ["doctor", "--root", str(tmp / "nope")], 2, ["--root"]),
}


def snapshot(top: Path) -> dict[str, str]:
    """Every entry under top: files by content hash, links by target, folders by being there."""
    out = {}
    for p in sorted(top.rglob("*")):
        rel = str(p.relative_to(top))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


@pytest.fixture
def tripwires(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("host-tools")
    for tool in HOST_TOOLS:
        (folder / tool).write_text(TRIPWIRE)
        (folder / tool).chmod(0o755)
    return folder


@pytest.mark.parametrize("name", CASES, ids=CASES)
def test_hostile_host_cli_invocation_is_refused_naming_its_argument_and_changes_nothing(tmp_path, tripwires, name):
    case = CASES[name]
    tmp = tmp_path / "t"
    tmp.mkdir()
    argv = case.setup(tmp)
    before = snapshot(tmp)
    env = {**os.environ, "PATH": f"{tripwires}{os.pathsep}{os.environ['PATH']}",
           "DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "host", *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    seconds = time.monotonic() - start
    assert done.returncode == case.code, (done.stdout, done.stderr)
    if "--json" in argv:
        out = json.loads(done.stdout)
        assert out["exit_code"] == case.code and done.stderr == ""
        lines = out["error"].splitlines()
    else:
        assert done.stdout == ""
        lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    for word in case.words:
        assert word.format(tmp=tmp) in lines[0], (word, lines[0])
    assert len(lines[0]) <= case.extra.get("max_line", 2000)
    assert "Traceback" not in done.stdout + done.stderr
    assert seconds < 5, f"{seconds:.1f} s"
    # The root's own tools ran only what the case expects (read-only), and nothing else changed:
    assert roottools.calls(tmp / "root") == case.extra.get("root_calls", [])
    after = {k: v for k, v in snapshot(tmp).items() if k != f"root/{roottools.LOG}"}
    assert after == before  # nothing written, created or removed, in the root or outside it
    assert not (tripwires / "host-calls.log").exists(), (tripwires / "host-calls.log").read_text()


def test_the_table_holds_the_issues_examples_and_20_cases_more():
    assert sum(c.issue for c in CASES.values()) == 6 and sum(not c.issue for c in CASES.values()) >= 20
