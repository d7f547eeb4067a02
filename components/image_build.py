"""One image build: a docker-build Image with the project's defaults (used by the image components)."""
from __future__ import annotations

from typing import Mapping, Optional

import pulumi
import pulumi_docker_build as docker_build

from settings import Registry


def build(name: str, ref: str, context: str, dockerfile: str, registry: Registry, *,
          build_args: Optional[Mapping[str, pulumi.Input[str]]] = None,
          named: Optional[Mapping[str, str]] = None, load: bool = False, inline: bool = False,
          opts: Optional[pulumi.ResourceOptions] = None) -> docker_build.Image:
    """Build `ref` from `context`; push it unless only the local Docker needs it.

    `dockerfile` is a path, or with `inline` the Dockerfile's text.

    The tag is content-addressed, so an unchanged input set means an unchanged resource and no
    rebuild; builds run only on `up`, never on `preview`.
    """
    push = not registry.embedded or not load
    registries = None
    if not registry.embedded:
        registries = [docker_build.RegistryArgs(address=registry.host, username=registry.username,
                                                password=pulumi.Output.secret(registry.password))]
    return docker_build.Image(
        name,
        tags=[ref],
        context=docker_build.BuildContextArgs(
            location=context,
            named={k: docker_build.ContextArgs(location=v) for k, v in (named or {}).items()} or None),
        dockerfile=docker_build.DockerfileArgs(**{"inline" if inline else "location": dockerfile}),
        build_args=dict(build_args or {}) or None,
        build_on_preview=False,
        push=push,
        load=load,
        registries=registries,
        platforms=[docker_build.Platform.LINUX_AMD64],
        # Pushed tags are content-addressed and may be shared by other stacks: never delete them.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True)),
    )
