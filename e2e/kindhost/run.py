"""e2e/run's kind-host section: the dev stack on the twin (twin.py) through the real engine.

Steps (report.json `kindhost.steps`, each with the engine's change counts):
- up, noop-up (no change at all), gpu-refresh-while-running (refresh of the GPU hand-over while the GPU
  worker holds the device: no drift), switch-scenarios (only scenario resources change), refresh (no
  drift), destroy (host_restored: the twin's host as before up);
- fault-image-build (the GPU node image's build fails in the first up: host_unchanged), then
  retry-after-image-build (completes with no manual step), then a destroy;
- fault-cluster-create (`kind create cluster` fails after the host operations and the nodes' boot:
  host_unchanged apart from what the state records, listed in host_changes), destroy-after-failed-up
  (host_restored), fault-cluster-create again (before the nodes start: no NVIDIA driver is loaded after
  it) and retry-after-cluster-create (completes, the GPU's UUID read from the stack's own claim), then a
  destroy. The faults run with one
  scenario (p2c3: GPU and SR-IOV), to keep the section short.
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

from facts.shared import footprint_claim_key

from e2e.engine import changes, diagnostics
from e2e.fullstack import objects
from e2e.fullstack.run import E2eError, Touched, is_scenario_resource
from e2e.kindhost import bundles, state
from e2e.kindhost.tools.gpu import GPU_PCI, GPU_UUID, WORKER_PID, Kernel
from e2e.kindhost.twin import PROJECT, STACK, Twin
from e2e.simcluster.cluster import Cluster
from e2e.toolchain import Toolchain

HOST_LOCK = "/tmp/aio-host.lock"
# The claims of the host operations applied before the cluster: the footprint gate, the GPU, the hugepage pool.
BEFORE_CLAIMS = {footprint_claim_key(STACK), f"gpu:{GPU_PCI}", "hugepages:1G"}
DROPPED = ("p2c1", "p2c2", "p2c4", "calcapp-sriov")
FAULT_SCENARIOS = ("p2c3",)
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
    """The steps. `report` is report.json's `kindhost` as the issue gives it: steps of name, seconds, the
    engine's changes and, where the step has one, host_unchanged or host_restored; `checks` holds, per step,
    what else was checked (report.json's `kindhost_checks`)."""

    def __init__(self, twin: Twin, report: dict, checks: list):
        self.twin, self.report, self.checks = twin, report, checks
        self.stack = twin.stack()
        self.before: dict = {}  # the host before the first up: what every destroy must leave

    def _history(self) -> dict[str, int]:
        """The engine's own counts for the last operation (its update history holds failed ones too)."""
        last = self.stack.history(page_size=1)
        return changes(last[0].resource_changes if last else None)

    def step(self, name: str, call: Callable[[Callable], Any], fails_with: str = "", host: str = "",
             problems: Callable[[dict], list[str]] | None = None, **extra) -> dict[str, Any]:
        """Run one engine operation. host: "unchanged" (the host as before this step; a fault's as before
        up), "restored" (as before the first up), or "" (the step changes it by design: up, retries).
        problems(entry): what else it must leave; any problem fails the section after it is reported."""
        say = lambda line: print(line, flush=True)  # noqa: E731 - the engine's own output
        was = self.twin.host() if host == "unchanged" and not name.startswith("fault-") else self.before
        boots_from = len(state.read_json("gpu-boots.json").get("boots", []))
        start, error = time.monotonic(), ""
        try:
            call(say)
        except auto.CommandError as err:
            error = diagnostics(str(err))
        entry = {"name": name, "seconds": round(time.monotonic() - start, 2), "changes": self._history()}
        self.report["steps"].append(entry)
        check: dict[str, Any] = {"name": name, **extra}
        check["boots_from"] = boots_from
        self.checks.append(check)
        found = []
        if fails_with and fails_with not in error:
            found.append(f"the up should have failed with {fails_with!r}: {error[-3000:] or 'it succeeded'}")
        elif error and not fails_with:
            found.append(f"failed: {error[-6000:]}")
        if host and not found:
            differences = self.differences(was)
            kept = self.recorded(differences, check) if name == "fault-cluster-create" else []
            entry["host_unchanged" if host == "unchanged" else "host_restored"] = differences == kept
            found += [d for d in differences if d not in kept]
        if problems and not found:
            found += problems(check)
        print(f"e2e: kindhost: {name}: {entry['seconds']} s, {entry['changes']}"
              + (f"; problems: {found}" if found else ""), flush=True)
        if found:
            check["problems"] = found
            raise E2eError(f"kindhost {name}: " + "; ".join(found))
        return entry

    # -- what each step must leave ----------------------------------------------------------------
    def differences(self, was: dict) -> list[str]:
        now = self.twin.host()
        out = [f"{k}: {was[k]} -> {now[k]}" for k in ("pfs_in_host", "numvfs", "claims", "containers") if now[k] != was[k]]
        paths = sorted(p for p in set(now["tree"]) | set(was["tree"]) if now["tree"].get(p) != was["tree"].get(p))
        return out + [f"fake root: {p}" for p in paths]

    def recorded(self, differences: list[str], check: dict) -> list[str]:
        """The differences the stack's state records: the host operations applied before `kind create
        cluster` (the footprint claim, the GPU hand-over, the hugepage reservation) stay, recorded, for the
        retry or a destroy. Listed in check['host_changes'] with the resources that record them."""
        resources = [r["urn"].split("::")[-1] for r in self.stack.export_stack().deployment["resources"]
                     if r["urn"].split("::")[-1].startswith("host-operations-")]
        allowed = tuple(p for name in resources for p in RECORDED.get(name.rsplit("-", 1)[-1], ()))
        claims_ok = set(self.twin.host()["claims"]) <= BEFORE_CLAIMS
        kept = [d for d in differences if (d.startswith("fake root: ") and d[len("fake root: "):].startswith(allowed))
                or (d.startswith("claims:") and claims_ok)]
        check.update(host_changes=kept, recorded_by=sorted(resources))
        return kept

    def up_problems(self, check: dict) -> list[str]:
        problems, name = [], self.twin.config.get("clusterName", "kind")
        cluster = Cluster(self.twin.state / "clusters" / name)
        live = objects.from_state(self.stack.export_stack().deployment["resources"])
        counts, api = objects.problems_after_up(objects.Index(cluster.api()), live)
        check["objects"] = counts
        problems += api
        host = self.twin.host()
        nodes = {f"{name}-control-plane", f"{name}-worker", f"{name}-worker2"}
        if not nodes <= set(host["containers"]) or f"{name}-registry" not in host["containers"]:
            problems.append(f"containers: {host['containers']}, expected the nodes {sorted(nodes)} and the registry")
        if host["pfs_in_host"]:
            problems.append(f"PF/VF stand-ins still in the host's netns: {host['pfs_in_host']}")
        problems += self.boot_problems(check)
        if host["tree"].get("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages") != "16":
            problems.append("16 1 GiB hugepages are not reserved")
        devices = json.loads(next(iter(cluster.api().get("/api/v1/namespaces/default/configmaps/infrastructureinfo")
                                       .get("data", {"": '{"devices": []}'}).values())))["devices"]
        uuids = {d["deviceUUID"] for d in devices if d.get("nodeName") == f"{name}-worker" and d["deviceUUID"].startswith("GPU-")}
        check["gpu_uuid"] = sorted(uuids)
        if uuids != {GPU_UUID}:  # the driver's, or this stack's claim's once its own hand-over unloaded it
            problems.append(f"the GPU worker's deviceUUID in infrastructureinfo is {sorted(uuids)}, not {GPU_UUID}")
        wanted = {*BEFORE_CLAIMS, *(f"pf:{w['sriov']['pf']}" for w in self.twin.config["workers"] if w.get("sriov"))}
        if set(host["claims"]) != wanted:
            problems.append(f"claims of this stack: {host['claims']}, expected {sorted(wanted)}")
        return problems

    @staticmethod
    def boot_problems(check: dict) -> list[str]:
        """The GPU worker booted in this step after the hand-over: the host's driver was gone. (A retry after
        a failed `kind create cluster` boots over the modules the failed attempt's worker loaded, and keeps
        them, as nvidia-load-modules does: check=False there.)"""
        boots = state.read_json("gpu-boots.json").get("boots", [])[check["boots_from"]:]
        check["gpu_worker_boots"] = boots
        if not boots:
            return ["the GPU worker did not boot"]
        if check.get("handover", True) and boots[0]["driver_was_loaded"]:
            return [f"the GPU worker booted with the host's driver still loaded ({boots[0]})"]
        return []

    @staticmethod
    def _unchanged(check: dict, counts: dict) -> list[str]:
        return [f"{k}: {v}" for k, v in counts.items() if k != "same" and v]

    def lifecycle(self) -> None:
        up = self.stack.up
        self.step("up", lambda say: up(on_output=say), problems=self.up_problems)
        self.step("noop-up", lambda say: up(on_output=say), host="unchanged",
                  problems=lambda c: self._unchanged(c, self.report["steps"][-1]["changes"]))
        gpu = next(r["urn"] for r in self.stack.export_stack().deployment["resources"]
                   if r["urn"].endswith("::host-operations-gpu"))
        holds = (self.twin.root / "proc" / str(WORKER_PID)).exists()
        self.step("gpu-refresh-while-running", lambda say: self.stack.refresh(on_output=say, target=[gpu]),
                  host="unchanged", worker_holds_gpu=holds, problems=lambda c: self._unchanged(
                      c, self.report["steps"][-1]["changes"]) + [f"drift: {d}" for d in self._drift(gpu)])
        kept = [n for n in self.twin.config["scenarios"] if n not in DROPPED]
        self.stack.set_config(f"{PROJECT}:scenarios", auto.ConfigValue(json.dumps(kept)))
        touched = Touched()
        self.step("switch-scenarios", lambda say: up(on_output=say, on_event=touched), host="unchanged",
                  dropped=list(DROPPED), problems=lambda c: self._only_scenarios(c, touched.urns))
        self.stack.set_config(f"{PROJECT}:scenarios", auto.ConfigValue(json.dumps(self.twin.config["scenarios"])))
        self.step("refresh", lambda say: self.stack.refresh(on_output=say), host="unchanged",
                  problems=lambda c: self._unchanged(c, self.report["steps"][-1]["changes"]))
        self.step("destroy", lambda say: self.stack.destroy(on_output=say), host="restored")

    def _drift(self, urn: str) -> list:
        return next(r for r in self.stack.export_stack().deployment["resources"] if r["urn"] == urn)["outputs"]["drift"]

    @staticmethod
    def _only_scenarios(check: dict, urns: list[str]) -> list[str]:
        # A default provider's registration is the engine's bookkeeping (the pulumi-python one reappears
        # when dynamic resources are only deleted), not a resource of the stack.
        check["touched"] = len(urns)
        foreign = [u for u in urns if not (is_scenario_resource(u) or _scenario_reassert(u) or "::pulumi:providers:" in u)]
        return [f"touched {u}" for u in foreign] + ([] if urns else ["nothing"])

    def faults(self) -> None:
        """On the same stack with one scenario, p2c3 (GPU and SR-IOV): the faults are the host operations' and
        the cluster's, and each retry of all nine scenarios would cost a minute more (the first up has them)."""
        up, destroy = self.stack.up, self.stack.destroy
        self.stack.set_config(f"{PROJECT}:scenarios", auto.ConfigValue(json.dumps(list(FAULT_SCENARIOS))))
        self.twin.faults(**{"image-build": "kind-node-acc"})
        self.step("fault-image-build", lambda say: up(on_output=say), fails_with="injected fault", host="unchanged")
        self.twin.faults()
        self.step("retry-after-image-build", lambda say: up(on_output=say), problems=self.up_problems)
        self.step("destroy", lambda say: destroy(on_output=say), host="restored", after="retry-after-image-build")
        # After the nodes booted (kubeadm): the GPU worker's modules stay loaded; destroy puts the host's back.
        self.twin.faults(**{"kind-create": "kubeadm init"})
        self.step("fault-cluster-create", lambda say: up(on_output=say), fails_with="kubeadm init", host="unchanged",
                  problems=self.boot_problems, when="after the nodes booted")
        self.step("destroy-after-failed-up", lambda say: destroy(on_output=say), host="restored")
        # Before the nodes start: no driver is loaded when the retry reads the GPU's identity (from the claim).
        self.twin.faults(**{"kind-create": "nodes"})
        self.step("fault-cluster-create", lambda say: up(on_output=say), fails_with="failed to create nodes",
                  host="unchanged", when="before the nodes started")
        self.twin.faults()
        driver = "nvidia" in Kernel(self.twin.root).modules()
        self.step("retry-after-cluster-create", lambda say: up(on_output=say), problems=self.up_problems,
                  driver_loaded_before=driver)
        self.step("destroy", lambda say: destroy(on_output=say), host="restored", after="retry-after-cluster-create")


def _scenario_reassert(urn: str) -> bool:
    """A scenario's VF re-assert (HostDevices.reassert, named <scenario resource>-vf-reassert) is the scenario's."""
    return urn.split("::")[-2].endswith("SriovReassert") and urn.endswith("-vf-reassert")


def kind_host(chain: Toolchain, work: Path, bundle_cache: Path, report: dict[str, Any]) -> None:
    """The kind-host section; fills `report` as the steps run, so a failed step leaves the ones before it:
    report["kindhost"] (the issue's shape) and report["kindhost_checks"] (what else each step checked)."""
    reference = Path(os.environ.get("OPENKASUGAI_AIO_REFERENCE") or "")
    if not (reference / "openkasugai-controller").is_dir():
        raise E2eError("the kind-host twin reads the controller and all-in-one data from OPENKASUGAI_AIO_REFERENCE "
                       f"(it is {str(reference)!r})")
    report.update(kindhost={"steps": [], "stand_ins": STAND_INS}, kindhost_checks=[])
    with open(HOST_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        twin = Twin(chain, work, reference, bundle_cache)
        os.environ[state.ENV] = str(twin.state)  # the harness reads the twin's state too
        start = time.monotonic()
        try:
            twin.open()
            run = KindHost(twin, report["kindhost"], report["kindhost_checks"])
            run.before = twin.host()
            run.lifecycle()
            run.faults()
            run.stack.workspace.remove_stack(STACK)
        finally:
            twin.close()
            report["kindhost_checks"].append({"name": "section", "seconds": round(time.monotonic() - start, 1),
                                              "plugins": twin.plugins})
