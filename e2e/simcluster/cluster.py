"""Start and stop the simulated cluster: etcd, kube-apiserver, controller-manager, scheduler, kwok.

Everything listens on 127.0.0.1 only (free ports picked at start). Readiness is awaited by polling
each component and the API (no fixed sleeps). The state folder holds the PKI, etcd's data, the logs,
the admin kubeconfig and state.json (pids and ports) that `down` reads.
"""
from __future__ import annotations

import json
import shutil
import socket
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from e2e.simcluster import kubeconfig, nodes, pki, processes
from e2e.simcluster.api import Api, insecure_healthz
from e2e.simcluster.errors import ClusterError
from e2e.toolchain import Toolchain

PORTS = ("etcd", "etcd-peer", "apiserver", "controller-manager", "scheduler")
READY_TIMEOUT = 180.0


@dataclass
class Cluster:
    state: Path
    workers: tuple[str, ...] = ("node-a", "node-b")
    control_plane: str = "control-plane"  # "" for none
    apiserver_args: tuple[str, ...] = ()  # added to kube-apiserver's argv (the kind-host twin's)
    _procs: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def kubeconfig(self) -> Path:
        return self.state / "kubeconfig"

    @property
    def state_file(self) -> Path:
        return self.state / "state.json"

    def recorded(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except FileNotFoundError:
            return {}

    def running(self) -> list[str]:
        return [name for name, p in self.recorded().get("pids", {}).items()
                if processes.is_ours(p["pid"], p["binary"])]

    def api(self) -> Api:
        return Api(self.recorded()["ports"]["apiserver"], self.state / "pki")

    def up(self, chain: Toolchain, say: Callable[[str], None] = print) -> None:
        """Start everything and await readiness; on failure stop what was started (logs stay)."""
        if self.running():
            raise ClusterError(f"a simulated cluster already runs from {self.state}: run e2e/cluster down first")
        try:
            self._up(chain, say)
        except BaseException:
            self.down(say=lambda _: None, keep_logs=True)
            raise

    def _up(self, chain: Toolchain, say: Callable[[str], None]) -> None:
        binaries = {name: chain.tool(name) for name, _ in processes.ORDER}
        self._check_ours()
        shutil.rmtree(self.state, ignore_errors=True)
        self.state.mkdir(parents=True)
        pki.make(self.state / "pki")
        ports = _free_ports(len(PORTS))
        record = {"ports": dict(zip(PORTS, ports)), "pids": {}, "workers": list(self.workers),
                  "control_plane": self.control_plane}
        for user in ("admin", "controller-manager", "scheduler", "kwok"):
            target = self.kubeconfig if user == "admin" else self.state / f"{user}.kubeconfig"
            kubeconfig.write(target, record["ports"]["apiserver"], self.state / "pki", user)
        checks = {"etcd": lambda: _etcd_healthy(record["ports"]["etcd"]),
                  "kube-apiserver": lambda: self.api().request("GET", "/readyz")[0] == 200,
                  "kube-controller-manager": lambda: insecure_healthz(record["ports"]["controller-manager"]),
                  "kube-scheduler": lambda: insecure_healthz(record["ports"]["scheduler"]),
                  "kwok": lambda: True}  # kwok serves nothing: its readiness is the nodes' (below)
        for name, argv_of in processes.ORDER:
            t0 = time.monotonic()
            argv = argv_of(chain, self.state, record["ports"]) + list(self.apiserver_args if name == "kube-apiserver" else ())
            proc = processes.start(name, argv, self.state / "logs")
            self._procs[name] = proc
            record["pids"][name] = {"pid": proc.pid, "binary": str(binaries[name])}
            self.state_file.write_text(json.dumps(record, indent=2) + "\n")
            self._await(name, checks[name])
            say(f"{name} started in {time.monotonic() - t0:.1f} s")
        t0 = time.monotonic()
        self._add_nodes()
        say(f"nodes {', '.join(self._node_names())} Ready in {time.monotonic() - t0:.1f} s")

    def _await(self, name: str, check: Callable[[], bool], timeout: float = READY_TIMEOUT) -> None:
        """Poll check() until it holds; fail at once when any process started so far has exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc_name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise ClusterError(f"{proc_name} exited with {proc.returncode}:\n"
                                       f"{processes.log_tail(self.state / 'logs', proc_name)}")
            if check():
                return
            time.sleep(0.2)
        raise ClusterError(f"{name} not ready after {timeout:.0f} s:\n{processes.log_tail(self.state / 'logs', name)}")

    def _node_names(self) -> list[str]:
        return ([self.control_plane] if self.control_plane else []) + list(self.workers)

    def _add_nodes(self) -> None:
        api = self.api()
        for name in self._node_names():
            status, body = api.request("POST", "/api/v1/nodes", nodes.node(name, name == self.control_plane))
            if status != 201:
                raise ClusterError(f"failed to create node {name}: {status} {body}")
        for name in self._node_names():
            self._await(f"node {name}", lambda n=name: nodes.is_ready(api.get(f"/api/v1/nodes/{n}")))
        # Pods need the default ServiceAccount, which the controller-manager creates.
        self._await("default ServiceAccount",
                    lambda: api.request("GET", "/api/v1/namespaces/default/serviceaccounts/default")[0] == 200)

    def _check_ours(self) -> None:
        """Only a folder this script made (or an empty or absent one) is ever removed."""
        if self.state.exists() and any(self.state.iterdir()) and not (
                self.state_file.exists() or (self.state / "logs").is_dir()):
            raise ClusterError(f"--state {self.state} is not a simulated cluster's folder: "
                               "give a new or empty folder")

    def down(self, say: Callable[[str], None] = print, keep_logs: bool = False) -> None:
        self._check_ours()
        record = self.recorded()
        for name, _ in reversed(processes.ORDER):
            entry = record.get("pids", {}).get(name)
            if entry:
                processes.stop(entry["pid"], entry["binary"])
                say(f"{name} stopped")
        self._procs.clear()
        if not keep_logs:
            shutil.rmtree(self.state, ignore_errors=True)
            return
        for path in self.state.iterdir() if self.state.exists() else ():
            if path.name != "logs":
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def env(self) -> dict[str, str]:
        if not self.running():
            raise ClusterError(f"no simulated cluster runs from {self.state}: run e2e/cluster up")
        return {"KUBECONFIG": str(self.kubeconfig)}


def _free_ports(count: int) -> list[int]:
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _etcd_healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            return json.loads(response.read()).get("health") == "true"
    except (OSError, ValueError):
        return False
