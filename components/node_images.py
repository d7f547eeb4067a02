"""Implements the NodeImages component: the Kind node image chain of the all-in-one."""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_command.local as local

from components import image_build
from renderers.imagespec import DOCKERFILES, UBUNTU_BASE, content_tag, crio_repository, kind_base
from settings import Registry


@dataclass
class NodeImagesArgs:
    registry: Registry
    kind_source: str
    kubernetes_source: str
    kubernetes_version: str
    crio_version: str
    gpu_driver_file: str  # empty: no accelerator image
    kernel_release: str = ""  # the host's: the driver's modules are built for it
    kubernetes_build: str = "release"  # kubernetesBuild: "release" (dl.k8s.io binaries) or "source" (compile)
    # What every push needs first: the Harbor project (HarborProject.ready); empty for the embedded registry.
    after: list[pulumi.Resource] = field(default_factory=list)


def base_build_args(args: NodeImagesArgs) -> dict[str, str]:
    # kind's images/Makefile.common.in passes GO_VERSION from the checkout's .go-version; its
    # Dockerfile declares the ARG with no default, so without it gimme has no version to fetch.
    return {"BASE_IMAGE": UBUNTU_BASE, "GO_VERSION": kind_base(args.kind_source).go_version}


def kubernetes_input(args: NodeImagesArgs) -> str:
    """What `kind build node-image` builds from: kubernetesVersion's release (kind v0.24.0 downloads
    dl.k8s.io/<version>/kubernetes-server-linux-<arch>.tar.gz, docs/facts.md §8.7) or the checkout, which
    kind compiles with `make quick-release-images` on the host."""
    if args.kubernetes_build == "release":
        return f"--type release {shlex.quote(args.kubernetes_version)}"
    return f"--type source {shlex.quote(args.kubernetes_source)}"


def node_image_script(args: NodeImagesArgs, refs: dict[str, str]) -> str:
    """`kind build node-image` unless Docker has the image; then, with Harbor, push it.

    The push logs in with a throw-away Docker config and the password on stdin (never argv), so
    neither the user's ~/.docker nor the process list sees the stack's secret.
    """
    node, reg = shlex.quote(refs["node"]), args.registry
    script = (f"{{ docker image inspect {node} >/dev/null 2>&1 || kind build node-image "
              f"--base-image {shlex.quote(refs['base'])} --image {node} {kubernetes_input(args)}; }}")
    if reg.embedded:
        return script
    return (f"{script} && cfg=$(mktemp -d) && trap 'rm -rf \"$cfg\"' EXIT && "
            f"docker --config \"$cfg\" login --username {shlex.quote(reg.username)} --password-stdin "
            f"{shlex.quote(reg.host)} >/dev/null && docker --config \"$cfg\" push {node}")


def chain_refs(args: NodeImagesArgs) -> dict[str, str]:
    """The five image references, each tag a hash of its inputs and of its parent's tag."""
    prefix, refs, base = args.registry.prefix, {}, kind_base(args.kind_source)
    refs["base"] = f"{prefix}/kind-base:" + content_tag(
        UBUNTU_BASE, base.go_version, base.dockerfile, paths=[base.context])
    # A release is named by its version; a source build by the checkout's commit too.
    source = [Path(args.kubernetes_source or "kubernetes") / ".git/HEAD"] if args.kubernetes_build == "source" else []
    refs["node"] = f"{prefix}/kind-node:{args.kubernetes_version}-" + content_tag(
        refs["base"], args.kubernetes_version, args.kubernetes_build, paths=source)
    refs["crio"] = f"{prefix}/kind-node-crio:" + content_tag(
        refs["node"], crio_repository(args.crio_version), paths=[DOCKERFILES / "crio"])
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
    no_acc: pulumi.Resource
    acc: pulumi.Resource | None
    images: list[pulumi.Resource]

    def __init__(self, name: str, args: NodeImagesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:images:NodeImages", name, None, opts)
        self.refs = refs = chain_refs(args)
        reg, kind = args.registry, kind_base(args.kind_source)
        # kind's Dockerfile, made amd64-only, goes to the build inline (kind's checkout stays
        # unpatched); its context is still the checkout's images/base.
        base = image_build.build(
            f"{name}-base", refs["base"], kind.context, kind.dockerfile or str(Path(kind.context) / "Dockerfile"),
            reg, build_args=base_build_args(args), load=True, inline=kind.dockerfile is not None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=args.after))
        # kind builds the Kubernetes node image itself; the command skips work already in Docker.
        node = local.Command(
            f"{name}-node", create=node_image_script(args, refs),
            stdin=None if reg.embedded else pulumi.Output.secret(reg.password),
            triggers=[refs["node"]],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[base, *args.after]))
        crio = image_build.build(
            f"{name}-crio", refs["crio"], str(DOCKERFILES / "crio"), str(DOCKERFILES / "crio/Dockerfile"), reg,
            build_args={"BASE_IMAGE": refs["node"], "CRIO_REPO": crio_repository(args.crio_version)}, load=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[node, *args.after]))
        self.no_acc = image_build.build(
            f"{name}-no-acc", refs["no-acc"], str(DOCKERFILES / "no-acc"), str(DOCKERFILES / "no-acc/Dockerfile"),
            reg, build_args={"BASE_IMAGE": refs["crio"]}, load=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[crio, *args.after]))
        self.acc = None
        if "acc" in refs:
            driver = Path(args.gpu_driver_file)
            self.acc = image_build.build(
                f"{name}-acc", refs["acc"], str(DOCKERFILES / "acc"), str(DOCKERFILES / "acc/Dockerfile"), reg,
                build_args={"BASE_IMAGE": refs["no-acc"], "DRIVER_RUN": driver.name,
                            "KERNEL_RELEASE": args.kernel_release},
                named={"driver": str(driver.parent)}, load=True,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.no_acc, *args.after]))
        self.images = [i for i in (self.no_acc, self.acc) if i is not None]
        self.register_outputs({"refs": refs})
