"""The 20 canonical CRDs are read from the checkout, never a bases/ folder or a stale copy."""
import shutil

import pytest

from renderers.openkasugai import crds
from renderers.openkasugai.checkout import CheckoutError
from tests.harness import CONTROLLER_CHECKOUT as CHECKOUT
from tests.harness import upstream_controller

EXPECTED = {
    "dataflows", "wbfunctions", "wbconnections", "functionchains", "functiontypes", "connectiontypes",
    "functiontargets", "connectiontargets", "computeresources", "schedulingdata", "topologyinfos",
    "deviceinfoes", "pcieconnections", "ethernetconnections", "fpgafunctions", "fpgas", "childbs",
    "fpgareconfigurations", "gpufunctions", "cpufunctions"}


@pytest.mark.parametrize("source", ["own", "upstream"])
def test_exactly_the_twenty_canonical_crds(source):
    objs = crds.canonical_crds(CHECKOUT if source == "own" else upstream_controller())
    assert sorted(o["metadata"]["name"] for o in objs) == sorted(f"{n}.example.com" for n in EXPECTED)
    assert all(o["spec"]["versions"][0]["name"] == "v1" for o in objs)


def test_no_stale_or_stub_file_is_in_the_table():
    files = {c.file for c in crds.CANONICAL}
    assert len(files) == 20
    assert not files & set(crds.STALE_FILES)
    assert not any(f.endswith("/_.yaml") or "example.com.example.com_" in f for f in files)
    assert "src/WBConnection/config/crd/bases/example.com_pcieconnections.yaml" not in files


def test_stale_copies_really_differ_so_the_table_matters():
    # WBConnection's copy names its version controllertestpcie; applying it would break PCIeConnection.
    import yaml
    stale = yaml.safe_load((upstream_controller() / "src/WBConnection/config/crd/bases/example.com_pcieconnections.yaml").read_text())
    assert stale["spec"]["versions"][0]["name"] == "controllertestpcie"


def test_deviceinfo_file_is_renamed_but_crd_keeps_plural():
    crd = next(c for c in crds.CANONICAL if c.kind == "DeviceInfo")
    assert crd.file.endswith("example.com_deviceinfos.yaml") and crd.name == "deviceinfoes.example.com"


def test_missing_file_names_the_config_key_and_the_file(tmp_path):
    with pytest.raises(CheckoutError, match=r"controllerCheckout: .* has no src/whitebox-k8s-flowctrl/config/crd/bases/example.com_dataflows.yaml; is it a v1.1.0 checkout"):
        crds.canonical_crds(tmp_path)


def test_a_file_the_kustomization_does_not_list_is_refused(tmp_path):
    shutil.copytree(CHECKOUT / "src", tmp_path / "src")
    kust = tmp_path / "src/GPUFunction/config/crd/kustomization.yaml"
    kust.write_text(kust.read_text().replace("- bases/example.com_gpufunctions.yaml", "- bases/other.yaml"))
    with pytest.raises(CheckoutError, match="does not list"):
        crds.canonical_crds(tmp_path)


def test_schemas_by_kind():
    schemas = crds.crd_schemas(crds.canonical_crds(CHECKOUT))
    assert len(schemas) == 20 and schemas["DataFlow"]["type"] == "object"


def test_the_tests_checkout_declares_each_crds_subresources_as_upstream_does():
    # The stand-in controller PATCHes /status: a CRD without the status subresource answers 404 there.
    own = {o["spec"]["names"]["kind"]: o["spec"]["versions"][0].get("subresources")
           for o in crds.canonical_crds(CHECKOUT)}
    upstream = {o["spec"]["names"]["kind"]: o["spec"]["versions"][0].get("subresources")
                for o in crds.canonical_crds(upstream_controller())}
    assert own == upstream
    assert own["FunctionType"] == own["FunctionChain"] == {"status": {}}
