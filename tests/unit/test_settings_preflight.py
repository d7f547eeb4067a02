"""Settings in two steps: validation touches no filesystem; the preflight step looks for every file."""
from __future__ import annotations

import builtins
import copy
import hashlib
import os
import pathlib

import pytest

from settings.decode import Problems
from settings.load import validate
from settings.preflight import preflight
from settings.schema import PROJECT
from tests.unit.test_settings import PREBUILT, ROOT, _load, full, host  # noqa: F401  (host is a fixture)

SECRETS = [f"{PROJECT}:registryPassword"]


def _raw(values: dict) -> dict:
    return {f"{PROJECT}:{k}": v for k, v in values.items()}


def _every_path_key(host) -> dict:
    """The reference config with every key that names a file or folder set, the CA pinned."""
    values = copy.deepcopy(full(host))
    values["registry"]["caSha256"] = hashlib.sha256((host / "ca.crt").read_bytes()).hexdigest()
    (host / "addons").mkdir()
    values.update(addonManifests=str(host / "addons"), sourceCache=str(host / "cache"))
    return values


def _validate_without_filesystem(monkeypatch, values: dict, **kw):
    """validate(), with every way to look at the filesystem failing the test while it runs."""
    touched: list = []

    def look(*args, **kwargs):
        touched.append(args)
        raise AssertionError(f"validation touched the filesystem: {args!r}")
    p = Problems()
    with monkeypatch.context() as m:
        for name in ("stat", "lstat", "listdir", "scandir", "readlink", "access"):
            m.setattr(os, name, look)
        for name in ("exists", "is_file", "is_dir", "resolve", "read_bytes", "read_text", "stat", "iterdir",
                     "glob", "open"):
            m.setattr(pathlib.Path, name, look)
        m.setattr(builtins, "open", look)
        checked = validate(_raw(values), p, secret_keys=SECRETS, **kw)
    assert touched == []  # also when validation caught the error
    return checked, p


def test_validation_touches_no_filesystem(host, monkeypatch):
    checked, p = _validate_without_filesystem(monkeypatch, _every_path_key(host), host_gpu_uuid="")
    assert list(p) == []
    assert checked.gpu_driver_file.endswith(".run") and checked.builds_functions
    assert checked.controller.checkout == str(host / "controller")  # as configured, not yet resolved
    assert [key for key, _ in checked.on_host] == ["hostGpuUuid"]  # no UUID from this host: preflight decides


@pytest.mark.parametrize("key,value", [
    ("externalKubeconfig", "/nonexistent/kubeconfig"), ("registry.caSha256", "0" * 64),
    ("controllerCheckout", "/tmp"), ("gpuDriverFile", "/nonexistent/NVIDIA.run"),
])
def test_validation_touches_no_filesystem_when_the_files_are_wrong(host, monkeypatch, key, value):
    values = _every_path_key(host)
    if key.startswith("registry."):
        values["registry"][key.split(".")[1]] = value
    else:
        values[key] = value
    _validate_without_filesystem(monkeypatch, values)


def test_a_missing_file_is_reported_by_the_preflight_step(host):
    values = {**full(host), "gpuDriverFile": "/nonexistent/NVIDIA.run", "kindSource": "/nonexistent/kind"}
    p = Problems()
    checked = validate(_raw(values), p, secret_keys=SECRETS)
    assert list(p) == [], "validation does not look for files"
    found = preflight(checked, p, ROOT, True, [])
    assert [line.split(": ")[0] for line in p] == ["gpuDriverFile", "kindSource"]
    assert p[0].startswith("gpuDriverFile: file '/nonexistent/NVIDIA.run' not found")
    assert found.paths["gpuDriverFile"] == "/nonexistent/NVIDIA.run"


def test_preflight_resolves_every_path_against_the_stack_folder(host):
    values = {**full(host), "videoDir": "video"}
    p = Problems()
    found = preflight(validate(_raw(values), p, secret_keys=SECRETS), p, host, True, [])
    assert list(p) == [] and found.paths["videoDir"] == str((host / "video").resolve())
    assert found.paths["controllerCheckout"] == str((host / "controller").resolve())


def test_problems_of_both_steps_come_in_one_error(host):
    from settings import SettingsError
    with pytest.raises(SettingsError) as err:
        _load({**full(host), "clusterName": "Bad_Name", "gpuDriverFile": "/nonexistent/NVIDIA.run"})
    assert [p.split(": ")[0] for p in err.value.problems] == ["clusterName", "gpuDriverFile"]


def test_prebuilt_images_need_no_function_sources(host):
    values = {**full(host), "functionImages": PREBUILT}
    del values["registry"], values["registryPassword"]
    p = Problems()
    checked = validate(_raw(values), p)
    assert list(p) == [] and not checked.builds_functions
