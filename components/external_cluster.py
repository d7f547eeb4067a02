"""Implements the ExternalCluster component: a provider for an existing cluster (no Kind)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s


@dataclass
class ExternalClusterArgs:
    kubeconfig_file: str
    node_names: list[str]


class ExternalCluster(pulumi.ComponentResource):
    """Binds a pulumi-kubernetes provider to the kubeconfig of a cluster this project does not create; a
    components.cluster.Cluster.

    Outputs: `kubeconfig` (secret), `provider`, `node_names`; `ready` is empty (nothing to wait for) and
    `deletes_with` is None: the cluster outlives the stack, so each object is deleted on its own.
    """

    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider
    node_names: list[str]
    ready: list[pulumi.Resource]
    deletes_with: Optional[pulumi.Resource]

    def __init__(self, name: str, args: ExternalClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:cluster:ExternalCluster", name, None, opts)
        self.kubeconfig = pulumi.Output.secret(Path(args.kubeconfig_file).read_text())
        self.node_names = list(args.node_names)
        self.ready = []
        self.deletes_with = None
        # Never delete what lives in a cluster we did not create just because it is unreachable.
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig, delete_unreachable=False,
                                     opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"nodeNames": self.node_names})
