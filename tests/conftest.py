"""Every test sees an empty source cache of its own, never the user's ~/.cache/openkasugai-aio; the test
run inside the fresh-clone test leaves that test out (no recursion).

The pure tiers (tests/unit, tests/program) never reach Docker: each of their tests sees a `docker` on
PATH that fails loudly and no Engine API socket, and a test that called either fails. A run started under
`flock /tmp/aio-host.lock` marks the lock as its own for the runs it starts (tests/hostlock.py)."""
import atexit
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from tests import hostlock

INNER_RUN_ENV = "OPENKASUGAI_AIO_INNER_CLONE_RUN"
os.environ["OPENKASUGAI_AIO_CACHE"] = tempfile.mkdtemp(prefix="openkasugai-aio-cache-")
atexit.register(shutil.rmtree, os.environ["OPENKASUGAI_AIO_CACHE"], ignore_errors=True)
hostlock.adopt_inherited()

ROOT = Path(__file__).resolve().parents[1]
PURE_TIERS = ("unit", "program")
NO_DOCKER = """#!/bin/sh
echo "docker $*" >> "$(dirname "$0")/calls.log"
echo "docker was called from a unit or program test (tests/conftest.py): $*" >&2
exit 99
"""


def pytest_configure(config):
    config.addinivalue_line("markers", "runs_host_tier: runs the whole test command, host tier included, so it "
                                       "may reach Docker (the fresh-clone test)")


class DockerGuard:
    """The failing `docker` of the pure tiers, and the calls it saw."""

    def __init__(self, folder: Path):
        self.folder = folder
        (folder / "docker").write_text(NO_DOCKER)
        (folder / "docker").chmod(0o755)

    def calls(self) -> list[str]:
        log = self.folder / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def forget(self) -> None:
        (self.folder / "calls.log").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def _docker_guard_folder(tmp_path_factory):
    return DockerGuard(tmp_path_factory.mktemp("no-docker"))


@pytest.fixture(autouse=True)
def docker_guard(request, monkeypatch):
    """Installed for every test under tests/unit and tests/program."""
    parts = Path(str(request.node.path)).resolve().relative_to(ROOT).parts
    if parts[:1] != ("tests",) or parts[1] not in PURE_TIERS or request.node.get_closest_marker("runs_host_tier"):
        yield None
        return
    from host import containers
    guard = request.getfixturevalue("_docker_guard_folder")
    guard.forget()
    monkeypatch.setenv("PATH", f"{guard.folder}{os.pathsep}{os.environ.get('PATH', '')}")
    nowhere = str(guard.folder / "no-docker.sock")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{nowhere}")
    monkeypatch.setattr(containers, "DOCKER_SOCK", nowhere)
    yield guard
    if guard.calls():
        pytest.fail(f"{request.node.nodeid} called Docker, which no unit or program test may: {guard.calls()}")


def pytest_collection_modifyitems(config, items):
    if not os.environ.get(INNER_RUN_ENV):
        return
    inner = [i for i in items if "test_fresh_clone.py" in i.nodeid]
    if inner:
        config.hook.pytest_deselected(items=inner)
        items[:] = [i for i in items if i not in inner]


def _own_address() -> str:
    """A non-loopback IPv4 address of this machine: settings refuse a loopback registry.host (inside a
    Kind node it is the node itself). Connecting a UDP socket sends nothing; the kernel picks the source
    address of its route to TEST-NET-1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            return probe.getsockname()[0]
        except OSError as err:
            pytest.fail(f"the registry stand-in needs a non-loopback IPv4 address on this machine: {err}")


@pytest.fixture
def listener():
    """A registry stand-in on this machine's own address; nothing outside this host is contacted."""
    address = _own_address()
    srv = socket.socket()
    srv.bind((address, 0))
    srv.listen(4)
    yield f"{address}:{srv.getsockname()[1]}"
    srv.close()
