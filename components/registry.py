"""Implements the ImageRegistry component: a Harbor project, or an embedded registry container."""
from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from components.kind_config import local_registry_name
from components.settings import Registry

REGISTRY_IMAGE = "registry:2.8.3"


@dataclass
class ImageRegistryArgs:
    registry: Registry
    cluster_name: str
    # The embedded registry joins the Docker network 'kind', which exists once the cluster does.
    after: list[pulumi.Resource] = field(default_factory=list)


class ImageRegistry(pulumi.ComponentResource):
    """Where the function images go.

    Harbor: the project is ensured through pulumiverse-harbor with TLS verified (insecure=False).
    Embedded: `registry:2` on the kind network as <cluster>-registry, published on 127.0.0.1:PORT,
    which the nodes reach through the registries.conf mirror written by the Kind cluster.
    Outputs: `prefix` (image name prefix) and `ready` (resources to depend on before pushing).
    """

    prefix: str

    def __init__(self, name: str, args: ImageRegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:registry:ImageRegistry", name, None, opts)
        reg = args.registry
        self.prefix = reg.prefix
        if reg.embedded:
            image = docker.RemoteImage(f"{name}-image", name=REGISTRY_IMAGE, keep_locally=True,
                                       opts=pulumi.ResourceOptions(parent=self))
            container = docker.Container(
                f"{name}-container", name=local_registry_name(args.cluster_name), image=image.image_id,
                restart="always",
                ports=[docker.ContainerPortArgs(internal=5000, external=reg.local_port, ip="127.0.0.1")],
                networks_advanced=[docker.ContainerNetworksAdvancedArgs(
                    name="kind", aliases=[local_registry_name(args.cluster_name)])],
                opts=pulumi.ResourceOptions(parent=self, depends_on=args.after))
            self.ready: list[pulumi.Resource] = [container]
        else:
            import pulumiverse_harbor as harbor
            provider = harbor.Provider(
                f"{name}-harbor", url=f"https://{reg.host}", username=reg.username,
                password=pulumi.Output.secret(reg.password), insecure=False,
                opts=pulumi.ResourceOptions(parent=self))
            project = harbor.Project(f"{name}-project", name=reg.project, public=False,
                                     opts=pulumi.ResourceOptions(parent=self, provider=provider,
                                                                 retain_on_delete=True))
            self.ready = [project]
        self.register_outputs({"prefix": self.prefix})
