"""Upstream conformance: the renderers and the whole program on the real controller v1.1.0 files.

These read OPENKASUGAI_AIO_REFERENCE (.ci/run sets it to ../shared/reference); without it they skip
naming the variable, under CI they fail. Everything else runs on the tests' own checkout.
"""
from __future__ import annotations

import json

import pytest
import yaml

from renderers.openkasugai import configmaps as cm
from renderers.openkasugai import crds
from scenarios.catalog import CATALOG, SAMPLE_DATA
from scenarios.render import render
from tests import harness
from tests.schema_check import validate
from tests.unit.test_scenarios_render import IMAGES

XEON = "Intel(R) Xeon(R) Gold 6348 CPU @ 2.60GHz"


@pytest.fixture(scope="module")
def upstream():
    return harness.upstream_controller()


@pytest.fixture(scope="module")
def schemas(upstream):
    return crds.crd_schemas(crds.canonical_crds(upstream))


@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("name", list(CATALOG))
def test_every_upstream_scenario_renders_and_validates(upstream, schemas, name, multi):
    r = render(name, str(upstream), IMAGES, "h100", multi)
    assert r.dataflow["metadata"]["name"] == CATALOG[name].dataflow
    assert [e for e in (validate(o, crd_schemas=schemas) for o in r.objects()) if e] == []
    assert all(r.configs_of(r.info_of(t)) for t in r.function_types)


def test_the_catalog_has_every_upstream_scenario_with_the_needs_its_data_states(upstream):
    folders = {f.relative_to(upstream).as_posix() for f in (upstream / SAMPLE_DATA).glob("*/*") if f.is_dir()}
    assert folders == {s.source for s in CATALOG.values()}
    for s in CATALOG.values():
        infos = list(yaml.safe_load_all((upstream / s.source / "functioninfo.yaml").read_text()))
        regions = {item["regionType"] for doc in infos if doc for cm in doc.get("items", [doc])
                   for item in json.loads(cm["data"]["deployableItems"])}
        sriov = '"virtualNetworkDeviceDriverType": "sriov"' in (upstream / s.source / "cm-cpufunc-config.yaml").read_text()
        assert (s.gpu, s.sriov) == (regions != {"cpu"}, sriov), s.name


def test_upstream_sample_tables_know_the_reference_models(upstream):
    maps = {m["metadata"]["name"]: json.loads(next(iter(m["data"].values())))
            for m in cm.configmaps(upstream, cm.HostModels(XEON, 2, "NVIDIA A100 80GB PCIe"), ["w1", "w2"], "w1")}
    sample = json.loads((upstream / cm.SAMPLE / "region-unique-info.json").read_text())
    assert maps["region-unique-info"] == sample and len(maps["functionkindmap"]) == 4


def test_the_dev_program_on_the_upstream_checkout(upstream, schemas):
    result = harness.run("dev", {"controllerCheckout": str(upstream),
                                 "scenarios": list(CATALOG), "multiWorker": True})
    objs = harness.manifests(result)
    assert sum(o["kind"] == "CustomResourceDefinition" for o in objs) == 20
    assert sum(o["kind"] == "DaemonSet" and o["metadata"]["name"].startswith("crc-") for o in objs) == 6
    assert sorted(o["metadata"]["name"] for o in objs if o["kind"] == "DataFlow") == sorted(
        s.dataflow for s in CATALOG.values())
    assert [e for e in (validate(o, "v1.31.0", schemas) for o in objs) if e] == []
