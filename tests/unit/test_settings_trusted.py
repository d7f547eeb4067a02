"""Every stack rule is validated once, in settings, and trusted after: the renderers and components that
used to repeat one now rely on settings, which refuse the same config naming the same key."""
from __future__ import annotations

import ast
import re

import pytest

from components.controller import ControllerArgs
from settings import SettingsError
from settings.schema import KEYS
from tests.unit.test_architecture import MODULES
from tests.unit.test_settings import PREBUILT, _DELETE, _load, _set, full, host, refused  # noqa: F401
from tests.unit.test_settings_rules import _all

# Errors outside settings that may name a stack key, and why they are not stack-value rules.
NOT_STACK_RULES = {
    "controllerCheckout": "the checkout's content (CheckoutError, ScenarioError about upstream files); "
                          "settings only see that the folder is a checkout",
}


def _keys(problems: list[str]) -> list[str]:
    return [p.split(": ")[0] for p in problems]


# Was components/addons.py (PlatformAddons): PFs without sriovIpam.
def test_sriov_workers_without_an_ipam_pool_are_refused_by_settings(host):
    problems = refused(host, _set("sriovIpam", _DELETE))
    assert [p for p in problems if p.startswith("sriovIpam: required when a worker has sriov")], problems


# Was renderers/platform/manifests.py (metallb_objects): a pool outside the kind network, or reversed.
@pytest.mark.parametrize("pool", ["10.0.0.1-10.0.0.2", "172.18.9.10-172.18.9.0"])
def test_a_metallb_pool_outside_the_kind_network_or_reversed_is_refused_by_settings(host, pool):
    assert "metallbAddresses" in _keys(refused(host, _set("metallbAddresses", pool)))


# Was renderers/platform/manifests.py (ippool): a gateway or an exclusion outside the subnet.
def test_an_ipam_gateway_outside_the_subnet_is_refused_by_settings(host):
    problems = refused(host, _set("sriovIpam.gateway", "10.0.0.1"))
    assert "sriovIpam.gateway: 10.0.0.1 is not inside sriovIpam.subnet 192.168.20.0/24" in problems
    problems = refused(host, _set("sriovIpam.exclusions", ["10.0.0.1-10.0.0.9"]))
    assert "sriovIpam.exclusions[0]: 10.0.0.1-10.0.0.9 is not inside sriovIpam.subnet 192.168.20.0/24" in problems


# Was renderers/platform/manifests.py (ippool): an empty gateway failed there with ipaddress's ValueError.
@pytest.mark.parametrize("gateway", [_DELETE, None, ""])
def test_an_ipam_pool_without_a_gateway_is_refused_by_settings(host, gateway):
    problems = refused(host, _set("sriovIpam.gateway", gateway))
    assert [p for p in problems if p.startswith("sriovIpam.gateway: required")], problems


# Was renderers/openkasugai/configmaps.py: a GPU node that is not a worker. Settings name the GPU
# worker among the workers, so no config can express it.
@pytest.mark.parametrize("gpu_at", [0, 1])
def test_the_gpu_node_is_always_one_of_the_workers(host, gpu_at):
    values = full(host)
    for i, w in enumerate(values["workers"]):
        w["gpu"] = i == gpu_at
    a = ControllerArgs.from_settings(_load(values), cpu_model="Xeon", cpu_sockets=1, gpu_model="NVIDIA T4")
    assert a.gpu_node == a.workers[gpu_at]
    assert "workers[1].gpu" in _keys(refused(host, _set("workers.1.gpu", True)))  # a second GPU worker


# Was renderers/openkasugai/checkout.py (check_version, called by the CRD and workload renderers).
def test_an_unsupported_controller_version_is_refused_by_settings(host):
    problems = refused(host, _set("controllerVersion", "v0.9.0"))
    assert [p for p in problems if p.startswith("controllerVersion: 'v0.9.0' is not supported")], problems


# Was scenarios/infra_component.py: multiWorker with one worker.
def test_multi_worker_with_one_worker_is_refused_by_settings(host):
    mutate = _all(_set("multiWorker", True), _set("workers.1", _DELETE), _set("scenarios", ["calcapp-basic"]))
    assert "multiWorker" in _keys(refused(host, mutate))


# Was scenarios/infra_component.py: a video scenario without the send_video_tool image (it is built,
# or given in functionImages, where settings require it).
def test_a_video_scenario_without_the_send_video_tool_image_is_refused_by_settings(host):
    images = {k: v for k, v in PREBUILT.items() if k != "send_video_tool"}
    mutate = _all(_set("functionImages", images), _set("registry", _DELETE), _set("registryPassword", _DELETE),
                  _set("scenarios", ["p1c1"]))
    problems = refused(host, mutate)
    assert [p for p in problems if p.startswith("functionImages: has no send_video_tool")], problems


# Was scenarios/render.py: a GPU scenario whose GPU model nobody knows.
def test_a_gpu_scenario_without_a_gpu_model_is_refused_by_settings(host):
    values = {**full(host), "scenarios": ["p2c1", "p1c1"]}
    with pytest.raises(SettingsError) as err:
        _load(values, host_gpu_model="")
    assert [p for p in err.value.problems
            if p.startswith("scenarios: p2c1 runs a GPU function but the GPU model is unknown")], err.value.problems


def _message_start(call: ast.Call) -> str:
    """The literal start of a call's first argument ('' when it starts with a value)."""
    if not call.args:
        return ""
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return str(arg.values[0].value)
    return ""


def test_no_module_outside_settings_raises_an_error_about_a_stack_key():
    offenders = []
    for name, path in MODULES.items():
        if name.startswith("settings"):
            continue
        tree = ast.parse(path.read_text())
        raised = {id(n.exc) for n in ast.walk(tree) if isinstance(n, ast.Raise)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if not (callee.endswith(("Error", "Exception")) or id(node) in raised):
                continue
            m = re.match(r"([A-Za-z0-9]+)[:.\[]", _message_start(node))
            if m and m.group(1) in KEYS and m.group(1) not in NOT_STACK_RULES:
                offenders.append(f"{path.relative_to(MODULES['__main__'].parent)}:{node.lineno}: {m.group(1)}")
    assert offenders == [], f"validate these in settings and trust them after: {offenders}"
