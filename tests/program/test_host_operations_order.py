"""The program under mocks (issue 17 item 1): host operations wait for the node images they exist for, a
stack whose own `up` unloaded the GPU driver still knows its GPU, and hostRoot reaches every operation."""
from __future__ import annotations

import json

import pytest

from host import claims, gpu_identity
from preview.__main__ import main
from settings import SettingsError
from tests.harness import run
from tests.program.test_cluster_lifecycle import _gpu_uuids
from tests.unit.test_host_gpu_identity import PCI, UUID, fake_root

NODE_IMAGES = ("node-images-no-acc", "node-images-acc")
BEFORE = ("host-operations-footprint", "host-operations-gpu", "host-operations-hugepages")


def test_the_dev_preview_shows_host_operations_depending_on_the_node_images(tmp_path):
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet"]) == 0
    resources = {r["name"]: r for r in json.loads((tmp_path / "resources.json").read_text())}
    for name in BEFORE:
        assert set(NODE_IMAGES) <= set(resources[name]["dependsOn"]), name


def test_every_host_operation_before_the_cluster_waits_for_the_whole_image_chain():
    r = run("dev")
    images = {r.named(n).urn for n in NODE_IMAGES}
    for name in BEFORE:
        assert images <= set(r.named(name).dependencies), name
    chain = [r.named(f"node-images-{n}") for n in ("base", "node", "crio", "no-acc")]
    for child, parent in zip(chain[1:], chain):  # no-acc waits for the chain, so the operations do too
        assert parent.urn in child.dependencies


def _unloaded_by(tmp_path, stack: str | None) -> dict:
    """A host whose NVIDIA driver is unloaded; `stack` holds the GPU's claim with its recorded identity."""
    root = fake_root(tmp_path / "root", information=None)
    if stack:
        claims.claim(str(tmp_path / "claims"), f"gpu:{PCI}", stack, root=str(root), worker="kind-worker",
                     record={"unloaded": ["nvidia"], "uuid": UUID, "model": "NVIDIA H100 80GB HBM3"})
    return {"hostRoot": str(root), "hostClaimsDir": str(tmp_path / "claims")}


def test_a_retry_after_this_stacks_own_unload_takes_the_gpu_uuid_from_its_claim(tmp_path):
    result = run("dev", _unloaded_by(tmp_path, "dev"))
    assert _gpu_uuids(result) == {UUID}
    assert not [w for w in result.warnings if w.startswith("hostGpuUuid")]


def test_another_stacks_claim_tells_this_stack_nothing(tmp_path):
    result = run("dev", _unloaded_by(tmp_path, "alice"))
    assert [w for w in result.warnings if w.startswith("hostGpuUuid: required")]
    assert gpu_identity.identity(PCI, str(tmp_path / "root"))["uuid"] is None


def test_host_root_reaches_every_host_operations_spec(tmp_path):
    overrides = _unloaded_by(tmp_path, "dev")
    r = run("dev", overrides)
    specs = [x.inputs["spec"] for x in r.by_type("pulumi-python:dynamic/host:HostOperation")]
    assert len(specs) == 5 and {s["root"] for s in specs} == {overrides["hostRoot"]}  # footprint, gpu, hugepages, 2 sriov


@pytest.mark.parametrize("value, says", [("relative/tree", "is not an absolute path"),
                                         ("/no/such/tree", "not found")])
def test_an_unusable_host_root_is_refused_naming_the_key(value, says):
    with pytest.raises(SettingsError) as err:
        run("dev", {"hostRoot": value})
    assert any(p.startswith("hostRoot: ") and says in p for p in err.value.problems), err.value.problems
