"""The scenario function images and where in the controller checkout each is built from (facts, no logic)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional


@dataclass(frozen=True)
class FunctionImage:
    """A scenario function image built from the controller checkout."""

    name: str
    context: str  # relative to the checkout
    dockerfile: str = "Dockerfile"  # relative to the context
    base: Optional[str] = None  # another FunctionImage this one is FROM
    base_ref: str = ""  # how the Dockerfile names that base
    gpu: bool = False


_FUNCS = "sample-functions/functions/for_all_in_one"
FUNCTION_IMAGES: dict[str, FunctionImage] = {i.name: i for i in (
    FunctionImage("cpufunc_calcapp", f"{_FUNCS}/calc-func/cpufunc_calcapp"),
    FunctionImage("cpufunc_sidecar", f"{_FUNCS}/cpugpu-func/cpufunc_sidecar"),
    FunctionImage("rcv_video_tool", "sample-functions/utils/rcv_video_tool"),
    FunctionImage("cpufunc_gst", f"{_FUNCS}/cpugpu-func/cpufunc_gst", base="rcv_video_tool",
                  base_ref="localhost/rcv_video_tool:1.0.0"),
    FunctionImage("send_video_tool", "sample-functions/utils/send_video_tool"),
    # gpu_infer_tcp's Dockerfile expects sample-functions/ as its context.
    FunctionImage("gpu_infer_tcp", "sample-functions",
                  "functions/gpu_infer_tcp_plugins/fpga_depayloader/build_docker/gpu-deepstream/Dockerfile", gpu=True),
    FunctionImage("gpufunc_dsa", f"{_FUNCS}/cpugpu-func/gpufunc_dsa", base="gpu_infer_tcp",
                  base_ref="localhost/gpu_infer_tcp:1.0.0", gpu=True),
)}


def function_images(gpu_scenarios: bool) -> list[FunctionImage]:
    """The images to build, bases first; the GPU pair only when a GPU scenario is selected."""
    return [i for i in FUNCTION_IMAGES.values() if gpu_scenarios or not i.gpu]


def missing_function_sources(checkout: str, gpu_scenarios: bool) -> list[str]:
    return [str(Path(checkout) / i.context / i.dockerfile) for i in function_images(gpu_scenarios)
            if not (Path(checkout) / i.context / i.dockerfile).is_file()]


def deployed_function_images(gpu_scenarios: bool) -> list[str]:
    """The images the scenarios run; a base that others are only built FROM is not one of them."""
    bases = {i.base for i in FUNCTION_IMAGES.values() if i.base}
    return [i.name for i in function_images(gpu_scenarios) if i.name not in bases]
