"""Fixtures for host tests: Kind-named busybox containers, veth PF/VF stand-ins, a fake sysfs tree.

They touch only what they make: every container, veth and peer has a name unique to this test run
(RUN), nothing is deleted that this run did not create (a name that exists already fails the test
instead), and what a test made is removed when it ends, passed or failed. The whole tier holds the
host lock (/tmp/aio-host.lock, tests/hostlock.py), as the e2e host steps do."""
from __future__ import annotations

import io
import os
import secrets
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from host import containers
from host.runner import for_root
from tests import hostlock

IMAGE = "aio-test-node:latest"  # imported once and kept: every run uses the same busybox image
RUN = secrets.token_hex(2)  # in every name this run makes
CLUSTER = f"aio{RUN}"  # Kind names node containers <cluster>-worker, <cluster>-worker2
WORKERS = [f"{CLUSTER}-worker", f"{CLUSTER}-worker2"]
LABEL = "openkasugai-aio.test-run"


def pf_name(i: int) -> str:
    return f"a{RUN}f{i}np{i}"


def vf_name(i: int, v: int | str) -> str:
    return f"a{RUN}f{i}v{v}"


def pid_of(name: str) -> int | None:
    return containers.container_pid(name, for_root("/"))


def pytest_configure(config):
    config.addinivalue_line("markers", "host: needs root, Docker and the real kernel (netns moves)")


def _docker_ok() -> bool:
    return shutil.which("docker") is not None and subprocess.run(
        ["docker", "info"], capture_output=True).returncode == 0


@pytest.fixture(scope="session", autouse=True)
def host_ready():
    why = None
    if os.geteuid() != 0:
        why = "host tests need root"
    elif not _docker_ok():
        why = "host tests need a running Docker daemon"
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"{why} (CI is set, so this is a failure, not a skip)")
        pytest.skip(why)
    with hostlock.held():
        yield


def import_image() -> str:
    """A busybox-only image made with `docker import`: enough for a netns and `sleep`."""
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode == 0:
        return IMAGE
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(shutil.which("busybox") or "/bin/busybox", arcname="bin/busybox")
        for cmd in ("sh", "sleep"):
            info = tarfile.TarInfo(f"bin/{cmd}")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
    subprocess.run(["docker", "import", "-", IMAGE], input=buf.getvalue(), check=True, capture_output=True)
    return IMAGE


@pytest.fixture(scope="session")
def node_image(host_ready):
    return import_image()


class Workers:
    """The worker stand-ins: started here, and only these are ever removed."""

    def __init__(self, image: str, names: list[str] = WORKERS):
        self.image, self.names, self.made = image, names, []

    def start(self) -> list[str]:
        for name in self.names:
            if subprocess.run(["docker", "container", "inspect", name], capture_output=True).returncode == 0:
                raise RuntimeError(f"a container named {name} exists already and was not made by this run; "
                                   "refusing to touch it")
            subprocess.run(["docker", "run", "-d", "--name", name, "--label", f"{LABEL}={RUN}", "--network", "none",
                            self.image, "sleep", "86400"], check=True, capture_output=True)
            self.made.append(name)
        return self.names

    def remove(self) -> None:
        for name in self.made:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        self.made = []


@pytest.fixture
def workers(node_image):
    made = Workers(node_image)
    try:
        yield made.start()
    finally:
        made.remove()


class FakeSriov:
    """veth PFs/VFs on the host plus a sysfs tree describing them. Writing sriov_numvfs in a fake
    tree creates nothing, so the VF veths and their virtfnN entries exist from the start and the
    sysfs wait sees them at once; everything else (moves, addresses, routes) is the real kernel.
    The tree's run/docker.sock links the real Docker on purpose: its workers are real containers."""

    def __init__(self, root: Path):
        from pyroute2 import IPRoute
        self.root, self.ipr, self.peers = root, IPRoute(), []
        (root / "run").mkdir(parents=True, exist_ok=True)
        os.symlink(containers.DOCKER_SOCK, root / containers.ROOT_SOCK)

    def _veth(self, name: str) -> None:
        peer = f"a{RUN}p{len(self.peers)}"
        for n in (name, peer):
            if self.ipr.link_lookup(ifname=n):
                raise RuntimeError(f"an interface named {n} exists already and was not made by this run; "
                                   "refusing to touch it")
        self.ipr.link("add", ifname=name, kind="veth", peer={"ifname": peer})
        self.peers.append(peer)  # the peer never moves: deleting it deletes the pair, wherever the other end is

    def pf(self, i: int, vfs: int, total: int = 64, create_link: bool = True) -> str:
        pf = pf_name(i)
        pci = f"0000:{0x17 + i:02x}:00.0"
        dev = self.root / "sys/bus/pci/devices" / pci
        dev.mkdir(parents=True)
        (dev / "sriov_numvfs").write_text("0\n")
        (dev / "sriov_totalvfs").write_text(f"{total}\n")
        self._class(pf, pci)
        if create_link:
            self._veth(pf)
        for v in range(vfs):
            vf_pci = f"0000:{0x17 + i:02x}:{2 + v // 8:02x}.{v % 8}"
            (self.root / "sys/bus/pci/devices" / vf_pci / "net" / vf_name(i, v)).mkdir(parents=True)
            os.symlink(f"../{vf_pci}", dev / f"virtfn{v}")
            self._class(vf_name(i, v), vf_pci)
            self._veth(vf_name(i, v))
        return pf

    def _class(self, name: str, pci: str) -> None:
        d = self.root / "sys/class/net" / name
        d.mkdir(parents=True, exist_ok=True)
        os.symlink(f"../../../bus/pci/devices/{pci}", d / "device")

    def decoy(self, name: str) -> str:
        self._veth(name)
        return name

    def numvfs(self, i: int) -> str:
        return (self.root / f"sys/bus/pci/devices/0000:{0x17 + i:02x}:00.0/sriov_numvfs").read_text().strip()

    def cleanup(self) -> None:
        for peer in self.peers:
            for idx in self.ipr.link_lookup(ifname=peer):
                self.ipr.link("del", index=idx)
        self.peers = []
        self.ipr.close()


@pytest.fixture
def fake(tmp_path, host_ready):
    f = FakeSriov(tmp_path / "sysroot")
    try:
        yield f
    finally:
        f.cleanup()  # every pair this test made, passed or failed
