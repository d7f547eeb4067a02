"""Implements the ScenarioDeployment component: one all-in-one scenario's objects, in the controller's order.

ConfigMaps (function configs in `default`, functioninfo) -> FunctionTypes (awaited Ready) ->
FunctionChain (awaited Ready) -> DataFlow, each step an explicit depends_on so that creates,
replacements and `--target` keep the order (a FunctionChain made before its types are Ready stays
in Error). Resource names derive from the scenario only, so changing the selection never renames
another scenario's resources.
"""
from __future__ import annotations

import hashlib
import json
import shlex
import sys
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Sequence

import pulumi
import pulumi_command.local as local

from components import kube
from facts.shared import PROJECT_DIR
from scenarios.calc import DEFAULT_INPUTS
from scenarios.commands import scenario_commands
from scenarios.infra_component import ScenarioInfra, ScenarioInfraArgs
from scenarios.render import Rendered, render


@dataclass
class ScenarioArgs:
    scenario: str  # a CATALOG name
    checkout: str  # the controller checkout the scenario files are read from
    images: Mapping[str, str]  # function image name -> pushed reference (FunctionImages.refs)
    controller_version: str = "v1.1.0"
    gpu_region_type: Optional[str] = None  # regionType of the host GPU (gpu_device_type of its model)
    multi_worker: bool = False
    after: list[pulumi.Resource] = field(default_factory=list)  # every object waits for these
    dataflow_after: list[pulumi.Resource] = field(default_factory=list)  # the DataFlow alone also waits for these
    # Registers a resource that moves VFs back into the workers; called for SR-IOV scenarios with
    # (name, trigger) where trigger changes with the DataFlow (HostOperations.reassert fits).
    reassert: Optional[Callable[..., Optional[pulumi.Resource]]] = None
    # The cluster's kubeconfig (content), given when verifyScenarios is on: a check then feeds the
    # scenario its inputs and compares the result. None: no check.
    verify_kubeconfig: Optional[pulumi.Input[str]] = None
    kubectl: str = "kubectl"  # the prefix the exported commands use, Settings.kubectl
    inputs: tuple[float, ...] = DEFAULT_INPUTS


def digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


class ScenarioDeployment(pulumi.ComponentResource):
    """Applies one scenario; takes the Kubernetes provider through opts.

    Outputs: `commands` (how to feed input and read the result), `dataflow` (the DataFlow resource),
    `verification` (the verify command's report, when verify_kubeconfig is given).
    """

    chain: pulumi.Resource
    dataflow: pulumi.Resource
    commands: dict[str, str]
    verification: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: ScenarioArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("openkasugai-aio:scenarios:Scenario", name, None, opts)
        r = render(args.scenario, args.checkout, args.images, args.gpu_region_type, args.multi_worker,
                   args.controller_version)

        def make(obj: dict, deps: list) -> pulumi.Resource:
            # Objects that follow others inherit `after` through them; listing it once keeps the
            # dependency graph small (the SDK walks it on every registration).
            return kube.child(self, name, obj, list(deps) or list(args.after))

        configs = {c["metadata"]["name"]: make(c, []) for c in r.function_configs}
        infos: dict[str, pulumi.Resource] = {}
        types = []
        for t in r.function_types:
            info = r.info_of(t)
            own = [configs[c["metadata"]["name"]] for c in r.configs_of(info)]
            if info["metadata"]["name"] not in infos:  # names its configs; nothing reads it before the type
                infos[info["metadata"]["name"]] = make(info, [])
            types.append(make(t, [infos[info["metadata"]["name"]], *own]))
        self.chain = make(r.chain, types)
        before = list(args.dataflow_after)
        if r.scenario.sriov and args.reassert is not None:
            re = args.reassert(f"{name}-vf-reassert", trigger=digest(r.dataflow))
            before += [re] if re is not None else []
        self.dataflow = make(r.dataflow, [self.chain, *before])
        self.commands = scenario_commands(args.scenario, args.kubectl, args.inputs)
        self.verification = self._verify(name, args, r) if args.verify_kubeconfig is not None else None
        self.register_outputs({"commands": self.commands, "verification": self.verification})

    def _verify(self, name: str, args: ScenarioArgs, r: Rendered) -> pulumi.Output[str]:
        cmd = [sys.executable, "-m", "scenarios.verify", "--scenario", args.scenario,
               "--functions", ",".join(r.functions), "--inputs", " ".join(f"{x:g}" for x in args.inputs)]
        check = local.Command(
            f"{name}-verify", create=shlex.join(cmd), dir=str(PROJECT_DIR),
            # A changed scenario (any object) or new inputs run the check again.
            environment={"SCENARIO_KUBECONFIG": args.verify_kubeconfig,
                         "SCENARIO_DIGEST": digest([r.objects(), list(args.inputs)])},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.dataflow],
                                        additional_secret_outputs=["environment"]))
        return check.stdout


def deploy_scenarios(settings, images: Mapping[str, str], gpu_region_type: Optional[str],
                     kubeconfig: pulumi.Input[str], after: list[pulumi.Resource],
                     infra_after: Sequence[pulumi.Resource] = (),
                     reassert: Optional[Callable[..., Optional[pulumi.Resource]]] = None,
                     opts: Optional[pulumi.ResourceOptions] = None):
    """ScenarioInfra plus one ScenarioDeployment per selected scenario, wired from Settings.

    after: what every scenario object waits for (the controller, the function image builds);
    infra_after: what the shared objects also wait for (Multus and nv-ipam for the NADs);
    reassert: HostOperations.reassert (stage "after"), so that SR-IOV DataFlows re-attach the VFs first.
    Returns (infra, {scenario name: ScenarioDeployment}).
    """
    s = settings
    workers = tuple(w.node for w in s.workers)
    infra = ScenarioInfra("scenario-infra", ScenarioInfraArgs(
        scenarios=tuple(s.scenarios), workers=workers, gpu_worker=s.gpu_worker.node if s.gpu_worker else None,
        sriov=bool(s.sriov_workers), multi_worker=s.multi_worker,
        send_video_tool_image=images.get("send_video_tool"),
        # The Kind config mounts videoDir into this worker (kind_config.VIDEO_NODE_PATH).
        video_node=s.video_worker.node if s.video_worker else None, after=[*after, *infra_after]), opts)
    # A scenario's objects wait for its namespace's shared objects, which wait for `after`: listing `after`
    # again changes no order, and the SDK walks every listed dependency's graph on each registration.
    scenarios = {n: ScenarioDeployment(f"scenario-{n}", ScenarioArgs(
        scenario=n, checkout=s.controller.checkout, images=images, controller_version=s.controller.version,
        gpu_region_type=gpu_region_type, multi_worker=s.multi_worker,
        after=infra.for_scenario(n), reassert=reassert,
        verify_kubeconfig=kubeconfig if s.verify_scenarios else None, kubectl=s.kubectl), opts) for n in s.scenarios}
    return infra, scenarios
