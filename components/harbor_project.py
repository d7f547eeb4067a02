"""Implements the HarborProject component: the Harbor project every push goes to, before any push."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
from pulumi.resource import create_urn

from settings import Registry


def _moved(old_name: str) -> list[pulumi.Alias]:
    # The provider and the project were ImageRegistry 'registry''s children until they moved here.
    return [pulumi.Alias(name=old_name, parent=create_urn("registry", "openkasugai-aio:registry:ImageRegistry"))]


@dataclass
class HarborProjectArgs:
    registry: Registry  # a Harbor registry (not embedded)


class HarborProject(pulumi.ComponentResource):
    """The Harbor provider (TLS verified) and the project the node and function images are pushed to.

    Harbor answers 409 to creating a project that exists (terraform-provider-harbor's
    resourceProjectCreate expects 201): it is looked up first and an existing one (the reference
    Harbor's `images`, or one an earlier `destroy` kept) is adopted as it is; otherwise it is created
    private and never deleted (retain_on_delete). Built before the node images, which push as they go,
    and before ImageRegistry, which makes the nodes' pull robot in it.
    Outputs: `provider`, `ready` (the created project, or nothing when it existed already).
    """

    provider: pulumi.ProviderResource
    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: HarborProjectArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:registry:HarborProject", name, None, opts)
        import pulumiverse_harbor as harbor  # only Harbor stacks pay for importing it (~0.15 s)
        reg = args.registry
        self.provider = harbor.Provider(
            f"{name}-provider", url=f"https://{reg.host}", username=reg.username,
            password=pulumi.Output.secret(reg.password), insecure=False,
            opts=pulumi.ResourceOptions(parent=self, aliases=_moved("registry-harbor")))
        found = harbor.get_projects(name=f"^{re.escape(reg.project)}$",
                                    opts=pulumi.InvokeOptions(provider=self.provider))
        self.ready = []
        if not any(p.name == reg.project for p in (found.projects or [])):
            self.ready.append(harbor.Project(
                f"{name}-project", name=reg.project, public=False,
                opts=pulumi.ResourceOptions(parent=self, provider=self.provider, aliases=_moved("registry-project"),
                                            retain_on_delete=True)))
        self.register_outputs({})
