"""Rendering every scenario from the controller checkout (the reference copy), single and multi-worker."""
import json

import pytest
import yaml

from renderers.openkasugai import crds
from renderers.platform import manifests as addons
from scenarios import infra, multiworker
from scenarios.catalog import CATALOG
from scenarios.commands import scenario_commands
from scenarios.images import ScenarioError, image_name, rewrite_image
from scenarios.render import READY, render
from tests.harness import CONTROLLER_CHECKOUT
from tests.schema_check import validate

CHECKOUT = str(CONTROLLER_CHECKOUT)
IMAGES = {n: f"192.168.10.100/images/{n}:0123456789abcdef"
          for n in ("cpufunc_calcapp", "cpufunc_sidecar", "cpufunc_gst", "gpufunc_dsa", "send_video_tool")}
MODES = [False, True]


@pytest.fixture(scope="module")
def schemas():
    return crds.crd_schemas(crds.canonical_crds(CHECKOUT))


def _images_in(value):
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("image", "imageURI"):
                yield v
            else:
                yield from _images_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _images_in(v)


@pytest.mark.parametrize("multi", MODES)
@pytest.mark.parametrize("name", list(CATALOG))
def test_every_scenario_renders_and_validates(name, multi, schemas):
    r = render(name, CHECKOUT, IMAGES, "h100", multi)
    s = CATALOG[name]
    assert r.dataflow["metadata"] == {"name": s.dataflow, "namespace": s.namespace}
    assert r.dataflow["spec"]["functionChainRef"]["name"] == r.chain["metadata"]["name"]
    assert ("userRequirement" in r.dataflow["spec"]) == multi
    if multi:
        assert r.dataflow["spec"]["userRequirement"] == "user-requirement"
    for obj in r.objects():
        assert validate(obj, crd_schemas=schemas) is None
    for cm in r.function_configs:
        assert cm["metadata"]["namespace"] == "default"
        for text in cm["data"].values():
            refs = list(_images_in(json.loads(text)))
            assert refs and all(ref in IMAGES.values() for ref in refs)
    assert "localhost/" not in yaml.safe_dump(r.objects())
    assert all(o["metadata"]["namespace"] == s.namespace for o in [*r.function_infos, *r.function_types, r.chain])
    assert r.chain["metadata"]["annotations"] == READY
    assert all(t["metadata"]["annotations"] == READY for t in r.function_types)
    for t in r.function_types:  # each type's ConfigMaps resolve
        assert r.configs_of(r.info_of(t))


@pytest.mark.parametrize("name", list(CATALOG))
def test_gpu_region_type_follows_the_host(name):
    r = render(name, CHECKOUT, IMAGES, "h100")
    types = {i["regionType"] for info in r.function_infos for i in json.loads(info["data"]["deployableItems"])}
    assert types == ({"cpu", "h100"} if CATALOG[name].gpu else {"cpu"})
    assert ("gpufunc_dsa" in yaml.safe_dump(list(r.function_configs))) == CATALOG[name].gpu


def test_cpu_only_scenarios_need_no_gpu_model():
    # A GPU scenario without a GPU model is refused by settings (test_settings_trusted.py).
    render("p1c1", CHECKOUT, IMAGES, None)


def test_functions_and_their_chain():
    assert render("calcapp-basic", CHECKOUT, IMAGES).functions == {
        "send": "calcapp-send", "plus": "calcapp-plus", "minus": "calcapp-minus", "multiply": "calcapp-multiply",
        "divide": "calcapp-divide", "average": "calcapp-average-results", "rcv": "calcapp-rcv"}
    assert list(render("p2c4", CHECKOUT, IMAGES, "a100").functions) == ["pip", "pipbr", "dsa", "rcv"]


def test_missing_checkout_names_the_config_key(tmp_path):
    with pytest.raises(ValueError, match="controllerCheckout: .* has no test/sample-data"):
        render("p1c1", str(tmp_path), IMAGES)


@pytest.mark.parametrize("ref,name", [
    ("localhost/cpufunc_calcapp:latest", "cpufunc_calcapp"), ("localhost/cpufunc_gst:1.0.0", "cpufunc_gst"),
    ("localhost/gpufunc_dsa:1.1.0", "gpufunc_dsa"), ("192.168.10.100/images/cpufunc_sidecar:1.0.0", "cpufunc_sidecar"),
    ("localhost:5001/x/send_video_tool@sha256:00", "send_video_tool"), ("ubuntu", "ubuntu")])
def test_image_name(ref, name):
    assert image_name(ref) == name


def test_rewrite_image_by_name_whatever_the_tag():
    for tag in ("latest", "1.0.0", "1.1.0"):
        assert rewrite_image(f"localhost/cpufunc_gst:{tag}", IMAGES, "x") == IMAGES["cpufunc_gst"]
    assert rewrite_image("docker.io/library/busybox:1", IMAGES, "x") == "docker.io/library/busybox:1"
    with pytest.raises(ScenarioError, match="ConfigMap default/y: image 'localhost/other:1' is not one"):
        rewrite_image("localhost/other:1", IMAGES, "ConfigMap default/y")


def test_user_requirement_names_the_stack_nodes():
    calc = multiworker.user_requirement_configmap("cpufunc-calcapp", "alice-worker", "alice-worker2")
    names = yaml.safe_load(calc["data"]["requestNodeNames"])
    assert names == {"send": ["alice-worker"], "plus": ["alice-worker"], "minus": ["alice-worker"],
                     "multiply": ["alice-worker"], "divide": ["alice-worker2"], "average": ["alice-worker2"],
                     "rcv": ["alice-worker2"]}
    assert calc["data"]["strategy"] == "strategy" and calc["metadata"]["name"] == "user-requirement"
    video = multiworker.user_requirement_configmap("cpufunc-sample", "alice-worker", "alice-worker2",
                                                   gpu="alice-worker2")
    assert yaml.safe_load(video["data"]["requestNodeNames"]) == {
        "pip": ["alice-worker"], "pipbr": ["alice-worker2"], "dsa": ["alice-worker2"], "rcv": ["alice-worker2"]}


def test_multi_worker_keys_cover_every_chain():
    for name, s in CATALOG.items():
        assert set(render(name, CHECKOUT, IMAGES, "a100").functions) <= set(multiworker.SPLITS[s.namespace])


def test_infra_objects_validate_and_match_the_addons():
    assert (infra.NV_IPAM_POOL, infra.SRIOV_RESOURCE) == (addons.NV_IPAM_POOL, addons.SRIOV_RESOURCE)
    objs = [infra.namespace("cpufunc-sample"), infra.view_binding("cpufunc-sample"),
            infra.sriov_nad("cpufunc-sample"), multiworker.strategy_configmap("cpufunc-sample"),
            multiworker.user_requirement_configmap("cpufunc-sample", "a-worker", "a-worker2"),
            infra.send_video_tool(IMAGES["send_video_tool"], "a-worker")]
    for obj in objs:
        assert validate(obj) is None
    nad = json.loads(infra.sriov_nad("cpufunc-calcapp")["spec"]["config"])
    assert nad == {"type": "sriov", "cniVersion": "0.3.1", "name": "sriov-ipam-config",
                   "ipam": {"type": "nv-ipam", "poolName": "nv-pool1"}}


def test_function_configs_name_the_nad_the_infra_creates():
    for name in ("calcapp-sriov", "p2c3", "p3c1"):
        for cm in render(name, CHECKOUT, IMAGES, "a100").function_configs:
            for entry in json.loads(next(iter(cm["data"].values()))):
                assert entry["ipam"] == [infra.NAD_NAME]


def test_gpu_scenarios_state_the_tensorrt_engine_build_at_first_start():
    # controller v1.1.0 gpu-deepstream/generate_engine_file.sh exits quietly when nvidia-smi finds no
    # A100/T4, as in a BuildKit RUN step: DeepStream's nvinfer then builds the engine at pod start.
    p2c1 = scenario_commands("p2c1", "kubectl")
    assert "TensorRT engine" in p2c1["firstStart"] and "every new pod" in p2c1["firstStart"]
    assert p2c1["engine"] == ("kubectl -n cpufunc-sample logs -l "
                              "swb/func-name=df-cpu-p2c1-wbfunction-dsa-gpu-pod --tail=20")
    assert "firstStart" not in scenario_commands("p1c1", "kubectl")
