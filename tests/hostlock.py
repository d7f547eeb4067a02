"""The host lock: everything that makes veths, netns moves or containers on this machine (tests/host, the
host benchmark, the e2e host steps) holds /tmp/aio-host.lock, as `flock /tmp/aio-host.lock CMD` does.

Taken once per process tree: a process started under `flock /tmp/aio-host.lock` inherits the locked file
descriptor and uses it; a process that holds the lock names itself in OPENKASUGAI_AIO_HOST_LOCK_PID, so a
test run it starts (the fresh-clone test runs the README's test command) goes ahead instead of waiting
for its own parent. Standard library only."""
from __future__ import annotations

import fcntl
import os
import sys
from contextlib import contextmanager

LOCK = "/tmp/aio-host.lock"
HELD_ENV = "OPENKASUGAI_AIO_HOST_LOCK_PID"


def _ancestors() -> set[int]:
    out, pid = set(), os.getpid()
    while pid > 1 and pid not in out:
        out.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])  # the field after the state: ppid
        except (OSError, ValueError, IndexError):
            break
    return out


def _inherited() -> int | None:
    """A descriptor of the lock file this process got from its parent (`flock FILE CMD` passes one)."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == LOCK:
                return int(fd)
        except OSError:
            continue
    return None


def held_by_ancestor() -> bool:
    owner = os.environ.get(HELD_ENV, "")
    return owner.isdigit() and int(owner) in _ancestors()


def adopt_inherited() -> bool:
    """When started under `flock LOCK CMD`: mark the lock as this process's, for the processes it starts."""
    fd = _inherited()
    if fd is None or held_by_ancestor():
        return held_by_ancestor()
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the same open file: already ours, granted at once
    except OSError:
        return False
    os.environ[HELD_ENV] = str(os.getpid())
    return True


@contextmanager
def held():
    """Hold the host lock for the block (waiting, with a message, while another run holds it)."""
    if held_by_ancestor() or adopt_inherited():
        yield
        return
    fd = os.open(LOCK, os.O_RDONLY | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for {LOCK}: another host test, benchmark or e2e run holds it", file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.environ[HELD_ENV] = str(os.getpid())
        try:
            yield
        finally:
            os.environ.pop(HELD_ENV, None)
    finally:
        os.close(fd)  # releases the lock
