"""The Cluster contract: what KindCluster and ExternalCluster both give the components that use a cluster."""
from __future__ import annotations

from typing import Optional, Protocol, runtime_checkable

import pulumi
import pulumi_kubernetes as k8s


@runtime_checkable
class Cluster(Protocol):
    """A Kubernetes cluster the program deploys into.

    kubeconfig: the admin kubeconfig (secret); provider: pulumi-kubernetes bound to this cluster only;
    node_names: the worker nodes, in the order of the stack's `workers`; ready: resources after which
    the cluster serves (empty when there is nothing to wait for); deletes_with: the resource whose
    deletion removes every in-cluster object (Kind's create command), or None when the cluster outlives
    the stack and each object is deleted on its own.
    """

    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider
    node_names: list[str]
    ready: list[pulumi.Resource]
    deletes_with: Optional[pulumi.Resource]
