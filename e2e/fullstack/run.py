"""e2e/run --report DIR: the project's own program through the real engine, on a stack of the external
profile against the simulated cluster, then the host devices through the engine; DIR/report.json.

Real: the Pulumi CLI and engine, the kubernetes provider, kube-apiserver, controller-manager,
scheduler, etcd, the upstream controller data and Multus bundle, the kernel (host steps). Simulated:
the nodes (kwok) and the part of the OpenKasugai controller the program waits for (e2e/standin.py,
a STAND-IN). Every change count comes from the engine's own summary; touched resources from its events.
"""
from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pulumi import automation as auto

from e2e.cli.journey import journey, readme_profiles
from e2e.engine import REPO, changes, inline_stack
from e2e.fullstack import floor, objects
from e2e.fullstack.bundles import multus_folder
from e2e.simcluster.cluster import Cluster
from e2e.standin import ControllerStandIn
from e2e.toolchain import Toolchain
from tests.fake_checkout import write_checkout

PROJECT, STACK = "openkasugai-aio", "e2e"
WORKERS = ("node-a", "node-b")
# Every scenario an external cluster can run: calcapp-sriov, p2c3 and p3c1 need SR-IOV, which means
# host operations, which the external profile refuses (docs/configuration.md "Rules across keys").
SCENARIOS = ("calcapp-basic", "p1c1", "p1c2", "p2c1", "p2c2", "p2c4")
DROPPED = ("p2c1", "p2c2", "p2c4")
# Prebuilt images (functionImages): nothing is pulled here, kwok runs the pods without them.
IMAGES = {n: f"registry.e2e.invalid/openkasugai/{n}:1.1.0"
          for n in ("cpufunc_calcapp", "cpufunc_sidecar", "cpufunc_gst", "send_video_tool", "gpufunc_dsa")}
NOISE_OPS = (auto.OpType.SAME, auto.OpType.READ, auto.OpType.REFRESH)


class E2eError(Exception):
    pass


@dataclass
class Report:
    toolchain: dict[str, str]
    steps: list[dict[str, Any]] = field(default_factory=list)
    api_objects_left: int = -1
    cli: dict[str, Any] = field(default_factory=dict)
    kindhost: dict[str, Any] = field(default_factory=dict)  # kindhost, kindhost_checks (e2e/kindhost/run.py)
    floor: dict[str, float] = field(default_factory=dict)  # kubectl alone, same objects (e2e/fullstack/floor.py)

    def step(self, name: str, seconds: float, counts: dict[str, int], **extra: Any) -> dict[str, Any]:
        entry = {"name": name, "seconds": round(seconds, 2), "changes": counts, **extra}
        self.steps.append(entry)
        print(f"e2e: {name}: {entry['seconds']} s, {counts}" + (f", {extra}" if extra else ""), flush=True)
        return entry


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def controller_checkout(work: Path) -> Path:
    """The real upstream controller data (OPENKASUGAI_AIO_REFERENCE); outside CI the tests' fake checkout."""
    root = os.environ.get("OPENKASUGAI_AIO_REFERENCE")
    if root and (Path(root) / "openkasugai-controller").is_dir():
        return Path(root) / "openkasugai-controller"
    if os.environ.get("CI") == "true":
        raise E2eError("OPENKASUGAI_AIO_REFERENCE must name the folder holding openkasugai-controller/ under CI "
                       f"(it is {root!r})")
    print("e2e: OPENKASUGAI_AIO_REFERENCE is not set: the tests' fake controller checkout stands in", flush=True)
    return write_checkout(work / "controller", dockerfiles=False)


def stack_config(cluster: Cluster, checkout: Path, addons: Path, video: Path, scenarios=SCENARIOS) -> dict:
    return {
        "pulumi:disable-default-providers": ["kubernetes"],
        f"{PROJECT}:externalKubeconfig": str(cluster.kubeconfig),
        f"{PROJECT}:workers": [{"name": WORKERS[0], "gpu": True}, {"name": WORKERS[1]}],
        f"{PROJECT}:hostCpuModel": "Intel(R) Xeon(R) Gold 6348 CPU @ 2.60GHz",
        f"{PROJECT}:hostGpuModel": "NVIDIA A100 80GB PCIe",
        f"{PROJECT}:hostGpuUuid": "GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b",
        f"{PROJECT}:controllerCheckout": str(checkout),
        f"{PROJECT}:addonManifests": str(addons),
        f"{PROJECT}:functionImages": IMAGES,
        f"{PROJECT}:videoDir": str(video),
        f"{PROJECT}:scenarios": list(scenarios),
    }


def is_scenario_resource(urn: str) -> bool:
    """The URN's type chain passes through a Scenario or the ScenarioInfra component."""
    types = urn.split("::")[2] if urn.count("::") >= 3 else ""
    return "openkasugai-aio:scenarios:" in types


class Touched:
    """URNs of the resources an operation changed, from the engine's events."""

    def __init__(self) -> None:
        self.urns: list[str] = []

    def __call__(self, event: auto.EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre and pre.metadata.op not in NOISE_OPS and pre.metadata.urn not in self.urns:
            self.urns.append(pre.metadata.urn)


def full_stack(chain: Toolchain, work: Path, report: Report, bundle_cache: Path) -> None:
    checkout = controller_checkout(work)
    addons = multus_folder(bundle_cache, work / "addons")
    (work / "video").mkdir(parents=True, exist_ok=True)
    cluster = Cluster(work / "cluster", WORKERS)
    cluster.up(chain, say=lambda line: print(f"e2e: cluster: {line}", flush=True))
    try:
        config = stack_config(cluster, checkout, addons, work / "video")
        with ControllerStandIn(cluster.api()) as standin:
            _lifecycle(chain, work, report, cluster, config)
            _cli(chain, work / "cli", report, cluster, config, standin)
        if standin.errors:
            raise E2eError("the controller stand-in failed: " + "; ".join(standin.errors))
    finally:
        cluster.down(say=lambda _: None, keep_logs=True)


def _cli(chain: Toolchain, work: Path, report: Report, cluster: Cluster, config: dict,
         standin: ControllerStandIn) -> None:
    """What a user types, through the real CLI on this repository's Pulumi.yaml (e2e/cli)."""
    def abort() -> list[str]:
        return standin.errors
    report.cli = {"pulumi": chain.versions().get("pulumi", ""), "steps": [], "readme_blocks": []}
    report.cli["steps"] = journey(chain, work, cluster, config, abort)
    # No network here: the controller and the add-ons given by path, as the README says for such a host.
    # A Kind profile builds the function images, so its checkout needs their Dockerfiles, which the
    # reference data (YAML and JSON only) lacks: the tests' controller checkout stands in there. Its
    # add-on bundles, kind and Kubernetes are left to fetch, which fails here (no network).
    offline = {"external": {k: config[f"{PROJECT}:{k}"] for k in ("controllerCheckout", "addonManifests")},
               "kind": {"controllerCheckout": str(write_checkout(work / "controller-with-dockerfiles"))}}
    report.cli["offline"] = {kind: sorted(keys) for kind, keys in offline.items()}
    report.cli["readme_blocks"] = readme_profiles(chain, work, cluster, offline, abort)


def _program() -> None:
    runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")


def _lifecycle(chain: Toolchain, work: Path, report: Report, cluster: Cluster, config: dict) -> None:
    stack = inline_stack(chain, work / "engine", PROJECT, STACK, _program, config)
    cli = stack.workspace.pulumi_command  # e2e.engine.TimedCommand: `last`, the operation's own command
    index = objects.Index(cluster.api())
    say = lambda line: print(line, flush=True)  # noqa: E731 - the engine's own output, as `pulumi up` prints it
    preview, seconds = timed(lambda: stack.preview(on_output=say))
    report.step("preview", seconds, changes(preview.change_summary), command_seconds=round(cli.last, 2))

    up, seconds = timed(lambda: stack.up(on_output=say))
    state = stack.export_stack().deployment["resources"]
    live = objects.from_state(state)
    counts, problems = objects.problems_after_up(index, live)
    report.step("up", seconds, changes(up.summary.resource_changes), command_seconds=round(cli.last, 2),
                objects=counts)
    if problems:
        raise E2eError("after up: " + "; ".join(problems))

    noop, seconds = timed(lambda: stack.up(on_output=say))
    noop_counts = report.step("noop-up", seconds, changes(noop.summary.resource_changes),
                              command_seconds=round(cli.last, 2))["changes"]
    if any(noop_counts[k] for k in ("create", "update", "delete", "replace")):
        raise E2eError(f"a second up changed something: {noop_counts}")

    kept = [n for n in SCENARIOS if n not in DROPPED]
    stack.set_config(f"{PROJECT}:scenarios", auto.ConfigValue(json.dumps(kept)))
    touched = Touched()
    switch, seconds = timed(lambda: stack.up(on_output=say, on_event=touched))
    report.step("switch-scenarios", seconds, changes(switch.summary.resource_changes),
                command_seconds=round(cli.last, 2), touched=touched.urns)
    foreign = [u for u in touched.urns if not is_scenario_resource(u)]
    if foreign or not touched.urns:
        raise E2eError(f"the scenario switch touched {foreign or 'nothing'}; only scenario resources may change")
    switched = stack.export_stack().deployment["resources"]
    after_switch = objects.from_state(switched)
    gone = [o for o in live if o not in after_switch]
    if index.left(gone):
        raise E2eError(f"objects of dropped scenarios are still in the API: {index.left(gone)}")

    refresh, seconds = timed(lambda: stack.refresh(on_output=say))
    drift = report.step("refresh", seconds, changes(refresh.summary.resource_changes),
                        command_seconds=round(cli.last, 2))["changes"]
    if any(drift[k] for k in ("create", "update", "delete", "replace")):
        raise E2eError(f"refresh found drift: {drift}")

    destroy, seconds = timed(lambda: stack.destroy(on_output=say))
    report.step("destroy", seconds, changes(destroy.summary.resource_changes), command_seconds=round(cli.last, 2))
    left = index.left(live)
    report.api_objects_left = len(left)
    if left:
        raise E2eError(f"destroy left {len(left)} objects in the API: {', '.join(map(str, left[:10]))}")
    report.floor = floor.measure(state, switched, cluster.kubeconfig, work / "floor")
    floor.annotate(report.steps, report.floor)
    if index.left(live):
        raise E2eError(f"the floor's kubectl delete left objects in the API: {index.left(live)[:10]}")
    stack.workspace.remove_stack(STACK)


def host_steps(report: Report, out: Path) -> None:
    """The host project through the engine: E's pytest flow (it needs the host tests' fixtures), which
    writes its steps to `out`; run under the host lock like every host test."""
    env = {**os.environ, "OPENKASUGAI_E2E_HOST_STEPS": str(out)}
    lock = ["flock", "/tmp/aio-host.lock"] if shutil.which("flock") else []
    done = subprocess.run([*lock, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "e2e/tests/test_host_engine.py"], cwd=REPO, env=env)
    if done.returncode != 0 or not out.is_file():
        raise E2eError(f"the host steps failed (pytest exit {done.returncode})")
    report.steps.extend(json.loads(out.read_text()))
