"""Every test sees an empty source cache of its own, never the user's ~/.cache/openkasugai-aio; the test
run inside the fresh-clone test leaves that test out (no recursion)."""
import atexit
import os
import shutil
import socket
import tempfile

import pytest

INNER_RUN_ENV = "OPENKASUGAI_AIO_INNER_CLONE_RUN"
os.environ["OPENKASUGAI_AIO_CACHE"] = tempfile.mkdtemp(prefix="openkasugai-aio-cache-")
atexit.register(shutil.rmtree, os.environ["OPENKASUGAI_AIO_CACHE"], ignore_errors=True)


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
