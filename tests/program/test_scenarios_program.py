"""The whole program under mocks with scenarios: every scenario x {single, multi-worker}, acceptance checks.

"""
from __future__ import annotations

import json

import pytest
import yaml

from preview import output
from renderers.openkasugai import crds
from scenarios.catalog import CATALOG
from tests.harness import CONTROLLER_CHECKOUT, run
from tests.schema_check import validate

@pytest.fixture
def program():
    return run


ALL = list(CATALOG)


def _objects(result, kind):
    return [r for r in result.registrations if r.type.endswith(f":{kind}") and r.type.startswith("kubernetes:")]


def _deps(result, reg):
    return {d.split("::")[-1] for d in reg.dependencies}


@pytest.fixture(scope="module")
def schemas():
    return crds.crd_schemas(crds.canonical_crds(str(CONTROLLER_CHECKOUT)))


@pytest.mark.parametrize("multi", [False, True])
def test_dev_stack_with_all_nine(program, multi, schemas):
    r = program("dev", {"scenarios": ALL, "multiWorker": multi})
    dataflows = _objects(r, "DataFlow")
    assert sorted(d.inputs["metadata"]["name"] for d in dataflows) == sorted(s.dataflow for s in CATALOG.values())
    by_name = {x.name: x for x in r.registrations}
    for df in dataflows:
        assert ("userRequirement" in df.inputs["spec"]) == multi
        [chain] = [by_name[d] for d in _deps(r, df) if by_name[d].type.endswith(":FunctionChain")]
        types = [by_name[d] for d in _deps(r, chain) if by_name[d].type.endswith(":FunctionType")]
        assert len(types) == len({f["functionName"] for f in chain.inputs["spec"]["functions"].values()})
        for t in types:
            maps = [by_name[d] for d in _deps(r, t) if by_name[d].type.endswith(":ConfigMap")]
            assert {m.inputs["metadata"]["namespace"] for m in maps} == {"default", df.inputs["metadata"]["namespace"]}
    docs = [output.manifest(x) for x in r.registrations if output.is_object(x)]
    assert "localhost/" not in yaml.safe_dump(docs)
    for doc in docs:
        if doc.get("apiVersion") == "example.com/v1":
            assert validate(doc, crd_schemas=schemas) is None, doc["metadata"]
    assert set(r.outputs["scenarios"]) == set(ALL)
    assert r.outputs["scenarios"]["calcapp-basic"]["input"].endswith("-- /calcapp 1 2 3 4 5")


@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("name", ALL)
def test_each_scenario_alone(program, name, multi):
    r = program("dev", {"scenarios": [name], "multiWorker": multi})
    [df] = _objects(r, "DataFlow")
    assert df.inputs["metadata"]["name"] == CATALOG[name].dataflow
    tools = [x for x in _objects(r, "Deployment") if x.inputs["metadata"]["name"] == "send-video-tool"]
    assert bool(tools) == CATALOG[name].video


def test_alice_multi_worker_names_her_nodes(program):
    r = program("dev", {"clusterName": "alice", "scenarios": ["calcapp-basic", "p1c1"], "multiWorker": True})
    reqs = [x for x in _objects(r, "ConfigMap") if x.inputs["metadata"]["name"] == "user-requirement"]
    assert len(reqs) == 2
    for x in reqs:
        nodes = set(sum(yaml.safe_load(x.inputs["data"]["requestNodeNames"]).values(), []))
        assert nodes == {"alice-worker", "alice-worker2"}


def test_cpu_only_profile_accepts_cpu_scenarios(program):
    r = program("cpu-only", {"scenarios": ["calcapp-basic", "p1c1"]})
    assert len(_objects(r, "DataFlow")) == 2


def test_cpu_only_profile_rejects_gpu_scenarios(program):
    with pytest.raises(Exception, match="p2c1 needs a GPU"):
        program("cpu-only", {"scenarios": ["calcapp-basic", "p2c1"]})


def test_unknown_scenario_is_a_config_error(program):
    with pytest.raises(Exception, match="unknown scenario 'p9c9'"):
        program("dev", {"scenarios": ["p9c9"]})


def _non_scenario(result):
    return {x.name: json.dumps(x.inputs, sort_keys=True) for x in result.registrations
            if not x.name.startswith("scenario-") and x.name != "scenarios"}


# The DeepStream images exist only for GPU scenarios (issue 2): the first GPU scenario adds them.
GPU_IMAGES = {"function-images-gpu_infer_tcp", "function-images-gpufunc_dsa"}


@pytest.mark.parametrize("a,b", [
    (["calcapp-basic", "p1c1"], ["calcapp-basic", "p1c2", "p3c1", "calcapp-sriov"]),
    (["p2c1"], ["calcapp-basic", "p2c2", "p2c3", "p2c4"]),
    (["calcapp-basic", "p1c1"], ["calcapp-basic", "p2c1", "p3c1"]),
])
def test_changing_the_scenario_list_touches_only_scenario_resources(program, a, b):
    ra, rb = program("dev", {"scenarios": a}), program("dev", {"scenarios": b})
    before, after = _non_scenario(ra), _non_scenario(rb)
    assert {n: before[n] for n in before if n in after} == {n: after[n] for n in before if n in after}
    assert set(before) ^ set(after) <= GPU_IMAGES
    shared = {x.name: x.inputs for x in ra.registrations if x.name.startswith("scenario-calcapp-basic")}
    assert shared == {x.name: x.inputs for x in rb.registrations if x.name in shared}
