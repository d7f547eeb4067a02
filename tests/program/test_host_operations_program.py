"""The program under mocks: registered host operations come before the Kind cluster, only where needed."""
from __future__ import annotations

import json

from preview.__main__ import main
from tests.harness import run

HOST_OP = "pulumi-python:dynamic/host:HostOperation"


def test_dev_reserves_the_fpga_agents_16_hugepages_before_the_cluster_is_created():
    r = run("dev")
    (op,) = [x for x in r.by_type(HOST_OP) if x.inputs["operation"] == "hugepages"]
    assert op.name == "host-operations-hugepages"
    assert op.inputs["operation"] == "hugepages"
    assert op.inputs["spec"] == {"stack": "dev", "pages": 16, "claims_dir": "/var/lib/openkasugai-aio", "root": "/"}
    assert any(d.endswith("::host-operations-hugepages") for d in r.named("cluster-create").dependencies)


def test_hugepages1gi_sets_the_count_and_0_leaves_the_pool_alone():
    assert hugepages(run("dev", {"hugepages1Gi": 4, "fpgaAgents": False}))[0].inputs["spec"]["pages"] == 4
    assert not hugepages(run("dev", {"hugepages1Gi": 0, "fpgaAgents": False}))


def test_no_reservation_without_fpga_agents_or_on_an_external_cluster():
    assert not hugepages(run("dev", {"fpgaAgents": False}))
    assert not hugepages(run("external"))


def hugepages(result):
    return [x for x in result.by_type(HOST_OP) if x.inputs["operation"] == "hugepages"]


def test_the_dev_preview_shows_the_reservation(tmp_path, capsys):
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet"]) == 0
    resources = {r["name"]: r for r in json.loads((tmp_path / "resources.json").read_text())}
    assert resources["host-operations-hugepages"]["type"] == HOST_OP
    assert resources["host-operations-hugepages"]["inputs"]["spec"]["pages"] == 16


def test_the_footprint_comes_first_per_kind_profile_and_not_on_an_external_cluster():
    dev, laptop = run("dev"), run("cpu-only")
    (op,) = [x for x in dev.by_type("pulumi-python:dynamic/host:HostOperation") if x.inputs["operation"] == "footprint"]
    assert op.name == "host-operations-footprint"
    assert {k: op.inputs["spec"][k] for k in ("cluster", "kind_subnet", "metallb", "registry_port")} == {
        "cluster": "kind", "kind_subnet": "172.18.0.0/16", "metallb": "172.18.9.0-172.18.9.10",
        "registry_port": None}  # Harbor: no embedded registry on the host
    others = [x for x in dev.by_type("pulumi-python:dynamic/host:HostOperation")
              if x.inputs["operation"] in ("gpu", "hugepages")]
    assert others and all(op.urn in x.dependencies for x in others)  # nothing changes before it holds
    (cpu,) = [x for x in laptop.by_type("pulumi-python:dynamic/host:HostOperation")]
    assert cpu.inputs["spec"]["cluster"] == "laptop" and cpu.inputs["spec"]["registry_port"] == 5001
    assert not [x for x in run("external").by_type("pulumi-python:dynamic/host:HostOperation")]
