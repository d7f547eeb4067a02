"""Container runtime: a Kind node's init PID by container name (it changes on every restart)."""
from __future__ import annotations

import http.client
import json
import os
import socket
from urllib.parse import quote

from .errors import HostOpError
from .runner import SubprocessRunner

_HOST = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
DOCKER_SOCK = _HOST[len("unix://"):] if _HOST.startswith("unix://") else "/var/run/docker.sock"


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=10)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self._path)


def _inspect_api(name: str) -> dict | None:
    # The Engine API answers in about 1 ms; `docker inspect` costs a process start (~15 ms).
    conn = _UnixHTTP(DOCKER_SOCK)
    try:
        conn.request("GET", f"/containers/{quote(name, safe='')}/json")
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status == 404:
        return None
    if resp.status != 200:
        raise HostOpError(f"failed to inspect container {name}: HTTP {resp.status} {body[:200]!r}")
    return json.loads(body)


def _inspect_cli(name: str, runner) -> dict | None:
    res = runner.run(["docker", "inspect", "--type", "container", name], check=False)
    if res.rc != 0:
        if "No such" in (res.stderr + res.stdout):
            return None
        raise HostOpError(f"failed to inspect container {name}: {res.stderr.strip()}")
    return json.loads(res.stdout)[0]


def container_pid(name: str, runner=None) -> int | None:
    """PID of the running container's init process, or None if it does not exist or is stopped."""
    if os.path.exists(DOCKER_SOCK) and runner is None:
        info = _inspect_api(name)
    else:
        info = _inspect_cli(name, runner or SubprocessRunner())
    if not info or not info.get("State", {}).get("Running"):
        return None
    return int(info["State"]["Pid"]) or None

