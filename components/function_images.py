"""Implements the FunctionImages component: the scenario function images from the controller checkout."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from components import image_build
from facts.function_catalog import function_images
from renderers.imagespec import function_image_ref
from settings import Registry


@dataclass
class FunctionImagesArgs:
    registry: Registry
    checkout: str
    gpu_scenarios: bool  # build the DeepStream pair (gpu_infer_tcp, gpufunc_dsa)
    after: list[pulumi.Resource] = field(default_factory=list)
    # functionImages: name -> reference of an image built elsewhere; then nothing is built here.
    prebuilt: dict[str, str] = field(default_factory=dict)


class FunctionImages(pulumi.ComponentResource):
    """Builds and pushes cpufunc_calcapp, cpufunc_sidecar, cpufunc_gst (on rcv_video_tool),
    send_video_tool and, for GPU scenarios, gpufunc_dsa (on gpu_infer_tcp).

    With prebuilt references (functionImages) it builds nothing and `refs` are those references.
    Outputs: `refs` (image name → pushed reference, known before the build) and `builds`.
    """

    refs: dict[str, str]
    builds: dict[str, pulumi.Resource]

    def __init__(self, name: str, args: FunctionImagesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openkasugai-aio:images:FunctionImages", name, None, opts)
        self.refs, self.builds = dict(args.prebuilt), {}
        for image in [] if args.prebuilt else function_images(args.gpu_scenarios):
            ref = function_image_ref(args.registry.prefix, image, args.checkout)
            context = Path(args.checkout) / image.context
            deps = list(args.after)
            named = None
            if image.base:
                # The upstream Dockerfile names its base localhost/<base>:1.0.0; point that at our build.
                named = {image.base_ref: f"docker-image://{self.refs[image.base]}"}
                deps.append(self.builds[image.base])
            self.builds[image.name] = image_build.build(
                f"{name}-{image.name}", ref, str(context), str(context / image.dockerfile), args.registry,
                named=named, opts=pulumi.ResourceOptions(parent=self, depends_on=deps))
            self.refs[image.name] = ref
        self.register_outputs({"refs": self.refs})
