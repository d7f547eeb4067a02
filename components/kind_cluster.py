"""Implements the KindCluster component: the cluster, its kubeconfig and a provider bound to it."""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_command.local as local
import pulumi_kubernetes as k8s

from facts.shared import NODE_KUBECONFIG
from renderers import kind_config
from settings import Settings

AGENT_UID = 65532  # the controller's agents run as distroless nonroot


@dataclass
class KindClusterArgs:
    settings: Settings
    images: dict[str, str]  # "no-acc" and, with a GPU, "acc"
    state_dir: str  # where host files for the nodes are written (registries.conf)
    # What must be done before the nodes start: their images, the GPU driver hand-over.
    after: list[pulumi.Resource] = field(default_factory=list)


def _network_script(subnet: str) -> str:
    """kind reuses a Docker network named 'kind'; create it with the configured subnet, or check it.
    The subnet enters the script once, quoted, as $want; later uses expand it inside double quotes."""
    return (
        f"want={shlex.quote(subnet)}; "
        "if ! docker network inspect kind >/dev/null 2>&1; then docker network create --driver bridge "
        "--subnet \"$want\" --opt com.docker.network.bridge.enable_ip_masquerade=true kind >/dev/null; fi; "
        "subnets=\" $(docker network inspect kind --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}')\"; "
        "case \"$subnets\" in *\" $want \"*) ;; *) echo \"failed to create cluster: docker network 'kind' "
        "has subnets$subnets, not kindNetworkSubnet $want; set kindNetworkSubnet to it\" >&2; exit 1;; esac")


class KindCluster(pulumi.ComponentResource):
    """Creates the Kind cluster with `kind` (unpatched) and exports its kubeconfig; a components.cluster.Cluster.

    Outputs: `kubeconfig` (secret), `provider` (pulumi-kubernetes, bound to this cluster only),
    `node_names`, `ready` (the resources after which the cluster and its node files exist), and
    `deletes_with` (the `kind create cluster` command: `kind delete cluster` removes every object in the
    cluster, so in-cluster resources take it as `deleted_with` and are never deleted one by one).
    """

    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider
    node_names: list[str]
    ready: list[pulumi.Resource]
    deletes_with: pulumi.Resource
    config_yaml: str
    cluster: local.Command  # `kind create cluster`

    def __init__(self, name: str, args: KindClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:cluster:KindCluster", name, None, opts)
        s = args.settings
        cname = shlex.quote(s.cluster_name)
        deps: list[pulumi.Resource] = list(args.after)
        conf_path = str(Path(args.state_dir) / f"{s.cluster_name}-registries.conf")
        if kind_config.registries_conf(s):  # the embedded registry, imageMirror
            deps.append(local.Command(
                f"{name}-registries-conf",
                create=f"mkdir -p {shlex.quote(args.state_dir)} && cat > {shlex.quote(conf_path)}",
                stdin=kind_config.registries_conf(s),
                delete=f"rm -f {shlex.quote(conf_path)}",
                triggers=[kind_config.registries_conf(s)],
                opts=pulumi.ResourceOptions(parent=self)))
        self.config_yaml = kind_config.render_yaml(s, args.images, conf_path)
        # No `--wait`: the default CNI is disabled, so no node can be Ready before Calico runs and kind's
        # waitforready action would sit out its whole timeout, then go on with a warning (kind
        # pkg/cluster/internal/create/actions/waitforready). Readiness is awaited where it matters: the
        # Calico bundle waits for its DaemonSet, everything needing pod networking waits for Calico.
        self.cluster = local.Command(
            f"{name}-create",
            create=f"{_network_script(s.kind_network_subnet)}; kind create cluster --name {cname} --config -",
            stdin=self.config_yaml,
            delete=f"kind delete cluster --name {cname}",
            triggers=[self.config_yaml],
            opts=pulumi.ResourceOptions(parent=self, depends_on=deps, delete_before_replace=True,
                                        custom_timeouts=pulumi.CustomTimeouts(create="20m", delete="5m")))
        kubeconfig = local.Command(
            f"{name}-kubeconfig", create=f"kind get kubeconfig --name {cname}",
            logging=local.Logging.NONE, triggers=[self.cluster.id],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster],
                                        additional_secret_outputs=["stdout"]))
        self.kubeconfig = pulumi.Output.secret(kubeconfig.stdout)
        self.deletes_with = self.cluster
        self.node_names = [w.node for w in s.workers]
        self.ready = [self.cluster]
        internal = local.Command(
            f"{name}-kubeconfig-internal", create=f"kind get kubeconfig --internal --name {cname}",
            logging=local.Logging.NONE, triggers=[self.cluster.id],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster],
                                        additional_secret_outputs=["stdout"]))
        # The agents mount the admin kubeconfig from each worker (hostPath, type File).
        install = (f"mkdir -p {Path(NODE_KUBECONFIG).parent} && cat > {NODE_KUBECONFIG} && "
                   f"chown {AGENT_UID}:{AGENT_UID} {NODE_KUBECONFIG} && chmod 0400 {NODE_KUBECONFIG}")
        for node in self.node_names:
            self.ready.append(local.Command(
                f"{name}-node-kubeconfig-{node}",
                create=f"docker exec -i {shlex.quote(node)} sh -c {shlex.quote(install)}",
                stdin=internal.stdout, logging=local.Logging.STDERR, triggers=[self.cluster.id],
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster])))
        self.provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=self.kubeconfig, delete_unreachable=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.ready))
        self.register_outputs({"kubeconfig": self.kubeconfig, "nodeNames": self.node_names})
