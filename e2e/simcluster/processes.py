"""The five processes of the simulated cluster: argv of each, start, and stop by recorded pid."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from e2e.simcluster.errors import ClusterError
from e2e.toolchain import Toolchain

SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"


def etcd(chain: Toolchain, state: Path, ports: dict[str, int]) -> list[str]:
    client, peer = f"http://127.0.0.1:{ports['etcd']}", f"http://127.0.0.1:{ports['etcd-peer']}"
    return [str(chain.tool("etcd")), "--name=e2e", f"--data-dir={state / 'etcd'}",
            f"--listen-client-urls={client}", f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=e2e={peer}", "--log-level=warn"]


def apiserver(chain: Toolchain, state: Path, ports: dict[str, int]) -> list[str]:
    pki = state / "pki"
    return [str(chain.tool("kube-apiserver")), f"--etcd-servers=http://127.0.0.1:{ports['etcd']}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={ports['apiserver']}",
            f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}", f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc", f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=Node,RBAC", "--allow-privileged=true", "--profiling=false",
            f"--cert-dir={state / 'apiserver-certs'}"]


def controller_manager(chain: Toolchain, state: Path, ports: dict[str, int]) -> list[str]:
    pki, kubeconfig = state / "pki", state / "controller-manager.kubeconfig"
    return [str(chain.tool("kube-controller-manager")), f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}", f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1", f"--secure-port={ports['controller-manager']}",
            f"--cert-dir={state / 'controller-manager-certs'}", "--leader-elect=false", "--profiling=false",
            f"--service-account-private-key-file={pki / 'sa.key'}", f"--root-ca-file={pki / 'ca.crt'}",
            "--use-service-account-credentials=true", f"--service-cluster-ip-range={SERVICE_CIDR}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}", f"--cluster-signing-key-file={pki / 'ca.key'}"]


def scheduler(chain: Toolchain, state: Path, ports: dict[str, int]) -> list[str]:
    kubeconfig = state / "scheduler.kubeconfig"
    return [str(chain.tool("kube-scheduler")), f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}", f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1", f"--secure-port={ports['scheduler']}",
            f"--cert-dir={state / 'scheduler-certs'}", "--leader-elect=false", "--profiling=false"]


def kwok(chain: Toolchain, state: Path, ports: dict[str, int]) -> list[str]:
    # No --server-address and no --node-port: kwok serves nothing, it only talks to the API. Leases
    # keep the node lifecycle controller from marking the nodes NotReady.
    stages = sorted(chain.kwok_stages.glob("*.yaml"))
    return [str(chain.tool("kwok")), f"--kubeconfig={state / 'kwok.kubeconfig'}", "--manage-all-nodes=true",
            f"--cidr={POD_CIDR}", "--node-ip=127.0.0.1", "--node-lease-duration-seconds=40",
            *[f"--config={path}" for path in stages]]


ORDER = (("etcd", etcd), ("kube-apiserver", apiserver), ("kube-controller-manager", controller_manager),
         ("kube-scheduler", scheduler), ("kwok", kwok))


def start(name: str, argv: list[str], logs: Path) -> subprocess.Popen:
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{name}.log", "ab") as log:
        try:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        except OSError as err:
            raise ClusterError(f"failed to start {name}: {err}") from err


def log_tail(logs: Path, name: str, lines: int = 15) -> str:
    try:
        return "\n".join((logs / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def is_ours(pid: int, binary: str) -> bool:
    """The pid still runs the binary we started (pids are recycled)."""
    try:
        return os.readlink(f"/proc/{pid}/exe").split(" (deleted)")[0] == binary
    except OSError:
        return False


def stop(pid: int, binary: str, grace: float = 20.0) -> None:
    if not is_ours(pid, binary):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not is_ours(pid, binary):
            return
        time.sleep(0.1)
    if is_ours(pid, binary):
        os.kill(pid, signal.SIGKILL)
