"""Settings: defaults, and every invalid config reported with the key it concerns."""
from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import pytest

from settings import KEYS, PROJECT, SettingsError, load
from tests.fake_checkout import write_checkout
from tests.harness import kind_checkout, kind_host_checkout
from tests.host_files import write_ca, write_nvidia_run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def host(tmp_path):
    """A kind-host's files: driver, CA, sources, videos."""
    write_nvidia_run(tmp_path / "NVIDIA-Linux-x86_64-550.90.12.run")
    write_ca(tmp_path / "ca.crt")
    for d in ("kubernetes", "video"):
        (tmp_path / d).mkdir()
    kind_checkout(tmp_path)
    kind_host_checkout(tmp_path)
    return tmp_path


def full(host: Path) -> dict:
    return {
        "clusterName": "kind",
        "workers": [{"gpu": True, "sriov": {"pf": "ens9f0np0", "vfs": 8, "address": "192.168.20.2/24"}},
                    {"sriov": {"pf": "ens9f1np1", "vfs": 8, "address": "192.168.20.3/24"}}],
        "gpuDriverFile": str(host / "NVIDIA-Linux-x86_64-550.90.12.run"),
        "registry": {"host": "192.168.10.100", "project": "images", "caFile": str(host / "ca.crt")},
        "registryPassword": "s3cret",
        "sriovIpam": {"subnet": "192.168.20.0/24", "perNodeBlockSize": 30, "gateway": "192.168.20.1",
                      "exclusions": ["192.168.20.0-192.168.20.9"]},
        "kindSource": str(host / "kind"), "kubernetesSource": str(host / "kubernetes"),
        "videoDir": str(host / "video"),
        "controllerCheckout": str(host / "controller"),
        "scenarios": ["calcapp-basic", "p2c3"],
    }


def _load(values: dict, secret=True, **kw):
    raw = {f"{PROJECT}:{k}": v for k, v in values.items()}
    secrets = [f"{PROJECT}:registryPassword"] if secret else []
    return load(raw, stack="t", base_dir=ROOT, secret_keys=secrets, **kw)


def test_full_reference_config_loads(host):
    s = _load(full(host))
    assert s.profile == "full"
    assert [w.node for w in s.workers] == ["kind-worker", "kind-worker2"]
    assert s.gpu_worker.node == "kind-worker"
    assert s.sriov_workers[1].sriov.pf == "ens9f1np1"
    assert s.registry.prefix == "192.168.10.100/images"
    assert s.metallb_addresses == ("172.18.9.0", "172.18.9.10")


def test_defaults_give_a_cpu_only_cluster_with_embedded_registry(host):
    s = _load({"controllerCheckout": str(host / "controller"), "kindSource": str(host / "kind"),
               "kubernetesSource": str(host / "kubernetes")})
    assert s.profile == "cpu-only" and s.registry.embedded and s.registry.prefix == "localhost:5001"
    assert s.cluster_name == "kind" and len(s.workers) == 2 and s.pod_subnet == "10.100.0.0/16"


def test_values_from_the_cli_arrive_as_strings_and_are_decoded(host):
    values = {k: v for k, v in full(host).items()}
    import json
    raw = {k: json.dumps(v) if isinstance(v, (list, dict)) else str(v) for k, v in values.items()}
    raw["multiWorker"] = "true"
    s = _load(raw)
    assert s.multi_worker is True and s.workers[0].sriov.vfs == 8


def test_cluster_name_renames_every_worker(host):
    s = _load({**full(host), "clusterName": "alice"})
    assert [w.node for w in s.workers] == ["alice-worker", "alice-worker2"]


def test_all_problems_are_reported_at_once(host):
    bad = {**full(host), "clusterName": "Bad_Name", "podSubnet": "10.100.0.0/33", "colour": "x"}
    with pytest.raises(SettingsError) as err:
        _load(bad)
    keys = [p.split(":")[0] for p in err.value.problems]
    assert {"clusterName", "podSubnet", "colour"} <= set(keys)


def test_missing_host_files_are_warnings_offline(host):
    values = {**full(host), "gpuDriverFile": "nowhere/NVIDIA.run"}
    warnings: list[str] = []
    _load(values, host_files=False, warnings=warnings)
    assert any(w.startswith("gpuDriverFile:") for w in warnings)


def test_ca_pinned_by_digest_is_accepted_when_it_matches(host):
    digest = hashlib.sha256((host / "ca.crt").read_bytes()).hexdigest()
    values = full(host)
    values["registry"]["caSha256"] = digest
    assert _load(values).registry.ca_sha256 == digest


def _set(path: str, value):
    """A mutation: set a dotted path (workers.0.sriov.pf) in the config."""
    def apply(cfg):
        parts = path.split(".")
        node = cfg
        for p in parts[:-1]:
            node = node[int(p)] if p.isdigit() else node.setdefault(p, {})
        last = parts[-1]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return apply


_DELETE = object()
PREBUILT = {name: f"registry.example.com/fn/{name}:1.1.0"
            for name in ("cpufunc_calcapp", "cpufunc_sidecar", "cpufunc_gst", "send_video_tool", "gpufunc_dsa")}

INVALID = [
    ("cluster name not a DNS label", _set("clusterName", "My_Cluster"), "clusterName"),
    ("cluster name too long", _set("clusterName", "a" * 50), "clusterName"),
    ("kubernetes version malformed", _set("kubernetesVersion", "1.31"), "kubernetesVersion"),
    ("kubernetes build unknown", _set("kubernetesBuild", "binary"), "kubernetesBuild"),
    ("pod subnet not CIDR", _set("podSubnet", "10.100.0.0"), "podSubnet"),
    ("pod subnet host bits set", _set("podSubnet", "10.100.0.1/16"), "podSubnet"),
    ("kind network not CIDR", _set("kindNetworkSubnet", "kind"), "kindNetworkSubnet"),
    ("pod subnet overlaps kind network", _set("podSubnet", "172.18.0.0/20"), "kindNetworkSubnet"),
    ("sriov subnet overlaps pod subnet", _set("sriovIpam.subnet", "10.100.20.0/24"), "sriovIpam.subnet"),
    ("sriov subnet overlaps kind network", _set("sriovIpam.subnet", "172.18.20.0/24"), "sriovIpam.subnet"),
    ("metallb range malformed", _set("metallbAddresses", "172.18.9.0"), "metallbAddresses"),
    ("metallb range outside kind network", _set("metallbAddresses", "10.9.0.1-10.9.0.5"), "metallbAddresses"),
    ("metallb range reversed", _set("metallbAddresses", "172.18.9.10-172.18.9.1"), "metallbAddresses"),
    ("duplicate PF", _set("workers.1.sriov.pf", "ens9f0np0"), "workers[1].sriov.pf"),
    ("too many VFs", _set("workers.0.sriov.vfs", 257), "workers[0].sriov.vfs"),
    ("negative VFs", _set("workers.0.sriov.vfs", -1), "workers[0].sriov.vfs"),
    ("VFs not a number", _set("workers.0.sriov.vfs", "eight"), "workers[0].sriov.vfs"),
    ("PF name too long", _set("workers.0.sriov.pf", "enp23s0f0np0-too-long"), "workers[0].sriov.pf"),
    ("PF address without prefix", _set("workers.0.sriov.address", "192.168.20.2"), "workers[0].sriov.address"),
    ("PF address outside sriov subnet", _set("workers.1.sriov.address", "192.168.30.3/24"),
     "workers[1].sriov.address"),
    ("PF address missing", _set("workers.0.sriov.address", _DELETE), "workers[0].sriov.address"),
    ("GPU on two workers", _set("workers.1.gpu", True), "workers[1].gpu"),
    ("gpu not a boolean", _set("workers.0.gpu", "yes"), "workers[0].gpu"),
    ("worker not an object", _set("workers.1", "kind-worker2"), "workers[1]"),
    ("no workers", _set("workers", []), "workers"),
    ("unknown worker key with suggestion", _set("workers.0.sriovv", {}), "workers[0].sriovv"),
    ("unknown sriov key", _set("workers.0.sriov.numVfs", 8), "workers[0].sriov.numVfs"),
    ("name on a Kind worker", _set("workers.0.name", "gpu-node"), "workers[0].name"),
    ("driver file missing", _set("gpuDriverFile", "/nonexistent/NVIDIA.run"), "gpuDriverFile"),
    ("driver file not a .run", _set("gpuDriverFile", "/etc/hostname"), "gpuDriverFile"),
    ("driver file unset with a GPU", _set("gpuDriverFile", _DELETE), "gpuDriverFile"),
    ("controller checkout missing", _set("controllerCheckout", "/nonexistent/controller"), "controllerCheckout"),
    ("controller checkout not a checkout", _set("controllerCheckout", "/tmp"), "controllerCheckout"),
    ("controller version unsupported", _set("controllerVersion", "v2.0.0"), "controllerVersion"),
    ("unknown top-level key", _set("clusterNmae", "x"), "clusterNmae"),
    ("registry without host", _set("registry.host", _DELETE), "registry.host"),
    ("registry project invalid", _set("registry.project", "My Images"), "registry.project"),
    ("registry CA missing", _set("registry.caFile", "/nonexistent/ca.crt"), "registry.caFile"),
    ("registry CA digest malformed", _set("registry.caSha256", "abc"), "registry.caSha256"),
    ("registry CA digest mismatch", _set("registry.caSha256", "0" * 64), "registry.caSha256"),
    ("registry unknown key", _set("registry.url", "https://x"), "registry.url"),
    ("registry password missing", _set("registryPassword", _DELETE), "registryPassword"),
    ("sriov ipam missing", _set("sriovIpam", _DELETE), "sriovIpam"),
    ("sriov gateway outside subnet", _set("sriovIpam.gateway", "192.168.21.1"), "sriovIpam.gateway"),
    ("sriov block too large", _set("sriovIpam.perNodeBlockSize", 1000), "sriovIpam.perNodeBlockSize"),
    ("sriov exclusion outside subnet", _set("sriovIpam.exclusions", ["192.168.21.0-192.168.21.9"]),
     "sriovIpam.exclusions[0]"),
    ("management address malformed", _set("managementAddress", "mgmt-host"), "managementAddress"),
    ("local registry port invalid", _set("localRegistryPort", 70000), "localRegistryPort"),
    ("boolean key given text", _set("multiWorker", "yes"), "multiWorker"),
    ("integer key given text", _set("localRegistryPort", "five"), "localRegistryPort"),
    ("kind source missing", _set("kindSource", "/nonexistent/kind"), "kindSource"),
    ("external kubeconfig missing", _set("externalKubeconfig", "/nonexistent/kubeconfig"), "externalKubeconfig"),
    ("external cluster without its CPU model", _set("externalKubeconfig", str(ROOT / "tests/stacks/external-kubeconfig.yaml")),
     "hostCpuModel"),
    ("host devices with an external cluster", _set("externalKubeconfig", str(ROOT / "tests/stacks/external-kubeconfig.yaml")),
     "workers[0]"),
    ("GPU UUID malformed", _set("hostGpuUuid", "kind-worker-gpu0"), "hostGpuUuid"),
    ("hugepage count negative", _set("hugepages1Gi", -1), "hugepages1Gi"),
    ("hugepage count absurd", _set("hugepages1Gi", 100000), "hugepages1Gi"),
    ("hugepage count not an integer", _set("hugepages1Gi", "lots"), "hugepages1Gi"),
    ("prebuilt function images beside a managed registry", _set("functionImages", PREBUILT), "registry"),
    ("prebuilt function images empty", _set("functionImages", {}), "functionImages"),
    ("prebuilt function image name unknown", _set("functionImages", {"cpufunc_calcap": "r.example/c:1"}),
     "functionImages.cpufunc_calcap"),
    ("prebuilt function image reference malformed", _set("functionImages", {"cpufunc_calcapp": "Not A Ref"}),
     "functionImages.cpufunc_calcapp"),
    ("prebuilt function image not text", _set("functionImages", {"cpufunc_calcapp": 5}),
     "functionImages.cpufunc_calcapp"),
    ("prebuilt function images not a mapping", _set("functionImages", ["r.example/c:1"]), "functionImages"),
]


def refused(host, mutate) -> list[str]:
    """The problems the reference config, changed by `mutate`, is refused with."""
    values = copy.deepcopy(full(host))
    mutate(values)
    with pytest.raises(SettingsError) as err:
        _load(values)
    return err.value.problems


@pytest.mark.parametrize("case,mutate,key", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_config_names_its_key(host, case, mutate, key):
    problems = refused(host, mutate)
    assert key in [p.split(": ")[0] for p in problems], problems


def test_secret_password_given_in_clear_is_refused(host):
    with pytest.raises(SettingsError) as err:
        _load(full(host), secret=False)
    assert any(p.startswith("registryPassword: must be a secret") for p in err.value.problems)


def test_unknown_key_suggests_the_closest_known_one(host):
    with pytest.raises(SettingsError) as err:
        _load({**full(host), "podSubnett": "10.0.0.0/16"})
    assert "did you mean 'podSubnet'" in " ".join(err.value.problems)


def test_every_key_has_a_description_and_known_type():
    for key in KEYS.values():
        assert key.description and key.type in ("string", "integer", "boolean", "array", "object")


def test_a_checkout_without_the_function_dockerfiles_fails_on_the_kind_host(host):
    # A checkout of only the YAML: fine offline, an error where images are built.
    yaml_only = str(write_checkout(host / "yaml-only", dockerfiles=False))
    with pytest.raises(SettingsError) as err:
        _load({**full(host), "controllerCheckout": yaml_only})
    missing = [p for p in err.value.problems if p.startswith("controllerCheckout: has no ")]
    assert any("cpufunc_calcapp/Dockerfile" in p for p in missing)
    assert any("gpufunc_dsa/Dockerfile" in p for p in missing), "p2c3 needs the GPU images"
    warnings: list[str] = []
    _load({**full(host), "controllerCheckout": yaml_only}, host_files=False, warnings=warnings)
    assert any(w.startswith("controllerCheckout: has no ") for w in warnings)
