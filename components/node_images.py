"""Implements the NodeImages component: the Kind node image chain of the all-in-one."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_command.local as local

from components import image_build
from components.imagespec import DOCKERFILES, UBUNTU_BASE, content_tag
from components.settings import Registry


@dataclass
class NodeImagesArgs:
    registry: Registry
    kind_source: str
    kubernetes_source: str
    kubernetes_version: str
    crio_version: str
    gpu_driver_file: str  # empty: no accelerator image
    kernel_release: str = ""  # the host's: the driver's modules are built for it


def chain_refs(args: NodeImagesArgs) -> dict[str, str]:
    """The five image references, each tag a hash of its inputs and of its parent's tag."""
    prefix, refs = args.registry.prefix, {}
    refs["base"] = f"{prefix}/kind-base:" + content_tag(
        UBUNTU_BASE, paths=[Path(args.kind_source or "kind") / "images/base"])
    refs["node"] = f"{prefix}/kind-node:{args.kubernetes_version}-" + content_tag(
        refs["base"], args.kubernetes_version, paths=[Path(args.kubernetes_source or "kubernetes") / ".git/HEAD"])
    refs["crio"] = f"{prefix}/kind-node-crio:" + content_tag(
        refs["node"], args.crio_version, paths=[DOCKERFILES / "crio"])
    refs["no-acc"] = f"{prefix}/kind-node-no-acc:" + content_tag(refs["crio"], paths=[DOCKERFILES / "no-acc"])
    if args.gpu_driver_file:
        refs["acc"] = f"{prefix}/kind-node-acc:" + content_tag(
            refs["no-acc"], args.kernel_release, paths=[DOCKERFILES / "acc", args.gpu_driver_file])
    return refs


class NodeImages(pulumi.ComponentResource):
    """Builds base → Kubernetes node → CRI-O → node without accelerator → node with the NVIDIA driver.

    Each image is loaded into the host's Docker (kind creates nodes from there) and pushed when a
    Harbor registry is configured. Outputs: `refs` (role → reference) and `no_acc`/`acc` images.
    """

    refs: dict[str, str]

    def __init__(self, name: str, args: NodeImagesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:images:NodeImages", name, None, opts)
        self.refs = refs = chain_refs(args)
        child = pulumi.ResourceOptions(parent=self)
        reg = args.registry
        base = image_build.build(
            f"{name}-base", refs["base"], str(Path(args.kind_source) / "images/base"),
            str(Path(args.kind_source) / "images/base/Dockerfile"), reg,
            build_args={"BASE_IMAGE": UBUNTU_BASE}, load=True, opts=child)
        # kind builds the Kubernetes node image itself; the command skips work already in Docker.
        push = "" if reg.embedded else f' && docker push "{refs["node"]}"'
        node = local.Command(
            f"{name}-node",
            create=(f'docker image inspect "{refs["node"]}" >/dev/null 2>&1 || '
                    f'(kind build node-image --base-image "{refs["base"]}" --image "{refs["node"]}" '
                    f'"{args.kubernetes_source}"{push})'),
            triggers=[refs["node"]],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[base]))
        crio = image_build.build(
            f"{name}-crio", refs["crio"], str(DOCKERFILES / "crio"), str(DOCKERFILES / "crio/Dockerfile"), reg,
            build_args={"BASE_IMAGE": refs["node"], "CRIO_VERSION": args.crio_version}, load=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[node]))
        self.no_acc = image_build.build(
            f"{name}-no-acc", refs["no-acc"], str(DOCKERFILES / "no-acc"), str(DOCKERFILES / "no-acc/Dockerfile"),
            reg, build_args={"BASE_IMAGE": refs["crio"]}, load=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[crio]))
        self.acc = None
        if "acc" in refs:
            driver = Path(args.gpu_driver_file)
            self.acc = image_build.build(
                f"{name}-acc", refs["acc"], str(DOCKERFILES / "acc"), str(DOCKERFILES / "acc/Dockerfile"), reg,
                build_args={"BASE_IMAGE": refs["no-acc"], "DRIVER_RUN": driver.name,
                            "KERNEL_RELEASE": args.kernel_release},
                named={"driver": str(driver.parent)}, load=True,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.no_acc]))
        self.images = [i for i in (self.no_acc, self.acc) if i is not None]
        self.register_outputs({"refs": refs})
