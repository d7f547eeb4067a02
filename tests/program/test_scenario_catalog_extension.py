"""The scenario catalog is enough on its own: a scenario that no other module knows, added as one catalog
entry, is accepted by the settings, provided by the tests' controller checkout, rendered by the program (alone
and beside every other scenario, single and multi-worker) and exported with its commands; the tests that
derive their expectations from the catalog hold for it unchanged.

The scenario is a test-only stand-in (a GPU and SR-IOV video scenario in an existing namespace), in the
catalog for the length of each test only. docs/design.md's "A scenario" lists the files it touches;
tests/unit/test_docs.py compares that list with EXTENSION_POINTS."""
from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from scenarios import catalog
from scenarios.catalog import CATALOG, SAMPLE_DATA, Scenario
from settings.selection import validate_selection
from tests.fake_checkout import write_checkout
from tests.harness import run
from tests.program import test_scenarios_program

DEMO = Scenario("p9c1", "cpufunc-sample", f"{SAMPLE_DATA}/cpugpu-func/p9c1", "df-cpu-p9c1", gpu=True, sriov=True)
# (module, name) of every table the new scenario is added to, and the files it adds: what a scenario touches.
EXTENSION_POINTS = ((catalog, "CATALOG"),)
NEW_FILES = ()


@pytest.fixture
def checkout(tmp_path) -> Path:
    """The demo in the catalog, and the tests' controller checkout written while it is there."""
    with mock.patch.dict(getattr(*EXTENSION_POINTS[0]), {DEMO.name: DEMO}):
        yield write_checkout(tmp_path / "controller")


def _run(checkout: Path, overrides: dict):
    return run("dev", {"controllerCheckout": str(checkout), **overrides})


def _objects(result, kind: str) -> list:
    return [r for r in result.registrations if r.type.startswith("kubernetes:") and r.type.endswith(f":{kind}")]


def test_the_settings_accept_it_and_apply_its_needs(checkout):
    assert validate_selection([DEMO.name], True, True, False, 2) == []
    assert [p.split(",")[0] for p in validate_selection([DEMO.name], False, False, False, 2)] == [
        f"scenarios: {DEMO.name} needs a GPU", f"scenarios: {DEMO.name} needs SR-IOV"]
    [unknown] = validate_selection(["nope"], True, True, False, 2)
    assert unknown.split("must be one of: ", 1)[1].startswith(", ".join(CATALOG)) and DEMO.name in unknown


def test_the_tests_controller_checkout_provides_it(checkout):
    for name in ("cm-cpufunc-config.yaml", "functioninfo.yaml", "functiontype.yaml", "functionchain.yaml",
                 "df-cpufunc.yaml"):
        assert (checkout / DEMO.source / name).is_file(), name


@pytest.mark.parametrize("multi", [False, True])
def test_the_program_renders_it_alone(checkout, multi):
    r = _run(checkout, {"scenarios": [DEMO.name], "multiWorker": multi})
    [df] = _objects(r, "DataFlow")
    assert df.inputs["metadata"] == {"name": DEMO.dataflow, "namespace": DEMO.namespace}
    assert f"scenario-{DEMO.name}-vf-reassert" in {x.name for x in r.registrations}  # it needs SR-IOV
    assert "function-images-gpufunc_dsa" in {x.name for x in r.registrations}  # and a GPU
    assert r.outputs["scenarios"][DEMO.name]["address"]
    # The catalog-derived per-scenario test of the program, unchanged.
    test_scenarios_program.test_each_scenario_alone(lambda stack, o: _run(checkout, o), DEMO.name, multi)


def test_the_program_renders_it_beside_every_other_scenario(checkout):
    r = _run(checkout, {"scenarios": list(CATALOG), "multiWorker": True})
    assert sorted(x.inputs["metadata"]["name"] for x in _objects(r, "DataFlow")) == sorted(
        s.dataflow for s in CATALOG.values())
    assert set(r.outputs["scenarios"]) == set(CATALOG) and DEMO.name in CATALOG
