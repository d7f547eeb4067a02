"""Implements the ScenarioInfra component: what the scenarios share, per namespace.

Namespaces cpufunc-calcapp and cpufunc-sample with view ClusterRoleBindings for their default
ServiceAccounts (always: cheap, and a selection change then never touches them), the SR-IOV
NetworkAttachmentDefinitions when SR-IOV is configured, the multi-worker Strategy/UserRequirement
ConfigMaps when multiWorker is on, and send-video-tool when a video scenario is selected.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi

from components import kube
from scenarios import infra, multiworker
from scenarios.catalog import CATALOG


@dataclass
class ScenarioInfraArgs:
    scenarios: tuple[str, ...]
    workers: tuple[str, ...]  # Kind node names, first worker first (e.g. alice-worker, alice-worker2)
    gpu_worker: Optional[str] = None  # node name of the worker with the GPU
    sriov: bool = False  # a worker has an SR-IOV PF (and nv-ipam runs)
    multi_worker: bool = False
    send_video_tool_image: Optional[str] = None  # set when a video scenario is selected
    video_node: Optional[str] = None  # the node whose video_node_path holds videoDir
    video_node_path: str = infra.VIDEO_NODE_PATH
    after: list[pulumi.Resource] = field(default_factory=list)  # e.g. the controller, Multus/nv-ipam


class ScenarioInfra(pulumi.ComponentResource):
    """Outputs: `for_scenario(name)` lists the resources a Scenario's objects must wait for."""

    per_namespace: dict[str, list[pulumi.Resource]]
    send_video_tool: Optional[pulumi.Resource]

    def __init__(self, name: str, args: ScenarioInfraArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("openkasugai-aio:scenarios:ScenarioInfra", name, None, opts)

        def make(obj: dict, deps: list) -> pulumi.Resource:
            # An object that follows its namespace waits for `after` through it (as in Controller).
            return kube.child(self, name, obj, list(deps) or list(args.after))

        self.per_namespace = {}
        for ns in infra.NAMESPACES:
            ns_res = make(infra.namespace(ns), [])
            needs = [ns_res, make(infra.view_binding(ns), [ns_res])]
            if args.sriov:
                needs.append(make(infra.sriov_nad(ns), [ns_res]))
            if args.multi_worker:  # settings require two workers with it
                needs.append(make(multiworker.strategy_configmap(ns), [ns_res]))
                needs.append(make(multiworker.user_requirement_configmap(
                    ns, args.workers[0], args.workers[1], args.gpu_worker), [ns_res]))
            self.per_namespace[ns] = needs
        self.send_video_tool = None
        if any(CATALOG[s].video for s in args.scenarios):
            # Settings require a worker; the image is built, or given in functionImages (settings check it).
            node = args.video_node or args.gpu_worker or args.workers[0]
            tools = make(infra.namespace(infra.TOOLS_NAMESPACE), [])
            self.send_video_tool = make(infra.send_video_tool(
                args.send_video_tool_image, node, args.video_node_path), [tools])
        self.register_outputs({"namespaces": list(self.per_namespace)})

    def for_scenario(self, scenario: str) -> list[pulumi.Resource]:
        return list(self.per_namespace[CATALOG[scenario].namespace])
