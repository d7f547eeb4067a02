"""The offline preview CLI: files written for a valid stack, exit 2 with keyed problems for invalid ones."""
from __future__ import annotations

import copy
import dataclasses
import json
import os
import random

import pytest
import yaml

from preview import output
from preview.__main__ import main
from tests import harness
from tests.harness import CONTROLLER_CHECKOUT, kind_host_checkout
from tests.host_files import write_ca, write_nvidia_run
from tests.unit.test_settings import INVALID, full
from tests.unit.test_settings_rules import RULES


def test_dev_preview_writes_resources_kind_config_and_manifest_folder(tmp_path, capsys):
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet"]) == 0
    resources = json.loads((tmp_path / "resources.json").read_text())
    assert {"type", "name", "parent", "dependsOn", "inputs"} <= set(resources[0])
    names = [r["name"] for r in resources]
    assert names.index("node-images-base") < names.index("node-images-acc")
    assert yaml.safe_load((tmp_path / "kind-config.yaml").read_text())["kind"] == "Cluster"
    assert (tmp_path / "manifests").is_dir()
    password_inputs = [r["inputs"] for r in resources if r["type"] == "pulumi:providers:harbor"]
    assert "s3cret" not in json.dumps(password_inputs)


def test_a_second_preview_into_the_same_folder_leaves_only_its_own_manifests(tmp_path):
    stale = tmp_path / "manifests" / "configmap-gone.yaml"
    stale.parent.mkdir()
    stale.write_text("kind: ConfigMap\n")
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet"]) == 0
    objects = {r["name"] for r in json.loads((tmp_path / "resources.json").read_text())
               if r["type"].startswith("kubernetes:") and "kind" in r["inputs"]}
    assert {p.stem for p in (tmp_path / "manifests").glob("*.yaml")} == objects


def test_a_second_preview_rewrites_only_the_files_whose_content_changed(tmp_path):
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet"]) == 0
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    changed = next(p for p in files if p.parent.name == "manifests")
    rendered = changed.read_text()
    changed.write_text(rendered + "# edited by hand\n")
    for p in files:
        os.utime(p, ns=(10**18, 10**18))
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet"]) == 0
    assert changed.read_text() == rendered and changed.stat().st_mtime_ns != 10**18
    assert len(files) > 4 and [p for p in files if p != changed and p.stat().st_mtime_ns != 10**18] == []


def test_resources_json_has_one_order_whatever_order_the_resources_registered_in():
    result = harness.run("dev")
    shuffled = dataclasses.replace(result, registrations=random.Random(7).sample(result.registrations,
                                                                               len(result.registrations)))
    listed = output.resources(result)
    assert output.resources(shuffled) == listed and len(listed) == len(result.registrations) > 200
    position = {r.urn: i for i, r in enumerate(output.ordered(result))}
    for r in result.registrations:
        assert all(position[u] < position[r.urn] for u in (r.parent, *r.dependencies) if u in position), r.name


def test_offline_preview_only_warns_about_files_of_the_kind_host(tmp_path, capsys):
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet"]) == 0
    assert "warning: gpuDriverFile:" in capsys.readouterr().err
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet", "--strict"]) == 2
    assert "\ngpuDriverFile:" in "\n" + capsys.readouterr().err


UPSTREAM_KEYS = ("controllerCheckout", "addonManifests", "kindSource", "kubernetesSource")


def test_offline_preview_without_upstream_material_warns_once_per_key_and_renders_the_rest(tmp_path, capsys):
    # A fresh clone: nothing given, nothing cached (tests/conftest.py gives every run an empty cache).
    assert main(["--stack", "dev", "--out", str(tmp_path), "--quiet"]) == 0
    err = capsys.readouterr().err.splitlines()
    for key in UPSTREAM_KEYS[:-1]:
        (line,) = [w for w in err if w.startswith(f"warning: {key}:")]
        assert "not rendered" in line or "computed without" in line, line
    # kubernetesBuild: release (the default): no Kubernetes tree is needed, so none is missing.
    assert not [w for w in err if w.startswith("warning: kubernetesSource:")]
    resources = json.loads((tmp_path / "resources.json").read_text())
    names = {r["name"] for r in resources}
    assert {"node-images-acc", "cluster-create", "host-sriov-ens9f0np0"} <= names
    kinds = {r["inputs"].get("kind") for r in resources}
    assert {"IPAddressPool", "IPPool", "ConfigMap"} <= kinds and "CustomResourceDefinition" not in kinds


def test_strict_preview_without_upstream_material_exits_2_naming_each_key(tmp_path, capsys):
    host = tmp_path / "host"
    host.mkdir()
    values = {k: v for k, v in _secret_password(_host_config(host)).items() if k not in UPSTREAM_KEYS}
    # This machine may have no NVIDIA GPU: the stack names the GPU worker's.
    values.update(hostGpuUuid="GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b", hostGpuModel="NVIDIA A100 80GB PCIe")
    path = tmp_path / "Pulumi.fresh.yaml"
    path.write_text(yaml.safe_dump({"config": {f"openkasugai-aio:{k}": v for k, v in values.items()}}))
    assert main(["--config-file", str(path), "--out", str(tmp_path / "out"), "--quiet", "--strict"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert sorted(line.split(":", 1)[0] for line in err) == sorted(UPSTREAM_KEYS[:-1]), err


def _host_config(host):
    write_nvidia_run(host / "NVIDIA-Linux-x86_64-550.90.12.run")
    write_ca(host / "ca.crt")
    for d in ("kind", "kubernetes", "video"):
        (host / d).mkdir()
    kind_host_checkout(host)
    return copy.deepcopy(full(host))


def _secret_password(values):
    if "registryPassword" in values:
        values["registryPassword"] = {"secure": "v1:abc"}  # as `pulumi config set --secret` writes it
    return values


def test_a_stack_without_its_file_exits_2_naming_stack_instead_of_previewing_defaults(tmp_path, capsys):
    assert main(["--stack", "no-such-stack", "--out", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--stack: no ") and "Pulumi.no-such-stack.yaml" in err
    assert not (tmp_path / "resources.json").exists()


def test_external_preview_writes_no_kind_config(tmp_path):
    from tests.harness import STACKS
    assert main(["--config-file", str(STACKS / "external.yaml"), "--out", str(tmp_path), "--quiet"]) == 0
    assert not (tmp_path / "kind-config.yaml").exists()


@pytest.mark.parametrize("case,mutate,key", INVALID + RULES, ids=[c[0] for c in INVALID + RULES])
def test_preview_exits_2_naming_the_key(tmp_path, capsys, case, mutate, key):
    host = tmp_path / "host"
    host.mkdir()
    values = _host_config(host)
    mutate(values)
    _secret_password(values)
    path = tmp_path / "Pulumi.case.yaml"
    path.write_text(yaml.safe_dump({"config": {f"openkasugai-aio:{k}": v for k, v in values.items()}}))
    code = main(["--config-file", str(path), "--out", str(tmp_path / "out"), "--quiet", "--strict"])
    err = capsys.readouterr().err
    assert code == 2
    assert any(line.startswith(f"{key}:") for line in err.splitlines()), err


def test_gpu_scenario_without_a_known_gpu_model_exits_2_naming_what_to_set(tmp_path, capsys):
    from tests.harness import PROJECT_DIR
    stack = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())
    del stack["config"]["openkasugai-aio:hostGpuModel"]
    stack["config"]["openkasugai-aio:scenarios"] = ["p2c1"]
    stack["config"]["openkasugai-aio:controllerCheckout"] = str(CONTROLLER_CHECKOUT)
    path = tmp_path / "Pulumi.nogpu.yaml"
    path.write_text(yaml.safe_dump(stack))
    from host import probe
    if probe.host_facts().gpu_model:
        pytest.skip("this machine has a GPU: its model is known")
    code = main(["--config-file", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 2 and "hostGpuModel" in capsys.readouterr().err
