"""Prebuilt function images (functionImages): nothing built, no registry managed."""
from __future__ import annotations

from pathlib import Path

import pytest

from settings import SettingsError
from tests.fake_checkout import write_checkout
from tests.unit.test_settings import PREBUILT, _load, full, host  # noqa: F401  (host is a fixture)
from tests.unit.test_settings_host import UUID, _external_gpu


def _prebuilt(host: Path, images: dict) -> dict:
    """The reference config with prebuilt function images and no registry of its own."""
    values = {k: v for k, v in full(host).items() if k not in ("registry", "registryPassword")}
    return {**values, "functionImages": images}


def test_prebuilt_function_images_need_no_registry_and_no_function_sources(host, tmp_path):
    # A checkout of the YAML only, without the function Dockerfiles: nothing is built, so that is fine.
    yaml_only = write_checkout(tmp_path / "yaml-only", dockerfiles=False)
    s = _load({**_prebuilt(host, PREBUILT), "controllerCheckout": str(yaml_only)}, secret=False)
    assert dict(s.prebuilt_images) == PREBUILT


def test_prebuilt_function_images_must_cover_what_the_scenarios_run(host):
    images = {k: v for k, v in PREBUILT.items() if k != "gpufunc_dsa"}  # p2c3 runs gpufunc_dsa
    with pytest.raises(SettingsError) as err:
        _load(_prebuilt(host, images), secret=False)
    assert [p for p in err.value.problems if p.startswith("functionImages: has no gpufunc_dsa")], err.value.problems
    assert _load({**_prebuilt(host, images), "scenarios": ["calcapp-basic"]}, secret=False).prebuilt_images


def test_an_external_cluster_with_prebuilt_images_needs_no_registry(host):
    values = {**_external_gpu(host, hostGpuModel="NVIDIA A100 80GB PCIe", hostGpuUuid=UUID),
              "functionImages": PREBUILT}
    del values["registry"], values["registryPassword"]
    s = _load(values, secret=False)
    assert s.registry.embedded and s.prebuilt_images
    warnings: list = []
    _load({**values, "localRegistryPort": 5002}, secret=False, warnings=warnings)
    assert [w for w in warnings if w.startswith("localRegistryPort: ignored")], warnings
