"""validate_selection: config errors for unknown scenarios, missing hardware and multi-worker."""
import pytest

from scenarios.catalog import CATALOG, Scenario
from settings.selection import validate_selection

ALL = list(CATALOG)


@pytest.mark.parametrize("names,gpu,sriov,expected", [
    (ALL, True, True, []),
    (["calcapp-basic", "p1c1", "p1c2"], False, False, []),  # the CPU-only profile
    (["p2c1"], False, False, ["scenarios: p2c1 needs a GPU, but no worker has gpu: true"]),
    (["p2c1", "p2c2", "p2c4"], False, True, ["p2c1 needs a GPU", "p2c2 needs a GPU", "p2c4 needs a GPU"]),
    (["calcapp-sriov"], True, False, ["scenarios: calcapp-sriov needs SR-IOV, but no worker has sriov"]),
    (["p3c1"], False, False, ["p3c1 needs SR-IOV"]),
    (["p2c3"], False, False, ["p2c3 needs a GPU", "p2c3 needs SR-IOV"]),
    (["p2c3"], True, True, []),
])
def test_hardware_needs(names, gpu, sriov, expected):
    problems = validate_selection(names, gpu, sriov, False, 2)
    assert len(problems) == len(expected)
    for got, want in zip(problems, expected):
        assert got.startswith(want) or want in got


def test_a_scenario_needs_what_its_flags_say():
    # Which upstream scenario needs what is checked against the upstream data (test_upstream_conformance.py).
    for gpu in (False, True):
        for sriov in (False, True):
            s = Scenario("x", "cpufunc-sample", "src", "df-x", gpu=gpu, sriov=sriov)
            assert s.needs == tuple(n for n, on in (("GPU", gpu), ("SR-IOV", sriov)) if on)


@pytest.mark.parametrize("name", list(CATALOG))
def test_a_misspelt_scenario_is_refused_with_the_catalog_and_the_closest_name(name):
    [problem] = validate_selection([name + "x"], True, True, False, 2)
    assert problem.startswith(f"scenarios: unknown scenario {name + 'x'!r}, must be one of: {', '.join(CATALOG)}")
    assert problem.endswith(f"did you mean {name!r}?")


def test_an_unknown_scenario_far_from_every_name_gets_no_suggestion():
    [problem] = validate_selection(["zzz"], True, True, False, 2)
    assert problem.startswith("scenarios: unknown scenario 'zzz', must be one of: ") and "did you mean" not in problem


def test_duplicates_are_reported_once():
    assert validate_selection(["p1c1", "p1c1"], False, False, False, 2) == [
        "scenarios: 'p1c1' is listed twice; list each scenario once"]


@pytest.mark.parametrize("multi,workers,bad", [(True, 1, True), (True, 0, True), (True, 2, False),
                                               (False, 1, False)])
def test_multi_worker_needs_two_workers(multi, workers, bad):
    problems = validate_selection(["p1c1"], False, False, multi, workers)
    assert bool(problems) == bad
    assert all(p.startswith("multiWorker: ") for p in problems)


def test_video_scenarios_need_the_video_folder():
    assert validate_selection(["calcapp-basic"], False, False, False, 1, has_video_dir=False) == []
    [problem] = validate_selection(["p1c1"], False, False, False, 1, has_video_dir=False)
    assert problem.startswith("scenarios: p1c1 streams a video") and "videoDir" in problem
