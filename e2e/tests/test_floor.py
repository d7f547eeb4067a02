"""The engine floor's order: waves from the engine's state, as the program's dependencies give them."""
from __future__ import annotations

import pytest

from e2e.fullstack import floor

STACK = "urn:pulumi:e2e::p::pulumi:pulumi:Stack::p-e2e"


def _obj(urn: str, kind: str, name: str, parent: str = STACK, deps=(), ns: str = "") -> dict:
    meta = {"name": name, **({"namespace": ns} if ns else {})}
    return {"urn": urn, "custom": True, "type": f"kubernetes:test/v1:{kind}", "parent": parent,
            "dependencies": list(deps), "inputs": {"apiVersion": "v1", "kind": kind, "metadata": meta,
                                                    "__provider": "secret"}}


def _component(urn: str, deps=()) -> dict:
    return {"urn": urn, "custom": False, "type": "kubernetes:yaml/v2:ConfigFile", "parent": STACK,
            "dependencies": list(deps)}


def _names(waves):
    return [sorted(o["metadata"]["name"] for o in wave) for wave in waves]


def test_objects_follow_what_they_waited_for_a_component_standing_for_the_objects_under_it():
    state = [
        {"urn": STACK, "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": "prov", "custom": True, "type": "pulumi:providers:kubernetes", "inputs": {}},
        _obj("ns", "Namespace", "ns"),
        _component("bundle", deps=["ns"]),
        _obj("ds", "DaemonSet", "multus", parent="bundle", ns="kube-system"),  # waits as its component does
        _obj("crd", "CustomResourceDefinition", "things", parent="bundle"),
        _obj("cm", "ConfigMap", "cm", deps=["bundle"], ns="ns"),
        _obj("thing", "Thing", "t", deps=["cm", "crd"], ns="ns"),
    ]
    waves = floor.waves(state)
    assert _names(waves) == [["ns"], ["multus", "things"], ["cm"], ["t"]]
    assert all(not k.startswith("__") for wave in waves for o in wave for k in o)


def test_a_dependency_cycle_is_refused():
    state = [_obj("a", "ConfigMap", "a", deps=["b"]), _obj("b", "ConfigMap", "b", deps=["a"])]
    with pytest.raises(floor.FloorError, match="dependency cycle"):
        floor.waves(state)


def test_each_engine_step_gets_its_floor_and_the_ratio_of_its_command():
    steps = [{"name": "preview", "seconds": 3.0}, {"name": "up", "seconds": 12.8, "command_seconds": 12.0},
             {"name": "noop-up", "seconds": 2.0}, {"name": "destroy", "seconds": 9.0}]
    floor.annotate(steps, {"apply": 8.0, "noop-apply": 0.5, "delete": 6.0})
    assert "ratio" not in steps[0]
    assert [(s["floor"], s["ratio"]) for s in steps[1:]] == [(8.0, 1.5), (0.5, 4.0), (6.0, 1.5)]
