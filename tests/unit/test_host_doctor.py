"""doctor --stack: a stack's PFs, GPU, hugepages, registry and Kind network, on a fake root and tmp files."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from host import claims, cli, doctor
from host.runner import Result
from tests import roottools
from tests.conftest import _own_address
from tests.harness import kind_checkout, kind_host_checkout
from tests.host_files import write_ca, write_nvidia_run

ROOT = Path(__file__).resolve().parents[2]


class FakeRunner:
    """Answers `docker network inspect -- NAME` from a dict of subnets (absent: no such network); passed
    where the CLI would pass runner.for_root(root)."""

    root = "/"

    def __init__(self, networks: dict[str, list[str]] | None = None):
        self.networks, self.calls = networks or {}, []

    def which(self, tool: str) -> str:
        return f"/fake/bin/{tool}"

    def run(self, argv, check=True, **kw):
        self.calls.append(list(argv))
        if argv[:4] == ["docker", "network", "inspect", "--"] and argv[4] in self.networks:
            cfg = [{"Subnet": n} for n in self.networks[argv[4]]]
            return Result(list(argv), 0, json.dumps([{"Name": argv[4], "IPAM": {"Config": cfg}}]))
        return Result(list(argv), 1, "", "Error: No such network")


def fake_root(tmp: Path, pfs: dict[str, int] | None = None, gpu: bool = True, hugepages: int | None = 32) -> Path:
    root = tmp / "root"
    for i, (pf, total) in enumerate((pfs if pfs is not None else {"ens9f0np0": 64, "ens9f1np1": 64}).items()):
        dev = root / f"sys/bus/pci/devices/0000:{0x17 + i:02x}:00.0"
        dev.mkdir(parents=True)
        (dev / "sriov_totalvfs").write_text(f"{total}\n")
        (dev / "sriov_numvfs").write_text("0\n")
        (root / "sys/class/net" / pf).mkdir(parents=True)
        os.symlink(f"../../../bus/pci/devices/{dev.name}", root / "sys/class/net" / pf / "device")
    if gpu:
        dev = root / "sys/bus/pci/devices/0000:ca:00.0"
        dev.mkdir(parents=True)
        for name, value in (("vendor", "0x10de"), ("class", "0x030200"), ("device", "0x20b5")):
            (dev / name).write_text(value + "\n")
        info = root / "proc/driver/nvidia/gpus/0000:ca:00.0/information"  # the host's driver is loaded
        info.parent.mkdir(parents=True)
        info.write_text("Model: \t\t NVIDIA A100 80GB PCIe\nGPU UUID: \t GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b\n")
    pool = root / "sys/kernel/mm/hugepages/hugepages-1048576kB"  # None: no 1 GiB page support
    if hugepages is not None:
        pool.mkdir(parents=True)
        (pool / "nr_hugepages").write_text(f"{hugepages}\n")
    (root / "proc/net").mkdir(parents=True)
    (root / "proc/net/route").write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eno1\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        "eno1\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")
    return root



def closed_port() -> str:
    address = _own_address()  # not loopback: settings refuse a registry the nodes could not reach
    s = socket.socket()
    s.bind((address, 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connection refused at once
    return f"{address}:{port}"


def stack_file(tmp: Path, registry: str, **over) -> Path:
    write_nvidia_run(tmp / "driver.run")
    write_ca(tmp / "ca.crt")
    for d in ("kubernetes", "video"):
        (tmp / d).mkdir(exist_ok=True)
    kind_checkout(tmp)
    if not (tmp / "controller").exists():
        kind_host_checkout(tmp)
    cfg = {
        "workers": [{"gpu": True, "sriov": {"pf": "ens9f0np0", "vfs": 8, "address": "192.168.20.2/24"}},
                    {"sriov": {"pf": "ens9f1np1", "vfs": 8, "address": "192.168.20.3/24"}}],
        "gpuDriverFile": str(tmp / "driver.run"),
        "registry": {"host": registry, "project": "images", "caFile": str(tmp / "ca.crt")},
        "registryPassword": {"secure": "AAABAKx0"},
        "sriovIpam": {"subnet": "192.168.20.0/24", "perNodeBlockSize": 30, "gateway": "192.168.20.1",
                      "exclusions": ["192.168.20.0-192.168.20.9"]},  # the PFs' addresses: never a VF's
        "kindSource": str(tmp / "kind"), "kubernetesSource": str(tmp / "kubernetes"),
        "videoDir": str(tmp / "video"), "controllerCheckout": str(tmp / "controller"),
        "hostClaimsDir": str(tmp / "claims"), "scenarios": ["calcapp-basic"],
        **over,
    }
    path = tmp / "Pulumi.alice.yaml"
    path.write_text(yaml.safe_dump({"config": {f"openkasugai-aio:{k}": v for k, v in cfg.items()}}))
    return path


def settings_of(path: Path):
    args = cli.parser().parse_args(["doctor", "--config-file", str(path)])
    return cli._stack_settings(args)


def by_name(checks: list[dict]) -> dict[str, dict]:
    return {c["check"]: c for c in checks}


def test_stack_checks_pass_on_a_ready_host(tmp_path, listener):
    s = settings_of(stack_file(tmp_path, listener))
    assert s.stack == "alice"  # from the file name Pulumi.<stack>.yaml
    runner = FakeRunner({"kind": ["172.18.0.0/16", "fc00:f853:ccd:e793::/64"]})
    got = by_name(doctor.stack_checks(s, runner, str(fake_root(tmp_path))))
    upstream = got.pop("upstream")  # the add-on bundles are in no cache here: `pulumi up` fetches them
    assert upstream["ok"] is None and upstream["detail"].startswith("addonManifests: not set")
    assert "(`pulumi up` fetches it)" in upstream["detail"]
    assert all(c["ok"] is True for c in got.values()), got
    assert got["registry"]["detail"] == f"{listener} reachable"
    assert "8 VFs wanted, 0/64" in got["operation:sriov:ens9f0np0"]["detail"] and "operation:sriov:ens9f1np1" in got
    assert "kind-worker" in got["gpu-worker"]["detail"] and "0000:ca:00.0" in got["gpu-worker"]["detail"]
    assert got["operation:hugepages"]["detail"] == "pages 16: `pulumi up` can apply it"  # fpgaAgents' 16, reserved
    assert "hugepages-fpga" not in got  # the reservation provides them
    assert got["operation:gpu"]["detail"] == "worker kind-worker: `pulumi up` can apply it"
    assert got["operation:sriov:ens9f1np1"]["detail"].startswith("ens9f1np1 (for kind-worker2): 8 VFs wanted, 0/")
    assert "operation:sriov:ens9f0np0" in got  # one check per PF
    assert "172.18.9.0-172.18.9.10 inside kind" in got["metallb-range"]["detail"]


def test_a_changed_cache_entry_fails_the_upstream_check(tmp_path, listener, monkeypatch):
    cache = tmp_path / "cache"
    (cache / "addons").mkdir(parents=True)
    (cache / "addons/calico-v3.28.1.yaml").write_text("changed\n")
    monkeypatch.setenv("OPENKASUGAI_AIO_CACHE", str(cache))
    s = settings_of(stack_file(tmp_path, listener))
    got = by_name(doctor.stack_checks(s, FakeRunner({"kind": ["172.18.0.0/16"]}), str(fake_root(tmp_path))))
    assert got["upstream"]["ok"] is False and "calico-v3.28.1.yaml has SHA-256" in got["upstream"]["detail"]


def test_stack_checks_report_each_problem(tmp_path):
    s = settings_of(stack_file(tmp_path, closed_port(), kindNetworkSubnet="172.30.0.0/16",
                               metallbAddresses="172.30.9.0-172.30.9.10"))
    root = fake_root(tmp_path, pfs={"ens9f0np0": 4}, gpu=False, hugepages=None)
    got = by_name(doctor.stack_checks(s, FakeRunner({"kind": ["172.18.0.0/16"]}), str(root)))
    assert got["registry"]["ok"] is False and "unreachable" in got["registry"]["detail"]
    pf0, pf1 = got["operation:sriov:ens9f0np0"], got["operation:sriov:ens9f1np1"]
    assert pf0["ok"] is False and "sriov_totalvfs is 4" in pf0["detail"] and "workers[].sriov.vfs" in pf0["detail"]
    assert pf1["ok"] is False and "no such network interface" in pf1["detail"]
    assert "gpu-worker" not in got  # no GPU: operation:gpu says so, once
    assert got["operation:hugepages"]["ok"] is False and "no 1 GiB hugepages" in got["operation:hugepages"]["detail"]
    assert got["operation:gpu"]["ok"] is False and "no NVIDIA GPU" in got["operation:gpu"]["detail"]
    assert got["kind-network"]["ok"] is False and "not kindNetworkSubnet 172.30.0.0/16" in got["kind-network"]["detail"]
    assert got["metallb-range"]["ok"] is False and "outside" in got["metallb-range"]["detail"]
    assert doctor.summary(list(got.values()))["ok"] is False


def test_a_missing_pf_is_one_failed_line_naming_it_and_its_key(tmp_path, listener):
    s = settings_of(stack_file(tmp_path, listener))
    root = fake_root(tmp_path, pfs={"ens9f0np0": 64})  # ens9f1np1 is not on this host
    checks = doctor.stack_checks(s, FakeRunner({"kind": ["172.18.0.0/16"]}), str(root))
    failed = [c for c in checks if c["ok"] is False and "ens9f1np1" in c["detail"]]
    assert len(failed) == 1, failed
    assert failed[0]["check"] == "operation:sriov:ens9f1np1"
    assert "no such network interface" in failed[0]["detail"] and "workers[].sriov.pf" in failed[0]["detail"]
    assert [c["check"] for c in checks if c["ok"] is False] == ["operation:sriov:ens9f1np1"]


def test_stack_checks_claims_default_route_and_no_network_yet(tmp_path, listener):
    s = settings_of(stack_file(tmp_path, listener, fpgaAgents=False, workers=[
        {"gpu": True, "sriov": {"pf": "eno1", "vfs": 2, "address": "192.168.20.2/24"}},
        {"sriov": {"pf": "ens9f1np1", "vfs": 8, "address": "192.168.20.3/24"}}]))
    root = fake_root(tmp_path, pfs={"eno1": 8, "ens9f1np1": 64})
    claims.claim(s.host_claims_dir, "pf:ens9f1np1", "bob", root=str(root), worker="kind-worker2")
    claims.claim(s.host_claims_dir, "gpu:0000:ca:00.0", "bob", root=str(root), worker="kind-worker")
    got = by_name(doctor.stack_checks(s, FakeRunner(), str(root)))
    assert got["operation:sriov:eno1"]["ok"] is False and "default route" in got["operation:sriov:eno1"]["detail"]
    assert got["operation:sriov:ens9f1np1"]["ok"] is False
    assert "held by stack 'bob'" in got["operation:sriov:ens9f1np1"]["detail"]
    assert got["operation:gpu"]["ok"] is False and "held by stack 'bob'" in got["operation:gpu"]["detail"]
    assert "hugepages-fpga" not in got and "operation:hugepages" not in got  # fpgaAgents: false needs none
    assert got["kind-network"]["ok"] is None and got["metallb-range"]["ok"] is None  # not created yet: a warning


def test_pf_attached_by_this_stack_is_found_by_pci(tmp_path, listener):
    s = settings_of(stack_file(tmp_path, listener))
    root = fake_root(tmp_path)
    (root / "sys/class/net/ens9f0np0/device").unlink()  # its netdev is in the worker's netns now
    (root / "sys/class/net/ens9f0np0").rmdir()
    claims.claim(s.host_claims_dir, "pf:ens9f0np0", "alice", root=str(root), worker="kind-worker",
                 record={"pf": "ens9f0np0", "pf_pci": "0000:17:00.0", "worker": "kind-worker", "pid": 42, "vfs": 8,
                         "numvfs_before": 0, "links": [{"name": "ens9f0np0", "role": "pf", "pci": "0000:17:00.0"}]})
    got = by_name(doctor.stack_checks(s, FakeRunner({"kind": ["172.18.0.0/16"]}), str(root)))
    assert got["operation:sriov:ens9f0np0"]["ok"] is True
    assert "attached to kind-worker" in got["operation:sriov:ens9f0np0"]["detail"]


def test_embedded_registry_and_explicit_flags(tmp_path, listener):
    path = stack_file(tmp_path, listener)
    doc = yaml.safe_load(path.read_text())
    for key in ("registry", "registryPassword"):
        del doc["config"][f"openkasugai-aio:{key}"]
    path.write_text(yaml.safe_dump(doc))
    s = settings_of(path)
    got = by_name(doctor.stack_checks(s, FakeRunner({"kind": ["172.18.0.0/16"]}), str(fake_root(tmp_path))))
    assert got["registry"]["ok"] is True and "embedded" in got["registry"]["detail"]
    got = by_name(doctor.stack_checks(s, FakeRunner({"kind": ["172.18.0.0/16"]}), str(fake_root(tmp_path / "b")),
                                      registry=closed_port(), metallb_range="10.0.0.1-10.0.0.2"))
    assert got["registry"]["ok"] is False and got["metallb-range"]["ok"] is False


def test_registry_host_port_forms():
    assert doctor._host_port("harbor.example.com") == ("harbor.example.com", 443)
    assert doctor._host_port("192.168.10.100:8443") == ("192.168.10.100", 8443)
    assert doctor._host_port("[fd00::1]:5000") == ("fd00::1", 5000)
    assert doctor._host_port("fd00::1") == ("fd00::1", 443)


def test_cli_settings_errors_exit_2_one_line_each(tmp_path, capsys, listener):
    path = stack_file(tmp_path, listener, workerz=[], metallbAddresses="nonsense")
    assert cli.main(["doctor", "--config-file", str(path)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert any(l.startswith("workerz: unknown config key") for l in err)
    assert any(l.startswith("metallbAddresses:") for l in err)
    assert cli.main(["doctor", "--config-file", str(tmp_path / "nope.yaml")]) == cli.EXIT_USAGE
    assert "not found" in capsys.readouterr().err
    assert cli.main(["doctor", "--stack", "no-such-stack-here"]) == cli.EXIT_USAGE
    assert "pass --config-file" in capsys.readouterr().err


def test_cli_doctor_with_stack_runs_only_the_tools_of_its_root(tmp_path, capsys, listener):
    path = stack_file(tmp_path, listener)
    root = fake_root(tmp_path)
    roottools.docker(root, {"kind": ["172.18.0.0/16"]})  # kind, kubectl and pulumi are not in this root
    rc = cli.main(["doctor", "--stack", "alice", "--config-file", str(path), "--root", str(root),
                   "--claims-dir", str(tmp_path / "c2"), "--json"])
    rep = json.loads(capsys.readouterr().out)
    got = by_name(rep["checks"])
    assert got["stack"]["detail"].startswith("alice: profile full") and str(tmp_path / "c2") in got["stack"]["detail"]
    assert got["registry"]["ok"] and got["operation:sriov:ens9f0np0"]["ok"] and got["kind-network"]["ok"]
    assert got["tool:docker"] == {"check": "tool:docker", "ok": True, "detail": "Docker version 0.0.0-stand-in"}
    assert got["tool:kind"]["ok"] is False and got["tool:kind"]["detail"] == (
        f"kind not found under --root {root} (a fake root runs only its own tools)")
    ran = roottools.calls(root)  # only the root's own docker ran: the versions, the builder, the kind network
    assert {tuple(c) for c in ran} >= {("docker", "--version"), ("docker", "network", "inspect", "--", "kind")}
    assert all(c[0] == "docker" for c in ran), ran
    assert rc == cli.EXIT_FAILED and rep["ok"] is False  # the missing tools


def test_doctor_without_stack_stays_on_the_standard_library():
    code = ("import sys; from host import cli, doctor; from host.runner import Result\n"
            "class R:\n root = '/'\n def which(self, tool): return tool\n"
            " def run(self, argv, check=True): return Result(argv, 1)\n"
            "doctor.run(R(), registry=None)\n"
            "print([m for m in sys.modules if m.startswith(('pulumi', 'pyroute2', 'yaml', 'settings'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr


def test_doctor_runs_the_hugepage_operations_check_and_names_the_stack_holding_the_pool(tmp_path, listener):
    # Without FPGA agents: with them, settings refuse fewer than their 16 pages (hugepages1Gi 1-15).
    s = settings_of(stack_file(tmp_path, listener, hugepages1Gi=8, fpgaAgents=False))
    root = fake_root(tmp_path, hugepages=2)
    claims.claim(s.host_claims_dir, "hugepages:1G", "bob", root=str(root), worker="host")
    got = by_name(doctor.stack_checks(s, FakeRunner(), str(root)))
    assert got["operation:hugepages"]["ok"] is False and "held by stack 'bob'" in got["operation:hugepages"]["detail"]
    assert "hugepages1Gi: 0" in got["operation:hugepages"]["detail"]


def test_with_hugepages1gi_0_and_the_fpga_agents_doctor_prints_the_settings_refusal(tmp_path, capsys, listener):
    # Settings refuse fewer than the agents' 16 pages on a Kind profile (the pool is not checked then).
    path = stack_file(tmp_path, listener, hugepages1Gi=0)
    assert cli.main(["doctor", "--config-file", str(path)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hugepages1Gi: 0 reserves fewer than the 16"), err


def test_doctor_reads_a_gpu_scenario_stack_with_the_hosts_gpu_model_as_up_does(tmp_path, listener, capsys):
    path = stack_file(tmp_path, listener, scenarios=["p2c1"])  # a GPU scenario, no hostGpuModel
    with_gpu = fake_root(tmp_path)  # the host's GPU gives the model
    args = ["doctor", "--config-file", str(path), "--json"]
    assert cli.main([*args, "--root", str(with_gpu)]) in (cli.EXIT_OK, cli.EXIT_FAILED)
    assert "checks" in json.loads(capsys.readouterr().out)
    no_gpu = fake_root(tmp_path / "bare", gpu=False)
    assert cli.main([*args, "--root", str(no_gpu)]) == cli.EXIT_USAGE
    assert "scenarios: " in json.loads(capsys.readouterr().out)["error"]
