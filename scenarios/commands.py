"""The commands that feed a scenario its input and read its result (pure; exported per scenario).

Names follow the controller's rules (docs/facts.md §5.2): WBFunction
`<DataFlow>-wbfunction-<key>`, CPU pod `<WBFunction>-cpu-pod`, Service `<WBFunction>-service`.
"""
from __future__ import annotations

import shlex
from typing import Iterable

from .calc import DEFAULT_INPUTS, format_expected
from .catalog import CATALOG, Scenario
from .infra import NAD_NAME, SEND_VIDEO_TOOL, TOOLS_NAMESPACE, VIDEO_MOUNT

APP_CONTAINER = "cpu-container0"  # the agents rename the app container
VIDEO_PORT = 5678
RCV_VIDEO = "/rcv_video.mp4"  # cpufunc_gst's WORKDIR is /, its receiver writes rcv_video.mp4 there
DEFAULT_VIDEO = "sample_720p.mp4"
ENTRY = {"cpufunc-calcapp": "send", "cpufunc-sample": "pip"}
GPU_FUNCTION = "dsa"
# gpu_infer_tcp's Dockerfile generates the TensorRT engine only where nvidia-smi finds an A100 or T4
# (generate_engine_file.sh); BuildKit gives RUN steps no GPU, so the image has none and DeepStream's
# nvinfer builds it when the pod starts. The engine is specific to the GPU and TensorRT version and
# lives in the container, so every new dsa pod spends those minutes again.
GPU_FIRST_START = ("the GPU inference pod builds its TensorRT engine (YOLOv4-p6, 1280x1280, fp16) when it "
                   "starts: several minutes on every new pod, before which frames are dropped; send video "
                   "once the `engine` command prints 'Setting pipeline to PLAYING'")


def cpu_pod(s: Scenario, key: str) -> str:
    return f"{s.dataflow}-wbfunction-{key}-cpu-pod"


def gpu_pod_selector(s: Scenario) -> str:
    """GPUFunction names the pod after the GPU it uses; its label swb/func-name does not change."""
    return f"swb/func-name={s.dataflow}-wbfunction-{GPU_FUNCTION}-gpu-pod"


def entry_service(s: Scenario) -> str:
    return f"{s.dataflow}-wbfunction-{ENTRY[s.namespace]}-service"


def _num(x: float) -> str:
    return f"{float(x):g}"


def address_command(s: Scenario, kubectl: str = "kubectl") -> str:
    """Prints the address the video is sent to: the SR-IOV net1 IP, else the entry Service's IP."""
    if s.sriov:
        pick = ('import json,sys; print(next(n["ips"][0] for n in json.load(sys.stdin) '
                f'if n["name"].endswith("/{NAD_NAME}")))')
        return (f"{kubectl} -n {s.namespace} get pod {cpu_pod(s, ENTRY[s.namespace])} -o jsonpath="
                "'{.metadata.annotations.k8s\\.v1\\.cni\\.cncf\\.io/network-status}' | python3 -c "
                + shlex.quote(pick))
    return (f"{kubectl} -n {s.namespace} get service {entry_service(s)} -o jsonpath="
            "'{.status.loadBalancer.ingress[0].ip}{\" \"}{.spec.clusterIP}' | awk '{print $1}'")


def gst_send(address: str, video: str = DEFAULT_VIDEO) -> str:
    """The all-in-one sender's pipeline (send_video_tool/src/gst_child_process.sh), RTP/H.264 over UDP."""
    return (f"gst-launch-1.0 filesrc location={VIDEO_MOUNT}/{video} ! qtdemux ! video/x-h264 ! h264parse ! "
            f"rtph264pay config-interval=-1 seqnum-offset=1 ! udpsink host={address} port={VIDEO_PORT} "
            "buffer-size=2048")


def scenario_commands(name: str, kubectl: str = "kubectl", inputs: Iterable[float] = DEFAULT_INPUTS,
                      video: str = DEFAULT_VIDEO) -> dict[str, str]:
    s = CATALOG[name]
    ns, inputs = s.namespace, list(inputs)
    out = {"namespace": ns, "dataflow": s.dataflow,
           "status": f"{kubectl} -n {ns} get dataflow {s.dataflow} -o jsonpath='{{.status.status}}'"}
    if not s.video:
        out.update({
            "input": f"{kubectl} -n {ns} exec {cpu_pod(s, 'send')} -c {APP_CONTAINER} -- /calcapp "
                     + " ".join(_num(x) for x in inputs),
            "output": f"{kubectl} -n {ns} logs {cpu_pod(s, 'rcv')} -c {APP_CONTAINER} | grep 'start call Do' | tail -n 1",
            "expected": format_expected(inputs)})
        return out
    rcv = cpu_pod(s, "rcv")
    out.update({
        "address": address_command(s, kubectl),
        "input": f"ADDR=$({address_command(s, kubectl)}) && {kubectl} -n {TOOLS_NAMESPACE} exec "
                 f"deploy/{SEND_VIDEO_TOOL} -- {gst_send('$ADDR', video)}",
        "stop": f"{kubectl} -n {ns} exec {rcv} -c {APP_CONTAINER} -- sh -c 'kill -INT $(pidof gst-launch-1.0)'",
        "output": f"{kubectl} cp -c {APP_CONTAINER} {ns}/{rcv}:{RCV_VIDEO} ./rcv_video-{name}.mp4"})
    if s.gpu:
        out.update({"firstStart": GPU_FIRST_START,
                    "engine": f"{kubectl} -n {ns} logs -l {gpu_pod_selector(s)} --tail=20"})
    return out
