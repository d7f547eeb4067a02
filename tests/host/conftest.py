"""Fixtures for host tests: Kind-named busybox containers, veth PF/VF stand-ins, a fake sysfs tree."""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import io
from pathlib import Path

import pytest

IMAGE = "aio-test-node:latest"
WORKERS = ["c-worker", "c-worker2"]


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


@pytest.fixture(scope="session")
def node_image(host_ready):
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


def _rm(name: str) -> None:
    subprocess.run(["docker", "rm", "-f", name], capture_output=True)


@pytest.fixture
def workers(node_image):
    for name in WORKERS:
        _rm(name)
        subprocess.run(["docker", "run", "-d", "--name", name, "--network", "none", node_image,
                        "sleep", "86400"], check=True, capture_output=True)
    yield WORKERS
    for name in WORKERS:
        _rm(name)


def pf_names(i: int) -> tuple[str, str]:
    return (f"enp23s0f{i}np{i}", f"enp23s0f{i}v")


class FakeSriov:
    """veth PFs/VFs on the host plus a sysfs tree describing them. Writing sriov_numvfs in a fake
    tree creates nothing, so the VF veths and their virtfnN entries exist from the start and the
    sysfs wait sees them at once; everything else (moves, addresses, routes) is the real kernel."""

    def __init__(self, root: Path):
        from pyroute2 import IPRoute
        self.root, self.ipr, self.made = root, IPRoute(), []

    def _veth(self, name: str) -> None:
        peer = f"aiop{len(self.made)}"
        for n in (name, peer):
            if self.ipr.link_lookup(ifname=n):
                self.ipr.link("del", ifname=n)
        self.ipr.link("add", ifname=name, kind="veth", peer={"ifname": peer})
        self.made.append((name, peer))

    def pf(self, i: int, vfs: int, total: int = 64, create_link: bool = True) -> str:
        pf, vf_prefix = pf_names(i)
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
            (self.root / "sys/bus/pci/devices" / vf_pci / "net" / f"{vf_prefix}{v}").mkdir(parents=True)
            os.symlink(f"../{vf_pci}", dev / f"virtfn{v}")
            self._class(f"{vf_prefix}{v}", vf_pci)
            self._veth(f"{vf_prefix}{v}")
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
        for name, _ in self.made:
            for idx in self.ipr.link_lookup(ifname=name):
                self.ipr.link("del", index=idx)
        self.ipr.close()


@pytest.fixture
def fake(tmp_path, host_ready):
    f = FakeSriov(tmp_path / "sysroot")
    (tmp_path / "sysroot").mkdir(exist_ok=True)
    yield f
    f.cleanup()  # links moved into a removed container died with its netns; the rest go here
