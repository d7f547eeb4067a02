"""SR-IOV attach/detach/status against the real kernel and Docker, with veth stand-ins."""
from __future__ import annotations

import json
import os
import subprocess
import threading
import sys
from pathlib import Path

import pytest

from host import claims, containers, netlink as nl, sriov
from host.errors import HostOpError, Refused
from host.sysfs import Sysfs
from tests.host.conftest import RUN, WORKERS, pf_name, pid_of, vf_name
from tests.host_context import ctx

W1, W2 = WORKERS

pytestmark = pytest.mark.host
REPO = Path(__file__).resolve().parents[2]


def names_in(pid=None) -> set[str]:
    with nl.open_ns(pid) as ipr:
        return {l.name for l in nl.links(ipr)}


def attach(s: sriov.SriovSpec) -> dict:
    return sriov.attach(s, None, ctx(s))


def detach(s: sriov.SriovSpec) -> dict:
    return sriov.detach(s, None, ctx(s))


def status(s: sriov.SriovSpec) -> dict:
    return sriov.status(s, None, ctx(s))


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "host", *args], cwd=REPO,
                          capture_output=True, text=True)


def spec(fake, tmp_path, i=0, worker=W1, vfs=8, stack="alice", **kw) -> sriov.SriovSpec:
    return sriov.SriovSpec(stack=stack, worker=worker, pf=pf_name(i), vfs=vfs,
                           claims_dir=str(tmp_path / "claims"), root=str(fake.root), **kw)


def sriov_args(s: sriov.SriovSpec, action: str) -> list[str]:
    out = ["sriov", action, "--worker", s.worker, "--pf", s.pf, "--vfs", str(s.vfs), "--stack", s.stack,
           "--claims-dir", s.claims_dir, "--root", s.root, "--json"]
    return out + (["--address", s.address] if s.address else [])


def test_acceptance_attach_status_drift_repair_detach(workers, fake, tmp_path):
    fake.pf(0, vfs=8)
    fake.pf(1, vfs=8)
    fake.decoy(vf_name(0, "0x"))  # matches all-in-one's name regex, but is no VF
    a = spec(fake, tmp_path, 0, W1, address="192.168.10.1/24")
    b = spec(fake, tmp_path, 1, W2, address="192.168.11.1/24")
    for s in (a, b):
        r = cli(*sriov_args(s, "attach"))
        assert r.returncode == 0, r.stderr
    pid = pid_of(W1)
    inside = names_in(pid)
    assert {pf_name(0), *(vf_name(0, i) for i in range(8))} <= inside
    assert vf_name(0, "0x") in names_in() and vf_name(0, "0x") not in inside
    assert {pf_name(1), vf_name(1, 7)} <= names_in(pid_of(W2))
    with nl.open_ns(pid) as w:
        pf = next(l for l in nl.links(w) if l.name == pf_name(0))
        addrs = [x.get_attr("IFA_ADDRESS") for x in w.get_addr(index=pf.index)]
    assert pf.up and "192.168.10.1" in addrs
    assert fake.numvfs(0) == "8"
    st = cli(*sriov_args(a, "status"))
    assert st.returncode == 0 and json.loads(st.stdout)["state"] == "attached"

    with nl.open_ns(pid) as w:  # a VF falls back to the host, as after a DataFlow delete
        nl.move(w, next(l for l in nl.links(w) if l.name == vf_name(0, 3)), None, "host")
    st = cli(*sriov_args(a, "status"))
    assert st.returncode == 3 and json.loads(st.stdout)["state"] == "drift"
    assert json.loads(st.stdout)["interfaces"][vf_name(0, 3)] == "host"
    r = cli(*sriov_args(a, "attach"))
    assert r.returncode == 0 and json.loads(r.stdout)["changed"] is True
    assert vf_name(0, 3) in names_in(pid)
    assert json.loads(cli(*sriov_args(a, "status")).stdout)["state"] == "attached"

    for s in (a, b):
        r = cli(*sriov_args(s, "detach"))
        assert r.returncode == 0, r.stderr
    host = names_in()
    assert {pf_name(0), pf_name(1), vf_name(0, 7), vf_name(1, 0), vf_name(0, "0x")} <= host
    assert not {n for n in names_in(pid) if n.startswith(f"a{RUN}f")}
    assert fake.numvfs(0) == "0" and fake.numvfs(1) == "0"
    assert claims.load(a.claims_dir) == {}
    assert cli(*sriov_args(a, "status")).returncode == 5


def test_attach_again_is_a_noop(workers, fake, tmp_path):
    fake.pf(0, vfs=4)
    s = spec(fake, tmp_path, vfs=4, address="10.9.0.1/24")
    assert attach(s)["changed"] is True
    pid = pid_of(W1)
    before = names_in(pid)
    again = attach(s)
    assert again["changed"] is False and names_in(pid) == before
    detach(s)
    assert detach(s)["changed"] is False  # detach twice is a no-op too


def test_decoy_with_similar_name_is_never_moved(workers, fake, tmp_path):
    fake.pf(0, vfs=2)
    for d in (vf_name(0, 2), vf_name(0, "0d"), pf_name(0) + "x"):  # not in the sysfs virtfn list
        fake.decoy(d)
    attach(spec(fake, tmp_path, vfs=2))
    inside = names_in(pid_of(W1))
    assert {vf_name(0, 0), vf_name(0, 1), pf_name(0)} <= inside
    assert not {vf_name(0, 2), vf_name(0, "0d"), pf_name(0) + "x"} & inside


def test_default_route_interface_is_refused(workers, fake, tmp_path):
    with nl.open_ns(None) as ipr:
        protected = nl.protected_ifaces(ipr)
    if not protected:
        pytest.fail("this host has no default route to test the refusal with")
    name = sorted(protected)[0]
    fake._class(name, "0000:99:00.0")
    dev = fake.root / "sys/bus/pci/devices/0000:99:00.0"
    dev.mkdir(parents=True)
    (dev / "sriov_totalvfs").write_text("8")
    (dev / "sriov_numvfs").write_text("0")
    s = sriov.SriovSpec(stack="manual", worker=W1, pf=name, vfs=0, claims_dir=str(tmp_path / "c"),
                        root=str(fake.root))
    with pytest.raises(Refused, match="default route"):
        attach(s)
    assert name in names_in()
    r = cli("sriov", "attach", "--worker", W1, "--pf", name, "--root", str(fake.root),
            "--claims-dir", str(tmp_path / "c"))
    assert r.returncode == 4 and "default route" in r.stderr


def test_failure_part_way_rolls_back(workers, fake, tmp_path, monkeypatch):
    fake.pf(0, vfs=6)
    s = spec(fake, tmp_path, vfs=6)
    real, calls = nl.move, []

    def move_then_lose_worker(ipr, link, to_pid, label):
        calls.append(link.name)
        if len(calls) == 3:  # the worker is removed mid-run
            subprocess.run(["docker", "rm", "-f", W1], check=True, capture_output=True)
        return real(ipr, link, to_pid, label)

    monkeypatch.setattr(nl, "move", move_then_lose_worker)
    with pytest.raises(HostOpError, match=f"failed to move {vf_name(0, 2)} into {W1}"):
        attach(s)
    host = names_in()
    assert {pf_name(0), *(vf_name(0, i) for i in range(6))} <= host
    assert fake.numvfs(0) == "0"
    assert claims.load(s.claims_dir) == {}


def test_second_stack_claim_is_refused(workers, fake, tmp_path):
    fake.pf(0, vfs=2)
    attach(spec(fake, tmp_path, vfs=2, stack="alice"))
    bob = spec(fake, tmp_path, vfs=2, stack="bob", worker=W2)
    assert any("held by stack 'alice'" in r for _, r in sriov.check(bob, None, ctx(bob)))
    with pytest.raises(Refused, match="alice"):
        attach(bob)
    assert pf_name(0) in names_in(pid_of(W1))


def test_restarted_worker_is_detected(workers, fake, tmp_path):
    fake.pf(0, vfs=2)
    s = spec(fake, tmp_path, vfs=2)
    old = attach(s)["pid"]
    subprocess.run(["docker", "restart", "-t", "0", W1], check=True, capture_output=True)
    st = status(s)
    assert st["state"] == "drift" and st["pid"] != old
    assert "restarted" in st["drift"][0]


def test_open_ns_leaves_this_threads_netns_alone(workers):
    pid = pid_of(W1)
    mine = os.readlink(f"/proc/self/task/{threading.get_native_id()}/ns/net")
    threads = threading.active_count()
    with nl.open_ns(pid) as w:
        assert {l.name for l in nl.links(w)} == {"lo"}  # the worker's netns, not ours
        assert os.readlink(f"/proc/self/task/{threading.get_native_id()}/ns/net") == mine
    assert threading.active_count() == threads
    with nl.pinned(pid) as fd, nl.open_ns(ns=fd) as w:
        assert {l.name for l in nl.links(w)} == {"lo"}
    with pytest.raises(HostOpError, match="failed to open the netns"):
        nl.open_ns(2 ** 22 + 1)


def test_worker_restarted_after_the_moves_rolls_back(workers, fake, tmp_path, monkeypatch):
    fake.pf(0, vfs=3)
    s = spec(fake, tmp_path, vfs=3, address="10.9.1.1/24")
    real, seen = containers.container_pid, []

    def restarted(name, runner=None):  # the final re-check sees another PID
        seen.append(real(name, runner))
        return seen[-1] + (1 if len(seen) > 1 else 0)

    monkeypatch.setattr(containers, "container_pid", restarted)
    with pytest.raises(HostOpError, match="went away mid-run"):
        attach(s)
    assert {pf_name(0), vf_name(0, 0), vf_name(0, 2)} <= names_in()
    assert not {n for n in names_in(seen[0]) if n.startswith(f"a{RUN}f")}
    assert fake.numvfs(0) == "0" and claims.load(s.claims_dir) == {}


def test_vf_renamed_in_the_host_is_found_and_repaired(workers, fake, tmp_path):
    fake.pf(0, vfs=3)
    s = spec(fake, tmp_path, vfs=3)
    pid = attach(s)["pid"]
    with nl.open_ns(pid) as w:  # a VF falls back to the host and udev renames it there
        nl.move(w, next(l for l in nl.links(w) if l.name == vf_name(0, 1)), None, "host")
    with nl.open_ns(None) as h:
        h.link("set", index=h.link_lookup(ifname=vf_name(0, 1))[0], ifname=f"a{RUN}ren1")
    assert status(s)["interfaces"][vf_name(0, 1)] == "host"
    assert attach(s)["changed"] is True
    assert f"a{RUN}ren1" in names_in(pid) and status(s)["state"] == "attached"
    detach(s)
    with nl.open_ns(None) as h:  # back under its own name, so the fixture's clean-up finds it
        h.link("set", index=h.link_lookup(ifname=f"a{RUN}ren1")[0], ifname=vf_name(0, 1))


def test_a_detach_that_fails_part_way_puts_everything_back_into_the_worker(workers, fake, tmp_path, monkeypatch):
    """Attach and detach share one undo stack: the VF count cannot be written back, so the links moved out
    go back in, and the claim and the record stay."""
    fake.pf(0, vfs=3)
    s = spec(fake, tmp_path, vfs=3)
    pid = attach(s)["pid"]
    inside, held = names_in(pid), claims.load(s.claims_dir)

    def refused(self, pf, n, pci=None):
        raise HostOpError(f"failed to set sriov_numvfs of {pf} to {n}: Device or resource busy")
    monkeypatch.setattr(Sysfs, "set_numvfs", refused)
    with pytest.raises(HostOpError, match="Device or resource busy"):
        detach(s)
    assert names_in(pid) == inside and claims.load(s.claims_dir) == held and fake.numvfs(0) == "3"
    monkeypatch.undo()
    assert detach(s)["changed"] is True and fake.numvfs(0) == "0"
