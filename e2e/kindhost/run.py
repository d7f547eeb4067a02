"""e2e/run's kind-host section: the dev stack on the twin (twin.py) through the real engine.

Steps (report.json `kindhost.steps`, each with the engine's change counts):
- up, noop-up (no change at all), gpu-refresh-while-running (refresh of the GPU hand-over while the GPU
  worker holds the device: no drift), switch-scenarios (only scenario resources change), refresh (no
  drift), destroy (host_restored: the twin's host as before up);
- fault-image-build (the GPU node image's build fails in the first up: host_unchanged), then
  retry-after-image-build (completes with no manual step), then a destroy;
- fault-cluster-create (`kind create cluster` fails after the host operations: host_unchanged apart from
  what the state records, listed in host_changes), destroy-after-failed-up (host_restored), the same
  fault once more and retry-after-cluster-create (completes), then a destroy.
The host (Twin.host) is the fake root, where the PF/VF stand-ins are, the twin's containers and this
stack's claims. Runs under flock /tmp/aio-host.lock (it makes veths and containers).
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

from pulumi import automation as auto

from components.constants import footprint_claim_key

from e2e.engine import changes
from e2e.fullstack import objects
from e2e.fullstack.run import E2eError, Touched, is_scenario_resource
from e2e.kindhost import bundles, state
from e2e.kindhost.tools.gpu import GPU_PCI, WORKER_PID
from e2e.kindhost.twin import PROJECT, STACK, Twin
from e2e.simcluster.cluster import Cluster
from e2e.toolchain import Toolchain

HOST_LOCK = "/tmp/aio-host.lock"
# The claims of the host operations applied before the cluster: the footprint gate, the GPU, the hugepage pool.
BEFORE_CLAIMS = {footprint_claim_key(STACK), f"gpu:{GPU_PCI}", "hugepages:1G"}
DROPPED = ("p2c1", "p2c2", "p2c4", "calcapp-sriov")
# What the engine's changes may touch on a fault before the host operations: nothing of the host.
RECORDED = {"gpu": ("proc/modules", "sys/module/", "proc/driver/nvidia/", "proc/3900001/"),
            "hugepages": ("sys/kernel/mm/hugepages/",)}
STAND_INS = ["command plugin (local.Command)", "docker-build plugin (Image)", "docker plugin (RemoteImage, Container)",
             "kind (node containers, simulated control plane)", "docker push to the stand-in registry",
             "GPU tools in the fake root (rmmod, modprobe, insmod, systemctl, nvidia-smi)",
             "fake root (sysfs, procfs, hugepage pool)", "veth PF/VF stand-ins",
             "controller (e2e/standin.py)", "add-on bundles: " + ", ".join(
                 f"{n} ({kind})" for kind, names in bundles.STAND_IN.items() for n in names)]


class KindHost:
    def __init__(self, twin: Twin, report: dict):
        self.twin, self.report = twin, report
        self.stack = twin.stack()
        self.before: dict = {}

    def _history(self) -> dict[str, int]:
        """The engine's own counts for the last operation (its update history holds failed ones too)."""
        last = self.stack.history(page_size=1)
        return changes(last[0].resource_changes if last else None)

    def step(self, name: str, call: Callable[[], Any], fails_with: str = "", **extra) -> dict[str, Any]:
        say = lambda line: print(line, flush=True)  # noqa: E731 - the engine's own output
        start, error = time.monotonic(), ""
        try:
            call(say)
        except auto.CommandError as err:
            error = str(err)
        seconds = time.monotonic() - start
        entry = {"name": name, "seconds": round(seconds, 2), "changes": self._history(), **extra}
        self.report["steps"].append(entry)
        print(f"e2e: kindhost: {name}: {entry['seconds']} s, {entry['changes']}", flush=True)
        if fails_with and fails_with not in error:
            raise E2eError(f"kindhost {name}: the up should have failed with {fails_with!r}: "
                           f"{error[-3000:] or 'it succeeded'}")
        if error and not fails_with:
            raise E2eError(f"kindhost {name} failed: {error[-6000:]}")
        return entry

    def check(self, entry: dict, key: str, problems: list[str]) -> None:
        entry[key] = not problems
        if problems:
            entry["problems"] = problems
            raise E2eError(f"kindhost {entry['name']}: " + "; ".join(problems))

    # -- what each step must leave ----------------------------------------------------------------
    def differences(self) -> list[str]:
        now, was = self.twin.host(), self.before
        out = [f"{k}: {was[k]} -> {now[k]}" for k in ("pfs_in_host", "numvfs", "claims", "containers") if now[k] != was[k]]
        paths = sorted(p for p in set(now["tree"]) | set(was["tree"]) if now["tree"].get(p) != was["tree"].get(p))
        return out + [f"fake root: {p}" for p in paths]

    def up_problems(self) -> list[str]:
        problems, name = [], self.twin.config.get("clusterName", "kind")
        cluster = Cluster(self.twin.state / "clusters" / name)
        live = objects.from_state(self.stack.export_stack().deployment["resources"])
        counts, api = objects.problems_after_up(objects.Index(cluster.api()), live)
        problems += api
        host = self.twin.host()
        nodes = {f"{name}-control-plane", f"{name}-worker", f"{name}-worker2"}
        if not nodes <= set(host["containers"]) or f"{name}-registry" not in host["containers"]:
            problems.append(f"containers: {host['containers']}, expected the nodes {sorted(nodes)} and the registry")
        if host["pfs_in_host"]:
            problems.append(f"PF/VF stand-ins still in the host's netns: {host['pfs_in_host']}")
        boots = state.read_json("gpu-boots.json").get("boots", []) if os.environ.get(state.ENV) else []
        if not boots or boots[0]["driver_was_loaded"]:
            problems.append(f"the GPU worker booted with the host's driver still loaded ({boots})")
        if host["tree"].get("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "").strip() != "16":
            problems.append("16 1 GiB hugepages are not reserved")
        wanted = {*BEFORE_CLAIMS, *(f"pf:{w['sriov']['pf']}" for w in self.twin.config["workers"] if w.get("sriov"))}
        if set(host["claims"]) != wanted:
            problems.append(f"claims of this stack: {host['claims']}, expected {sorted(wanted)}")
        self.report.setdefault("objects", counts)
        return problems

    def lifecycle(self) -> None:
        up = self.step("up", lambda say: self.stack.up(on_output=say))
        self.check(up, "complete", self.up_problems())
        noop = self.step("noop-up", lambda say: self.stack.up(on_output=say))
        self.check(noop, "unchanged", [f"{k}: {v}" for k, v in noop["changes"].items() if k != "same" and v])
        gpu = next(r["urn"] for r in self.stack.export_stack().deployment["resources"]
                   if r["urn"].endswith("::host-operations-gpu"))
        running = self.step("gpu-refresh-while-running",
                            lambda say: self.stack.refresh(on_output=say, target=[gpu]),
                            worker_holds_gpu=(self.twin.root / "proc" / str(WORKER_PID)).exists())
        drift = next(r for r in self.stack.export_stack().deployment["resources"] if r["urn"] == gpu)["outputs"]["drift"]
        self.check(running, "no_drift", [f"{k}: {v}" for k, v in running["changes"].items() if k != "same" and v]
                   + [f"drift: {d}" for d in drift])
        kept = [n for n in self.twin.config["scenarios"] if n not in DROPPED]
        self.stack.set_config(f"{PROJECT}:scenarios", auto.ConfigValue(json.dumps(kept)))
        touched = Touched()
        switch = self.step("switch-scenarios", lambda say: self.stack.up(on_output=say, on_event=touched))
        switch["touched"] = len(touched.urns)
        # A default provider's registration is the engine's bookkeeping (the pulumi-python one reappears when
        # dynamic resources are only deleted), not a resource of the stack.
        foreign = [u for u in touched.urns
                   if not (is_scenario_resource(u) or _scenario_reassert(u) or "::pulumi:providers:" in u)]
        self.check(switch, "only_scenarios", [f"touched {u}" for u in foreign] + ([] if touched.urns else ["nothing"]))
        self.stack.set_config(f"{PROJECT}:scenarios", auto.ConfigValue(json.dumps(self.twin.config["scenarios"])))
        refresh = self.step("refresh", lambda say: self.stack.refresh(on_output=say))
        self.check(refresh, "no_drift", [f"{k}: {v}" for k, v in refresh["changes"].items() if k != "same" and v])
        self.destroy("destroy")

    def destroy(self, name: str, **extra) -> None:
        entry = self.step(name, lambda say: self.stack.destroy(on_output=say), **extra)
        self.check(entry, "host_restored", self.differences())

    def faults(self) -> None:
        self.twin.faults(**{"image-build": "kind-node-acc"})
        fault = self.step("fault-image-build", lambda say: self.stack.up(on_output=say), fails_with="injected fault")
        self.check(fault, "host_unchanged", self.differences())
        self.twin.faults()
        retry = self.step("retry-after-image-build", lambda say: self.stack.up(on_output=say))
        self.check(retry, "complete", self.up_problems())
        self.destroy("destroy", after="retry-after-image-build")
        self.twin.faults(**{"kind-create": "kubeadm init"})
        fault = self.step("fault-cluster-create", lambda say: self.stack.up(on_output=say), fails_with="kubeadm init")
        self.check(fault, "host_unchanged", self.unrecorded(fault))
        self.destroy("destroy-after-failed-up")
        self.step("fault-cluster-create", lambda say: self.stack.up(on_output=say), fails_with="kubeadm init",
                  again=True)
        self.twin.faults()
        retry = self.step("retry-after-cluster-create", lambda say: self.stack.up(on_output=say))
        self.check(retry, "complete", self.up_problems())
        self.destroy("destroy", after="retry-after-cluster-create")

    def unrecorded(self, entry: dict) -> list[str]:
        """What changed on the host beyond what the stack's state records (its host operations' records):
        the GPU hand-over and the hugepage reservation ran before `kind create cluster`, and stay, recorded,
        for the retry or a destroy. Their changes go to entry['host_changes']; anything else is a problem."""
        recorded = {r["urn"].rsplit("-", 1)[-1] for r in self.stack.export_stack().deployment["resources"]
                    if r["urn"].split("::")[-1].startswith("host-operations-")}
        allowed = tuple(p for op in recorded for p in RECORDED.get(op, ()))
        kept, problems = [], []
        for line in self.differences():
            path = line.removeprefix("fake root: ")
            if line.startswith("fake root: ") and path.startswith(allowed):
                kept.append(path)
            elif line.startswith("claims:") and set(self.twin.host()["claims"]) <= BEFORE_CLAIMS:
                kept.append(line)
            else:
                problems.append(line)
        entry["host_changes"] = kept
        entry["recorded_by"] = sorted(f"host-operations-{op}" for op in recorded)
        return problems


def _scenario_reassert(urn: str) -> bool:
    """A scenario's VF re-assert (HostDevices.reassert, named <scenario resource>-vf-reassert) is the scenario's."""
    return urn.split("::")[-2].endswith("SriovReassert") and urn.endswith("-vf-reassert")


def kind_host(chain: Toolchain, work: Path, bundle_cache: Path, report: dict[str, Any]) -> None:
    """The kind-host section; fills `report` (report.json's `kindhost`) as the steps run, so a failed step
    leaves the steps before it there too."""
    reference = Path(os.environ.get("OPENKASUGAI_AIO_REFERENCE") or "")
    if not (reference / "openkasugai-controller").is_dir():
        raise E2eError("the kind-host twin reads the controller and all-in-one data from OPENKASUGAI_AIO_REFERENCE "
                       f"(it is {str(reference)!r})")
    report.update(steps=[], stand_ins=STAND_INS)
    with open(HOST_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        twin = Twin(chain, work, reference, bundle_cache)
        os.environ[state.ENV] = str(twin.state)  # the harness reads the twin's state too
        start = time.monotonic()
        try:
            twin.open()
            report["plugins"] = twin.plugins
            run = KindHost(twin, report)
            run.before = twin.host()
            run.lifecycle()
            run.faults()
            run.stack.workspace.remove_stack(STACK)
        finally:
            twin.close()
            report["seconds"] = round(time.monotonic() - start, 1)
