"""The engine steps' floor: the stack's objects applied and deleted by kubectl alone, in the same run, on the
same simulated cluster, with the same stand-in answering.

The objects and their order come from the engine's state after `up`: every Kubernetes object (the
children of the Multus ConfigFile included) with its inputs, and what it waited for (its dependencies, a
component's standing for the objects under it, and its parent's). Objects whose prerequisites are all in
earlier waves form the next wave. As the e2e's steps:
- `apply` (up): per wave, one `kubectl apply --server-side`, then what the program awaits, side by side:
  CRDs Established, Deployments Available, DaemonSets rolled out (`kubectl rollout status`, as the
  provider awaits them), FunctionTypes and FunctionChains Ready (their `pulumi.com/waitFor`, which the
  stand-in answers);
- `noop-apply` (the second up): the same objects again, one `kubectl apply --server-side`;
- then the objects the scenario switch dropped are deleted (not measured), and
- `delete` (destroy): what the stack held after the switch, its waves in reverse, one `kubectl delete --wait`
  each.
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any, Iterable

from e2e.toolchain import ToolchainError, locate_floor

TIMEOUT = "300s"
# kind -> the `kubectl wait` condition of what the program awaits for it (the provider's await, or the
# object's pulumi.com/waitFor); DaemonSets are awaited by `kubectl rollout status`.
WAITS = {"CustomResourceDefinition": "condition=Established", "Deployment": "condition=Available",
         "FunctionType": "jsonpath={.status.status}=Ready", "FunctionChain": "jsonpath={.status.status}=Ready"}


class FloorError(Exception):
    pass


def waves(resources: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The state's Kubernetes objects (as their inputs) in waves of the program's dependency order."""
    by_urn = {r["urn"]: r for r in resources}
    under: dict[str, list[str]] = {}
    for r in resources:
        if r.get("parent"):
            under.setdefault(r["parent"], []).append(r["urn"])

    def objects_of(urn: str) -> list[str]:
        """A custom resource stands for itself; a component for the objects under it."""
        r = by_urn.get(urn)
        if r is None or r.get("custom"):
            return [urn] if r is not None and _is_object(r) else []
        return [o for child in under.get(urn, []) for o in objects_of(child)]

    level: dict[str, int] = {}

    def level_of(urn: str, seen: frozenset = frozenset()) -> int:
        if urn in level:
            return level[urn]
        if urn in seen:
            raise FloorError(f"dependency cycle through {urn}")
        r, before = by_urn[urn], []
        for dep in r.get("dependencies") or []:
            before += objects_of(dep)
        parent = r.get("parent")
        if parent and parent in by_urn and not by_urn[parent]["type"].startswith("pulumi:pulumi:Stack"):
            before += [d for dep in by_urn[parent].get("dependencies") or [] for d in objects_of(dep)]
        level[urn] = 1 + max((level_of(d, seen | {urn}) for d in before if d != urn), default=-1)
        return level[urn]

    out: list[list[dict[str, Any]]] = []
    for r in resources:
        if _is_object(r):
            n = level_of(r["urn"])
            out.extend([] for _ in range(n + 1 - len(out)))
            out[n].append({k: v for k, v in r["inputs"].items() if not k.startswith("__")})
    return [w for w in out if w]


def _is_object(r: dict[str, Any]) -> bool:
    return bool(r.get("custom")) and r.get("type", "").startswith("kubernetes:") and "kind" in (r.get("inputs") or {})


class Kubectl:
    def __init__(self, kubeconfig: Path, folder: Path) -> None:
        try:
            self.binary = str(locate_floor().tool("kubectl"))
        except ToolchainError as err:
            raise FloorError(str(err)) from err
        self.kubeconfig, self.folder, self._files = str(kubeconfig), folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def file(self, objs: Iterable[dict[str, Any]]) -> str:
        """The objects as one List manifest."""
        self._files += 1
        path = self.folder / f"{self._files:03}.json"
        path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objs)}))
        return str(path)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([self.binary, "--kubeconfig", self.kubeconfig, *args], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def run(self, *calls: tuple[str, ...]) -> None:
        """Run the calls side by side; fail naming the first that failed."""
        started = [(call, self.start(*call)) for call in calls]
        failed = [(call, p.communicate()[0]) for call, p in started if p.wait() != 0]
        if failed:
            call, output = failed[0]
            raise FloorError(f"kubectl {' '.join(call[:2])} failed: {output.strip()[-2000:]}")


def apply(kubectl: Kubectl, stages: list[list[dict[str, Any]]], took: list[float]) -> float:
    start = time.monotonic()
    for wave in stages:
        began = time.monotonic()
        kubectl.run(("apply", "--server-side", "-f", kubectl.file(wave)))
        waits = [("wait", f"--for={cond}", f"--timeout={TIMEOUT}", "-f", kubectl.file(objs))
                 for cond in sorted(set(WAITS.values()))
                 if (objs := [o for o in wave if WAITS.get(o["kind"]) == cond])]
        waits += [("rollout", "status", f"--timeout={TIMEOUT}", "-f", kubectl.file([o]))
                  for o in wave if o["kind"] == "DaemonSet"]
        if waits:
            kubectl.run(*waits)
        took.append(time.monotonic() - began)
    return time.monotonic() - start


def noop_apply(kubectl: Kubectl, stages: list[list[dict[str, Any]]]) -> float:
    start = time.monotonic()
    kubectl.run(("apply", "--server-side", "-f", kubectl.file(o for wave in stages for o in wave)))
    return time.monotonic() - start


def delete(kubectl: Kubectl, stages: list[list[dict[str, Any]]], took: list[float]) -> float:
    start = time.monotonic()
    for wave in (w for w in reversed(stages) if w):
        began = time.monotonic()
        kubectl.run(("delete", "--wait", "--ignore-not-found", f"--timeout={TIMEOUT}", "-f", kubectl.file(wave)))
        took.append(time.monotonic() - began)
    return time.monotonic() - start


def _key(o: dict[str, Any]) -> tuple:
    meta = o.get("metadata") or {}
    return o["apiVersion"], o["kind"], meta.get("namespace", ""), meta["name"]


# The engine step each floor is the floor of.
STEPS = {"up": "apply", "noop-up": "noop-apply", "destroy": "delete"}


def measure(after_up: list[dict[str, Any]], after_switch: list[dict[str, Any]], kubeconfig: Path,
            folder: Path) -> dict[str, float]:
    """The floors, in seconds, of up (apply), the no-op up (noop-apply) and destroy (delete), from the state
    after up and after the scenario switch; the cluster is left without any of the objects."""
    kubectl, stages, final = Kubectl(kubeconfig, folder), waves(after_up), waves(after_switch)
    applied: list[float] = []
    deleted: list[float] = []
    floors = {"apply": apply(kubectl, stages, applied), "noop-apply": noop_apply(kubectl, stages)}
    kept = {_key(o) for wave in final for o in wave}
    delete(kubectl, [[o for o in wave if _key(o) not in kept] for wave in stages], [])
    floors["delete"] = delete(kubectl, final, deleted)
    print(f"e2e: floor: {sum(map(len, stages))} objects in {len(stages)} waves, {len(kept)} kept by the switch; "
          + ", ".join(f"{k} {v:.2f} s" for k, v in floors.items())
          + f"; apply waves {[round(t, 1) for t in applied]}, delete waves {[round(t, 1) for t in deleted]}",
          flush=True)
    return {k: round(v, 2) for k, v in floors.items()}


def annotate(steps: list[dict[str, Any]], floors: dict[str, float]) -> None:
    """Each engine step gets its floor and the ratio of its command (`pulumi up`, as a user runs it) to it."""
    for step in steps:
        if step["name"] in STEPS:
            floor = floors[STEPS[step["name"]]]
            step.update(floor=floor, ratio=round(step.get("command_seconds", step["seconds"]) / floor, 2))
