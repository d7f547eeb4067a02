"""Checks a deployed scenario end to end; run by `pulumi up` when verifyScenarios is on.

    python -m scenarios.verify --kubeconfig FILE --scenario calcapp-basic [--functions send,plus,...]

calc: waits for the DataFlow and its pods, runs `/calcapp <inputs>` in the send pod and checks the
receiver's log against the expected results. video: waits for the DataFlow, its function pods and
the entry address. Exit status 0 on success, 1 on a failed check (the log excerpt is printed),
2 on bad arguments. Without --kubeconfig the kubeconfig *content* is read from $SCENARIO_KUBECONFIG.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Callable, Optional, Sequence

from host.runner import Runner, SubprocessRunner

from .calc import DEFAULT_INPUTS, check_calc_log, format_expected, parse_results
from .catalog import CATALOG, Scenario
from .commands import APP_CONTAINER, ENTRY, cpu_pod, entry_service
from .infra import NAD_NAME


class VerifyError(Exception):
    """A check failed; the message says which and shows what was seen."""


class Kubectl:
    """Runs kubectl against one kubeconfig through the host command runner (argv lists, no shell)."""

    def __init__(self, kubeconfig: str, binary: str = "kubectl", runner: Optional[Runner] = None):
        self.base, self.runner = [binary, "--kubeconfig", kubeconfig], runner or SubprocessRunner()

    def __call__(self, *args: str, check: bool = True) -> tuple[int, str]:
        p = self.runner.run([*self.base, *args], check=False)
        if check and not p.ok:
            raise VerifyError(f"kubectl {' '.join(args)} failed: {(p.stderr or p.stdout).strip()}")
        return p.rc, p.stdout


class Clock:
    def __init__(self, timeout: float, sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], float] = time.monotonic):
        self.deadline, self.sleep, self.now = now() + timeout, sleep, now

    def until(self, probe: Callable[[], Optional[str]], what: str, interval: float = 5.0) -> None:
        """Calls probe until it returns None (done); its last complaint goes into the timeout error."""
        while True:
            complaint = probe()
            if complaint is None:
                return
            if self.now() >= self.deadline:
                raise VerifyError(f"timed out waiting for {what}: {complaint}")
            self.sleep(interval)


def _dataflow_deployed(k: Kubectl, s: Scenario) -> Optional[str]:
    rc, out = k("-n", s.namespace, "get", "dataflow", s.dataflow, "-o", "jsonpath={.status.status}", check=False)
    if out == "Error":
        raise VerifyError(f"DataFlow {s.namespace}/{s.dataflow} is in Error; see "
                          f"`kubectl -n {s.namespace} describe dataflow {s.dataflow}`")
    return None if out == "Deployed" else f"DataFlow status is {out or 'not set'!r}"


def _pods_running(k: Kubectl, s: Scenario, functions: Sequence[str]) -> Optional[str]:
    _, out = k("-n", s.namespace, "get", "pods", "-o", "json")
    pods = {p["metadata"]["name"]: p for p in json.loads(out or '{"items": []}')["items"]
            if p["metadata"]["name"].startswith(f"{s.dataflow}-wbfunction-")}
    missing = [f for f in functions if not any(n.startswith(f"{s.dataflow}-wbfunction-{f}-") for n in pods)]
    if missing:
        return f"no pod yet for function(s) {', '.join(missing)}"
    waiting = [n for n, p in pods.items() if p.get("status", {}).get("phase") != "Running"
               or not all(c.get("ready") for c in p["status"].get("containerStatuses", []))]
    return f"not Running/ready: {', '.join(sorted(waiting))}" if waiting else None


def entry_address(k: Kubectl, s: Scenario) -> Optional[str]:
    if s.sriov:
        _, out = k("-n", s.namespace, "get", "pod", cpu_pod(s, ENTRY[s.namespace]), "-o", "jsonpath="
                   "{.metadata.annotations.k8s\\.v1\\.cni\\.cncf\\.io/network-status}", check=False)
        try:
            return next(n["ips"][0] for n in json.loads(out) if n.get("name", "").endswith(f"/{NAD_NAME}"))
        except (ValueError, StopIteration, KeyError, IndexError, TypeError):
            return None
    _, out = k("-n", s.namespace, "get", "service", entry_service(s), "-o",
               "jsonpath={.status.loadBalancer.ingress[0].ip} {.spec.clusterIP}", check=False)
    return next(iter(out.split()), None)


def _excerpt(log: str, lines: int = 20) -> str:
    return "\n".join("    " + l for l in log.splitlines()[-lines:]) or "    (empty log)"


def verify_calc(k: Kubectl, s: Scenario, clock: Clock, inputs: Sequence[float]) -> str:
    args = ["-n", s.namespace, "logs", cpu_pod(s, "rcv"), "-c", APP_CONTAINER]
    before = sum(1 for l in k(*args)[1].splitlines() if parse_results(l))
    sent = [f"{x:g}" for x in inputs]
    state = {"log": ""}

    def delivered() -> Optional[str]:
        # The sender reads its next hop from a file the sidecar renders; early sends can get lost.
        k("-n", s.namespace, "exec", cpu_pod(s, "send"), "-c", APP_CONTAINER, "--", "/calcapp", *sent,
          check=False)
        state["log"] = k(*args)[1]
        n = sum(1 for l in state["log"].splitlines() if parse_results(l))
        return None if n > before else "the receiver has not logged the request yet"

    clock.until(delivered, f"{s.name}: results in {cpu_pod(s, 'rcv')}", interval=10)
    problems = check_calc_log(state["log"], inputs)
    if problems:
        raise VerifyError(f"{s.name}: the receiver's results differ from the expected "
                          f"({format_expected(inputs)}):\n  " + "\n  ".join(problems)
                          + f"\n  log excerpt ({cpu_pod(s, 'rcv')}):\n{_excerpt(state['log'])}")
    return f"{s.name}: OK, {format_expected(inputs)}"


def verify(k: Kubectl, name: str, functions: Sequence[str], clock: Clock,
           inputs: Sequence[float] = DEFAULT_INPUTS) -> str:
    s = CATALOG[name]
    clock.until(lambda: _dataflow_deployed(k, s), f"DataFlow {s.namespace}/{s.dataflow} to be Deployed")
    clock.until(lambda: _pods_running(k, s, functions), f"the function pods of {s.dataflow}")
    if not s.video:
        return verify_calc(k, s, clock, inputs)
    found: dict[str, Optional[str]] = {}

    def addressed() -> Optional[str]:
        found["a"] = entry_address(k, s)
        return None if found["a"] else "no LoadBalancer/cluster IP or SR-IOV address yet"

    clock.until(addressed, f"the entry address of {s.dataflow}")
    return f"{s.name}: OK, DataFlow Deployed, pods Running, send the video to {found['a']}:5678"


def main(argv: Optional[Sequence[str]] = None, runner: Optional[Runner] = None,
         clock: Optional[Clock] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scenarios.verify", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", required=True, choices=sorted(CATALOG))
    ap.add_argument("--kubeconfig", help="kubeconfig file (default: the content of $SCENARIO_KUBECONFIG)")
    ap.add_argument("--functions", default="", help="function keys of the chain, comma-separated")
    ap.add_argument("--inputs", default=" ".join(f"{x:g}" for x in DEFAULT_INPUTS))
    ap.add_argument("--timeout", type=float, default=900, help="seconds for the whole check")
    ap.add_argument("--kubectl", default="kubectl")
    a = ap.parse_args(argv)
    try:
        inputs = [float(x) for x in a.inputs.split()]
    except ValueError:
        ap.error(f"--inputs must be numbers separated by spaces, got {a.inputs!r}")
    functions = [f for f in a.functions.split(",") if f] or [ENTRY[CATALOG[a.scenario].namespace], "rcv"]
    tmp = None
    if not a.kubeconfig:
        content = os.environ.get("SCENARIO_KUBECONFIG")
        if not content:
            ap.error("give --kubeconfig FILE or the kubeconfig content in $SCENARIO_KUBECONFIG")
        tmp = tempfile.NamedTemporaryFile("w", suffix=".kubeconfig", delete=False)
        tmp.write(content)
        tmp.close()
    try:
        k = Kubectl(a.kubeconfig or tmp.name, a.kubectl, runner)
        print(verify(k, a.scenario, functions, clock or Clock(a.timeout), inputs))
        return 0
    except VerifyError as e:
        print(f"verification failed: {e}", file=sys.stderr)
        return 1
    finally:
        if tmp:
            os.unlink(tmp.name)


if __name__ == "__main__":
    sys.exit(main())
