"""Container runtime: a Kind node's init PID by container name (it changes on every restart).

The runtime of a root: for "/", the Engine API at $DOCKER_HOST (a unix socket) or /var/run/docker.sock;
for another root, the socket at <root>/run/docker.sock if the root has one (the host tests link the
real one there, on purpose), else that root's own `docker` through its runner. So a fake tree without
either never reaches the host's Docker."""
from __future__ import annotations

import http.client
import json
import os
import socket
from urllib.parse import quote

from .errors import HostOpError

_HOST = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
DOCKER_SOCK = _HOST[len("unix://"):] if _HOST.startswith("unix://") else "/var/run/docker.sock"
ROOT_SOCK = "run/docker.sock"  # a root's own Engine API socket, relative to the root


def socket_of(root: str) -> str:
    return DOCKER_SOCK if os.path.normpath(root) == "/" else os.path.join(root, ROOT_SOCK)


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=10)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self._path)


def _inspect_api(name: str, sock: str) -> dict | None:
    # The Engine API answers in about 1 ms; `docker inspect` costs a process start (~15 ms).
    conn = _UnixHTTP(sock)
    try:
        conn.request("GET", f"/containers/{quote(name, safe='')}/json")
        resp = conn.getresponse()
        body = resp.read()
    except OSError as err:
        raise HostOpError(f"failed to inspect container {name}: Docker does not answer at {sock} ({err})") from err
    finally:
        conn.close()
    if resp.status == 404:
        return None
    if resp.status != 200:
        raise HostOpError(f"failed to inspect container {name}: HTTP {resp.status} {body[:200]!r}")
    return json.loads(body)


def _inspect_cli(name: str, runner) -> dict | None:
    # `--`: whatever the name, docker never takes it for an option.
    res = runner.run(["docker", "inspect", "--type", "container", "--", name], check=False)
    if res.rc != 0:
        if "No such" in (res.stderr + res.stdout):
            return None
        raise HostOpError(f"failed to inspect container {name}: {res.stderr.strip()}")
    try:
        return json.loads(res.stdout)[0]
    except (ValueError, IndexError, KeyError) as err:
        raise HostOpError(f"failed to inspect container {name}: unexpected output of docker inspect ({err})") from err


def container_pid(name: str, runner) -> int | None:
    """PID of the running container's init process, or None if it does not exist or is stopped. Through
    the Engine API when its socket is there, else `docker inspect` through the runner (of the root)."""
    sock = socket_of(runner.root)
    if os.path.exists(sock):
        info = _inspect_api(name, sock)
    else:
        info = _inspect_cli(name, runner)
    if not info or not info.get("State", {}).get("Running"):
        return None
    return int(info["State"]["Pid"]) or None

