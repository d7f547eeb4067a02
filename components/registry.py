"""Implements the ImageRegistry component: a Harbor project, or an embedded registry container."""
from __future__ import annotations

import base64
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_command.local as local

from components import kube
from components.harbor_project import HarborProject
from renderers.kind_config import local_registry_hosting, local_registry_name
from settings import Registry

REGISTRY_IMAGE = "registry:2.8.3"
# Where CRI-O in every Kind node looks for pull credentials: global_auth_file in
# components/dockerfiles/crio/crio.conf.d/10-kind.conf names the same path.
NODE_AUTH_FILE = "/etc/crio/registry-auth.json"


@dataclass
class ImageRegistryArgs:
    registry: Registry
    cluster_name: str
    # The embedded registry joins the Docker network 'kind', which exists once the cluster does.
    after: list[pulumi.Resource] = field(default_factory=list)
    stack: str = "dev"
    # The Kind cluster and its node containers, which get Harbor pull credentials; an external
    # cluster (None) is not ours to write into. A new cluster gets the files again.
    nodes: list[str] = field(default_factory=list)
    cluster: Optional[pulumi.Resource] = None
    # functionImages is set: the images already sit in a registry that the stack does not manage.
    prebuilt: bool = False
    # Harbor: the project (and its provider), made before the node images' pushes.
    project: Optional[HarborProject] = None
    # The cluster's Kubernetes provider: the embedded registry is advertised in the cluster (None: not).
    provider: Optional[pulumi.ProviderResource] = None


def robot_name(stack: str, cluster: str) -> str:
    """One robot per stack and cluster; Harbor wants lower-case words joined by single separators."""
    return re.sub(r"[^a-z0-9]+", "-", f"openkasugai-aio-{stack}-{cluster}".lower()).strip("-")


def node_auth(host: str, username: str, secret: str) -> str:
    """A containers-auth.json giving `username` access to `host` (the format CRI-O reads)."""
    token = base64.b64encode(f"{username}:{secret}".encode()).decode()
    return json.dumps({"auths": {host: {"auth": token}}}, indent=2) + "\n"


def install_auth_script(node: str) -> str:
    install = f"umask 077 && mkdir -p /etc/crio && cat > {NODE_AUTH_FILE}"
    return f"docker exec -i {shlex.quote(node)} sh -c {shlex.quote(install)}"


def remove_auth_script(node: str) -> str:
    # Nothing to remove when the node is gone already (the cluster was deleted by hand).
    n = shlex.quote(node)
    return f"! docker container inspect {n} >/dev/null 2>&1 || docker exec {n} rm -f {NODE_AUTH_FILE}"


class ImageRegistry(pulumi.ComponentResource):
    """Where the function images go, and how the nodes pull them.

    Harbor: the project comes from HarborProject (made before any push); a pull-only robot account of
    it is written as CRI-O's auth file into every Kind node, so private projects work. Embedded: `registry:2` on the kind network as
    <cluster>-registry, published on 127.0.0.1:PORT, which the nodes reach through the
    registries.conf mirror written by the Kind cluster.
    Prebuilt function images (functionImages): nothing at all; the nodes pull from wherever the
    references point, with whatever access the cluster already has.
    Outputs: `prefix` (image name prefix; None with prebuilt images), `ready` (resources to depend on before pushing or pulling),
    `robot` (the robot's name) and `pull_auth` (secret: the auth file, for an external cluster's nodes);
    both None for the embedded registry.
    """

    ready: list[pulumi.Resource]
    prefix: Optional[str]  # None: prebuilt function images, no registry managed
    robot: Optional[pulumi.Output[str]]
    pull_auth: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: ImageRegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:registry:ImageRegistry", name, None, opts)
        reg = args.registry
        self.prefix = reg.prefix
        self.robot = None
        self.pull_auth = None
        if args.prebuilt:
            self.prefix, self.ready = None, []
        elif reg.embedded:
            # Imported here, as Harbor's package is in _harbor: each costs tens of ms of every preview's
            # start, and a stack uses one registry or none.
            import pulumi_docker as docker
            image = docker.RemoteImage(f"{name}-image", name=REGISTRY_IMAGE, keep_locally=True,
                                       opts=pulumi.ResourceOptions(parent=self))
            container = docker.Container(
                f"{name}-container", name=local_registry_name(args.cluster_name), image=image.image_id,
                restart="always",
                ports=[docker.ContainerPortArgs(internal=5000, external=reg.local_port, ip="127.0.0.1")],
                networks_advanced=[docker.ContainerNetworksAdvancedArgs(
                    name="kind", aliases=[local_registry_name(args.cluster_name)])],
                opts=pulumi.ResourceOptions(parent=self, depends_on=args.after))
            self.ready = [container]
            if args.provider is not None:
                kube.apply_child(name, local_registry_hosting(args.cluster_name, reg.local_port), pulumi.ResourceOptions(
                    parent=self, provider=args.provider, deleted_with=args.cluster, depends_on=[container]))
        else:
            self.ready = self._harbor(name, args)
        self.register_outputs({"prefix": self.prefix, "robot": self.robot})

    def _harbor(self, name: str, args: ImageRegistryArgs) -> list[pulumi.Resource]:
        import pulumiverse_harbor as harbor  # only Harbor stacks pay for importing it (~0.15 s)
        reg, project = args.registry, args.project
        on_harbor = pulumi.ResourceOptions(parent=self, provider=project.provider)
        robot = harbor.RobotAccount(
            f"{name}-robot", name=robot_name(args.stack, args.cluster_name), level="project", duration=-1,
            description="pull access of the Kind nodes (openkasugai-aio)",
            permissions=[harbor.RobotAccountPermissionArgs(
                kind="project", namespace=reg.project,
                accesses=[harbor.RobotAccountPermissionAccessArgs(resource="repository", action="pull")])],
            opts=pulumi.ResourceOptions.merge(on_harbor, pulumi.ResourceOptions(depends_on=project.ready)))
        self.robot = robot.full_name
        self.pull_auth = auth = pulumi.Output.secret(pulumi.Output.all(robot.full_name, robot.secret).apply(
            lambda v: node_auth(reg.host, v[0], v[1])))
        ready = [*project.ready, robot]
        for node in args.nodes if args.cluster else []:
            ready.append(local.Command(
                f"{name}-node-auth-{node}", create=install_auth_script(node), delete=remove_auth_script(node),
                stdin=auth, logging=local.Logging.STDERR, triggers=[args.cluster.id, robot.id],
                # Deleted first when replaced: the old resource's delete would remove the new file.
                opts=pulumi.ResourceOptions(parent=self, depends_on=args.after, delete_before_replace=True)))
        return ready
