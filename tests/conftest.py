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


@pytest.fixture
def listener():
    """A registry stand-in on 127.0.0.1; nothing outside this host is contacted."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    yield f"127.0.0.1:{srv.getsockname()[1]}"
    srv.close()
