"""Settings edge cases: nulls, misplaced types, one line per broken key, warnings for ignored keys."""
from __future__ import annotations

import copy

import pytest

from settings import KEYS, SettingsError
from tests.harness import PROJECT_DIR
from tests.unit.test_settings import _load, _set, full, host  # noqa: F401  (host is a fixture)
from tests.unit.test_settings_rules import _external

def test_a_null_never_becomes_the_text_none(host):
    s = _load({**full(host), "clusterName": None, "registry": {**full(host)["registry"], "username": None}})
    assert s.cluster_name == "kind" and s.registry.username == "admin"
    assert "None" not in repr(s)


def test_a_workers_value_of_the_wrong_type_is_the_only_line(host):
    values = {**full(host), "workers": 5, "scenarios": ["calcapp-sriov", "p2c3"]}
    with pytest.raises(SettingsError) as err:
        _load(values)
    assert err.value.problems == ["workers: must be an array, got the number 5"]


def test_a_broken_sriov_pool_is_the_only_sriov_line(host):
    with pytest.raises(SettingsError) as err:
        _load({**full(host), "sriovIpam": "192.168.20.0/24"})
    assert err.value.problems == ["sriovIpam: must be an object, got the text '192.168.20.0/24'"]


def test_a_broken_kubernetes_version_does_not_also_blame_crio(host):
    with pytest.raises(SettingsError) as err:
        _load({**full(host), "kubernetesVersion": "latest"})
    assert [p.split(":")[0] for p in err.value.problems] == ["kubernetesVersion"]


def test_crio_read_as_a_number_says_to_quote_it(host):
    with pytest.raises(SettingsError) as err:
        _load({**full(host), "kubernetesVersion": "v1.30.0", "crioVersion": "1.3"})  # as the CLI may hand it over
    assert 'quote it ("1.30")' in err.value.problems[0]


def test_keys_the_profile_ignores_are_warnings(host):
    warnings: list[str] = []
    values = {**full(host), "workers": [{}, {}], "scenarios": ["calcapp-basic"], "localRegistryPort": 5002}
    _load(values, warnings=warnings)
    keys = {w.split(":")[0] for w in warnings}
    assert {"gpuDriverFile", "sriovIpam", "localRegistryPort"} <= keys, warnings
    assert all("ignored" in w for w in warnings)


def test_external_profile_reports_the_kind_keys_as_ignored(host):
    values = copy.deepcopy(full(host))
    _external([{"name": "node-a"}])(values)
    values.update(kindSource="/nonexistent/kind", podSubnet="10.200.0.0/16")
    warnings: list[str] = []
    s = _load(values, warnings=warnings)
    assert s.profile == "external"
    assert any(w.startswith("kindSource: ignored with externalKubeconfig") for w in warnings), warnings
    assert any(w.startswith("podSubnet: ignored") for w in warnings), warnings


def test_a_misspelt_namespace_is_named(host):
    from settings import PROJECT, load
    raw = {f"{PROJECT}:{k}": v for k, v in full(host).items()}
    raw["openkasugai_aio:clusterName"] = "x"
    with pytest.raises(SettingsError) as err:
        load(raw, stack="t", base_dir=PROJECT_DIR, secret_keys=[f"{PROJECT}:registryPassword"])
    assert any(p.startswith("openkasugai_aio:clusterName: the namespace") for p in err.value.problems)


def test_external_workers_without_names_each_say_so_once(host):
    values = copy.deepcopy(full(host))
    _external([{}, {}])(values)
    with pytest.raises(SettingsError) as err:
        _load(values)
    assert [p.split(": ")[0] for p in err.value.problems] == ["workers[0].name", "workers[1].name"]


NESTED = ["registry.host", "registry.project", "registry.caFile", "registry.caSha256", "registry.username",
          "sriovIpam.subnet", "sriovIpam.gateway", "sriovIpam.perNodeBlockSize", "sriovIpam.exclusions",
          "workers.0.gpu", "workers.0.sriov", "workers.0.sriov.pf", "workers.0.sriov.vfs", "workers.0.sriov.address",
          "workers.1.name"]


@pytest.mark.parametrize("path", sorted(KEYS) + NESTED)
def test_a_null_is_unset_or_refused_never_the_text_none(host, path):
    # A null gives the default, which may leave something else missing (a GPU worker without its
    # driver): then the problems say so, in words, never with "None" in them.
    values = copy.deepcopy(full(host))
    _set(path, None)(values)
    try:
        s = _load(values)
    except SettingsError as err:
        assert all("None" not in p for p in err.problems), err.problems
        return
    assert "None" not in repr(s).replace("sriov_ipam=None", "").replace("sriov=None", "")


def test_vf_room_is_counted_on_large_ranges(host):
    # A /10 with two blocks of two million: the exclusions leave 7 addresses in the first block.
    import ipaddress
    net = ipaddress.IPv4Network("100.64.0.0/10")
    last_excluded = net.network_address + 1_999_993
    values = copy.deepcopy(full(host))
    values["sriovIpam"] = {"subnet": str(net), "perNodeBlockSize": 2_000_000, "gateway": "100.64.0.1",
                           "exclusions": [f"{net.network_address}-{last_excluded}"]}
    values["workers"][0]["sriov"]["address"] = "100.64.0.2/10"
    values["workers"][1]["sriov"]["address"] = "100.64.0.3/10"
    with pytest.raises(SettingsError) as err:
        _load(values)
    assert [p for p in err.value.problems if p.startswith("sriovIpam.exclusions: leave 7 free addresses")], \
        err.value.problems
    values["sriovIpam"]["exclusions"] = [f"{net.network_address}-{last_excluded - 1}"]
    assert _load(values).sriov_ipam.per_node_block_size == 2_000_000
