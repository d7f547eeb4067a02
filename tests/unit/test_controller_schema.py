"""Every object the controller install renders validates offline for Kubernetes v1.31.0 / the checkout's CRDs."""
import copy

import pytest
import yaml

from renderers.openkasugai import configmaps as cm
from renderers.openkasugai import crds, workloads
from tests import schema_check
from tests.harness import CONTROLLER_CHECKOUT, upstream_controller

K8S = "v1.31.0"  # kubernetes-validate 1.37 ships exactly this schema (v1.25 ... v1.37)


@pytest.fixture(scope="module", params=["own", "upstream"])
def checkout(request):
    """The tests' own checkout, and the real v1.1.0 files (upstream-conformance)."""
    return CONTROLLER_CHECKOUT if request.param == "own" else upstream_controller()


def rendered(checkout, fpga=True):
    objs = crds.canonical_crds(checkout)
    for group in workloads.controller_objects(checkout, "v1.1.0", "r.example/c", "1.1.0", "p.example/proxy:1").values():
        objs += group
    objs += workloads.agent_daemonsets(checkout, "v1.1.0", "r.example/c", "1.1.0", fpga)
    objs += cm.configmaps(checkout, cm.HostModels("AMD EPYC 9654", 2, "NVIDIA H100 80GB HBM3"),
                          ["w1", "w2"], "w1")
    return objs


@pytest.fixture(scope="module")
def schemas(checkout):
    return crds.crd_schemas(crds.canonical_crds(checkout))


def test_all_rendered_objects_validate(checkout):
    objs = rendered(checkout)
    if checkout != CONTROLLER_CHECKOUT:
        assert len(objs) == 20 + 33 + 6 + 7  # v1.1.0's config/default trees render 33 objects
    assert [e for e in (schema_check.validate(o, K8S) for o in objs) if e] == []


def test_a_typo_is_caught(checkout):
    ds = copy.deepcopy(rendered(checkout)[-8])
    ds["spec"]["template"]["spec"]["containers"][0]["imag"] = "x"
    assert "imag" in schema_check.validate(ds, K8S)


def all_in_one_crs(checkout):
    root = checkout / "test/sample-data/sample-data-for-all-in-one"
    for f in sorted(root.rglob("*.yaml")):
        for d in yaml.safe_load_all(f.read_text()):
            if d and d.get("apiVersion") == "example.com/v1":
                yield d


def test_sample_custom_resources_validate_against_the_checkout_crds(checkout, schemas):
    crs = list(all_in_one_crs(checkout))
    assert {c["kind"] for c in crs} == {"FunctionType", "FunctionChain", "DataFlow"}
    assert [e for e in (schema_check.validate(c, K8S, schemas) for c in crs) if e] == []


def test_a_wrong_custom_resource_is_caught(checkout, schemas):
    df = copy.deepcopy(next(c for c in all_in_one_crs(checkout) if c["kind"] == "DataFlow"))
    df["spec"]["requirements"] = "fast"
    assert "requirements" in schema_check.validate(df, K8S, schemas)
    assert "no CRD" in schema_check.validate({**df, "kind": "Nope"}, K8S, schemas)
