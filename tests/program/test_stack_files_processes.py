"""Issue 18's own examples of hostile stack values, each as the process a user starts (`python -m
preview`, `python -m host doctor`): exit code 2, one line naming the key (or the file),
no traceback, no password echoed; and the config `pulumi up` hands the program through pulumi.Config gets
the same checks."""
from __future__ import annotations

import os
import subprocess
import sys
from unittest import mock

import pytest

from preview.engine import run_program
from renderers.platform import manifests as addons
from settings import SettingsError
from tests import harness
from tests.harness import PROJECT_DIR
from tests.program.test_stack_files_hostile import EXT, FILE, _write, dev, raw, stack

# The issue's examples (issue 18, "Why"), each as the process a user starts.
ISSUE = [
    ("videoDir: /", dev(videoDir="/"), "videoDir"),
    ("registry.caFile: /etc/shadow", dev(registry__caFile="/etc/shadow"), "registry.caFile"),
    ("externalKubeconfig: /etc/shadow", stack(EXT, {"externalKubeconfig": "/etc/shadow"}), "externalKubeconfig"),
    ("hostClaimsDir: /etc", dev(hostClaimsDir="/etc"), "hostClaimsDir"),
    ("hostClaimsDir: ''", dev(hostClaimsDir=""), "hostClaimsDir"),
    ("hostClaimsDir: ../../../../root/.ssh", dev(hostClaimsDir="../../../../root/.ssh"), "hostClaimsDir"),
    ("sourceCache: /etc", dev(sourceCache="/etc"), "sourceCache"),
    ("clusterName with a trailing newline", dev(clusterName="kind\n"), "clusterName"),
    ("imageMirror (registries.conf TOML) with a trailing newline", dev(imageMirror="mirror.example.com\n"),
     "imageMirror"),
    ("PF name with a trailing newline", dev(workers__1__sriov__pf="ens9f1np1\n"), "workers[1].sriov.pf"),
    ("Harbor project with a trailing newline", dev(registry__project="images\n"), "registry.project"),
    ("GPU UUID with a trailing newline", dev(hostGpuUuid="GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b\n"), "hostGpuUuid"),
    ("tag v１.３１.０", dev(kubernetesVersion="v１.３１.０"), "kubernetesVersion"),
    ("registry port in superscript digits", dev(registry__host="harbor.example.com:⁸⁴⁴³"), "registry.host"),
    ("registry port in full-width digits", dev(registry__host="harbor.example.com:８４４３"), "registry.host"),
    ("non-ASCII image tag", dev(kubeRbacProxyImage="quay.io/brancz/kube-rbac-proxy:vé1"), "kubeRbacProxyImage"),
    ("alias bomb in a foreign-namespace key",
     raw("  foo:a: &a [x, x, x, x, x, x, x, x, x, x]\n  foo:b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "  foo:c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"), FILE),
    ("alias bomb in environment:", "environment: [&a [x, x, x], &b [*a, *a, *a], [*b, *b, *b]]\nconfig: {}\n", FILE),
    ("OpenKasugai-AIO: namespace", raw("  OpenKasugai-AIO:fpgaAgents: false\n"), FILE),
    ("100 KB clusterName", lambda tmp: dev(clusterName="c" * 100_000), "clusterName"),
    ("2 MB hostCpuModel", lambda tmp: dev(hostCpuModel="x" * 2_000_000), FILE),
    ("100k exclusions", lambda tmp: dev(sriovIpam__exclusions=["192.168.20.0-192.168.20.9"] * 100_000), FILE),
    ("registry.host 0.0.0.0", dev(registry__host="0.0.0.0"), "registry.host"),
    ("registry.host 127.0.0.1", dev(registry__host="127.0.0.1"), "registry.host"),
    ("registry.host 999.999.999.999", dev(registry__host="999.999.999.999"), "registry.host"),
    ("registry.host admin:PASSWORD@host", dev(registry__host="admin:PASSWORD@harbor.example.com"), "registry.host"),
    ("podSubnet 10.96.0.0/12", dev(podSubnet="10.96.0.0/12"), "podSubnet"),
    ("podSubnet on docker0", dev(podSubnet="172.17.0.0/16"), "podSubnet"),
    ("managementAddress is a PF's", dev(managementAddress="192.168.20.2"), "managementAddress"),
    ("unknown GPU model", dev(hostGpuModel="Mystery GPU"), "hostGpuModel"),
    ("500 workers", lambda tmp: dev(workers=[{} for _ in range(500)]), "workers"),
    ("hugepages1Gi: 0 with the FPGA agents", dev(hugepages1Gi=0), "hugepages1Gi"),
]


@pytest.mark.parametrize("case,content,key", ISSUE, ids=[c[0] for c in ISSUE])
def test_the_issues_examples_are_refused_by_the_preview_process(tmp_path, case, content, key):
    path = _write(tmp_path, content)
    argv = [sys.executable, "-m", "preview", "--config-file", str(path), "--out", str(tmp_path / "o")]
    res = subprocess.run(argv, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    lines = res.stderr.splitlines()
    prefix = f"{path}: " if key == FILE else f"{key}: "
    assert res.returncode == 2 and len(lines) == 1 and lines[0].startswith(prefix), res.stderr[-2000:]
    assert "PASSWORD" not in res.stderr and len(lines[0]) < 500


@pytest.mark.parametrize("case", ["alias bomb in a foreign-namespace key", "alias bomb in environment:",
                                  "OpenKasugai-AIO: namespace"])
def test_doctor_refuses_the_same_stack_files(tmp_path, case):
    content = next(c for name, c, _ in ISSUE if name == case)
    path = _write(tmp_path, content)
    res = subprocess.run([sys.executable, "-m", "host", "doctor", "--config-file", str(path)],
                         cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and res.stderr.startswith(f"{path}: "), res.stderr


# What `pulumi up` hands the program (pulumi.Config, every value as text) passes the same checks.
ENGINE = [
    ("OpenKasugai-AIO:fpgaAgents", "false", "OpenKasugai-AIO:fpgaAgents"),
    ("aws:region", "us-east-1", "aws:region"),
    ("localRegistryPort", "5001\n", "localRegistryPort"),
    ("localRegistryPort", "５００１", "localRegistryPort"),
    ("hugepages1Gi", "016", "hugepages1Gi"),
    ("fpgaAgents", "yes", "fpgaAgents"),
    ("clusterName", "kind\n", "clusterName"),
    ("clusterName", "k" * 100_000, "clusterName"),
    ("registry", '{"host": "admin:PASSWORD@harbor.example.com", "project": "images", "caFile": "ca.crt"}',
     "registry.host"),
    ("workers", "[" + ", ".join(["{}"] * 100) + "]", "workers"),
]


@pytest.mark.parametrize("key,value,named", ENGINE, ids=[f"{k}={v[:20]!r}" for k, v, _ in ENGINE])
def test_config_from_the_engine_gets_the_same_checks(key, value, named):
    with pytest.raises(SettingsError) as err:
        run_program("dev", overrides={key: value})
    assert [p for p in err.value.problems if p.startswith(f"{named}: ")], err.value.problems
    assert all(len(p) < 500 and "PASSWORD" not in p for p in err.value.problems)


@pytest.mark.parametrize("strict", [True, False])
def test_a_kubernetes_version_without_a_pinned_commit_is_refused_by_strict_and_warned_offline(tmp_path, strict):
    # A source build has nothing to fetch it from: `pulumi up` and --strict refuse it, the offline preview warns (and renders).
    overrides = {"controllerCheckout": str(harness.CONTROLLER_CHECKOUT), "addonManifests": str(harness.ADDON_MANIFESTS),
                 "kindSource": str(harness.kind_checkout(tmp_path)), "kubernetesVersion": "v1.99.0",
                 "kubernetesBuild": "source",  # a release build fetches no Kubernetes tree
                 "crioVersion": "1.99"}
    with mock.patch.object(addons, "BUNDLES", harness.STAND_IN_PINS):
        if strict:
            with pytest.raises(SettingsError) as err:
                run_program("cpu-only", harness.STACKS / "cpu-only.yaml", overrides, strict=True)
            problems = err.value.problems
        else:
            problems = run_program("cpu-only", harness.STACKS / "cpu-only.yaml", overrides).warnings
    assert [p for p in problems if p.startswith("kubernetesSource: no commit is pinned for kubernetesVersion v1.99.0")]
