"""Hostile stack files, as a careless user or an attacker writes them, through the preview CLI: each is
refused with exit code 2 and one line that names its key (or, for what is wrong with the file itself,
the file), no traceback, nothing written, within a hang guard. The issue's own examples run as processes
in test_stack_files_processes.py."""
from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
import yaml

from preview.__main__ import main as preview_main
from tests.harness import PROJECT_DIR, STACKS
from tests.host_files import CA_CERTIFICATE

FILE = "<the stack file>"  # the one line names the file: what is wrong is the file itself
HANG_GUARD_S = 5  # a refusal takes well under a second; this catches a hang (an alias bomb), not speed
DEV = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
CPU = yaml.safe_load((STACKS / "cpu-only.yaml").read_text())["config"]
EXT = yaml.safe_load((STACKS / "external.yaml").read_text())["config"]
NS = "openkasugai-aio"


def stack(base: dict, changes: dict) -> str:
    """`base` with each dotted path (workers.0.sriov.pf) set, as stack-file YAML (a value given twice must
    be two objects: the dumper writes one object seen twice as an anchor and an alias, which are refused)."""
    cfg = copy.deepcopy(base)
    for path, value in changes.items():
        first, *rest = path.split(".")
        if not rest:
            cfg[f"{NS}:{first}"] = value
            continue
        node = cfg.setdefault(f"{NS}:{first}", {})
        for part in rest[:-1]:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[int(rest[-1]) if rest[-1].isdigit() else rest[-1]] = value
    return yaml.safe_dump({"config": cfg}, allow_unicode=True, width=1 << 30)


def dev(**changes) -> str:
    return stack(DEV, {k.replace("__", "."): v for k, v in changes.items()})


def raw(body: str) -> str:
    return f"config:\n  {NS}:clusterName: laptop\n  {NS}:fpgaAgents: false\n{body}"


def with_file(name: str, content: str | bytes, base: dict, key: str):
    """A case whose value is a file the test writes: `key` set to its path."""
    def make(tmp: Path) -> str:
        path = tmp / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
        return stack(base, {key: str(path)})
    return make


def with_link(target: str, key: str):
    def make(tmp: Path) -> str:
        (tmp / "link").symlink_to(target)
        return dev(**{key: str(tmp / "link")})
    return make


BOMB = "&a [x, x, x, x, x, x, x, x, x]"
KUBECONFIG = ("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://10.0.0.1:6443'}}]\n"
              "contexts: [{name: ctx, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\n")
PRIVATE_KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBx\n-----END EC PRIVATE KEY-----\n"
FW = str.maketrans("0123456789", "０１２３４５６７８９")  # full-width digits
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")  # superscript digits

# (case, stack file, the key its one line starts with (or FILE), a phrase in that line)
CASES = [
    # The file itself: anchors and aliases anywhere, its size, namespaces, YAML 1.1 scalars.
    ("alias bomb in environment", f"environment: [{BOMB}, *a, *a]\nconfig: {{}}\n", FILE, "anchors and aliases"),
    ("alias bomb in a project value", raw(f"  {NS}:scenarios: {BOMB}\n  {NS}:workers: [*a]\n"), FILE, "anchors"),
    ("an anchor alone", raw(f"  {NS}:kubernetesVersion: &v v1.31.0\n"), FILE, "anchors and aliases"),
    ("a merge key", raw(f"  {NS}:workers: [&w {{gpu: false}}, {{<<: *w}}]\n"), FILE, "anchors and aliases"),
    ("an alias as a key", raw(f"  {NS}:registry: {{&k host: x, *k : y}}\n"), FILE, "anchors and aliases"),
    ("an alias in encryptedkey", "encryptedkey: &e x\nsecretsprovider: *e\nconfig: {}\n", FILE, "anchors"),
    ("upper-case namespace", raw("  OPENKASUGAI-AIO:clusterName: a\n"), FILE, "did you mean 'openkasugai-aio'"),
    ("underscore namespace", raw("  openkasugai_aio:clusterName: a\n"), FILE, "did you mean 'openkasugai-aio'"),
    ("namespace without -aio", raw("  openkasugai:clusterName: a\n"), FILE, "did you mean 'openkasugai-aio'"),
    ("namespace with a space", raw("  'openkasugai-aio :clusterName': a\n"), FILE, "did you mean"),
    ("a foreign namespace", raw("  aws:region: us-east-1\n"), FILE, "unknown namespace 'aws'"),
    ("a provider namespace misspelt", raw("  kubernets:context: x\n"), FILE, "did you mean 'kubernetes'"),
    ("a file over 1 MiB", raw(f"  {NS}:hostCpuModel: {'x' * (1 << 20)}\n"), FILE, "larger than 1024 KiB"),
    ("a namespace with no key", raw(f"  '{NS}:': x\n"), f"{NS}:", "names no key"),
    ("an octal port", raw(f"  {NS}:localRegistryPort: 010\n"), "localRegistryPort", "leading zero"),
    ("a hex port", raw(f"  {NS}:localRegistryPort: 0x1389\n"), "localRegistryPort", "the text '0x1389'"),
    ("a port with underscores", raw(f"  {NS}:localRegistryPort: 5_001\n"), "localRegistryPort", "'5_001'"),
    ("a sexagesimal port", raw(f"  {NS}:localRegistryPort: 1:30\n"), "localRegistryPort", "'1:30'"),
    ("a 5000-digit port", raw(f"  {NS}:localRegistryPort: {'1' * 5000}\n"), "localRegistryPort", "characters)"),
    ("hugepages as 0o20", raw(f"  {NS}:hugepages1Gi: 0o20\n"), "hugepages1Gi", "the text '0o20'"),
    ("multiWorker: yes", raw(f"  {NS}:multiWorker: yes\n"), "multiWorker", "write true or false"),
    ("verifyScenarios: On", raw(f"  {NS}:verifyScenarios: On\n"), "verifyScenarios", "write true or false"),
    ("a timestamp as a version", raw(f"  {NS}:kubernetesVersion: 2024-01-01\n"), "kubernetesVersion", "not a version"),
    ("crioVersion: .inf", raw(f"  {NS}:crioVersion: .inf\n"), "crioVersion", "not a minor version"),
    ("a binary value", raw(f"  {NS}:podSubnet: !!binary aGVsbG8=\n"), "podSubnet", "not a network"),
    ("a python tag", raw(f"  {NS}:clusterName2: !!python/name:os.system\n"), FILE, "not valid YAML"),
    ("workers as a set", raw(f"  {NS}:workers: !!set {{a, b}}\n"), "workers", "must be an array"),
    ("a mis-cased key", raw(f"  {NS}:ClusterName: a\n"), "ClusterName", "did you mean 'clusterName'"),
    # Text that hides, runs long or uses other scripts' digits.
    ("cluster name with NUL", dev(clusterName="ki\0nd"), "clusterName", "control character"),
    ("cluster name with a bidi override", dev(clusterName="kind\u202e"), "clusterName", "invisible"),
    ("cluster name in full width", dev(clusterName="ｋind"), "clusterName", "not a DNS label"),
    ("cluster name with a trailing tab", dev(clusterName="kind\t"), "clusterName", "control character"),
    ("scenario name with a newline", dev(scenarios=["p1c1", "p2c1\n"]), "scenarios[1]", "control character"),
    ("40 scenarios", dev(scenarios=["p1c1"] * 40), "scenarios", "at most 32"),
    ("a 100 KB scenario name", lambda tmp: dev(scenarios=["p" * 100_000]), "scenarios[0]", "at most 64"),
    ("17 workers", dev(workers=[{} for _ in range(17)]), "workers", "at most 16"),
    ("10000 workers", lambda tmp: dev(workers=[{} for _ in range(10_000)]), "workers", "at most 16"),
    ("300 exclusions", dev(sriovIpam__exclusions=["192.168.20.0-192.168.20.9"] * 300), "sriovIpam.exclusions",
     "at most 256"),
    ("PF name with a space", dev(workers__0__sriov__pf="ens 9"), "workers[0].sriov.pf", "interface name"),
    ("PF name with a tab", dev(workers__0__sriov__pf="ens9f0np0\t"), "workers[0].sriov.pf", "control"),
    ("PF name non-ASCII", dev(workers__0__sriov__pf="éns9f0"), "workers[0].sriov.pf", "interface name"),
    ("PF name of 16 characters", dev(workers__0__sriov__pf="enp23s0f0np0abcd"), "workers[0].sriov.pf", "at most 15"),
    ("PF name with a slash", dev(workers__0__sriov__pf="en/s9"), "workers[0].sriov.pf", "interface name"),
    ("VF count in full width", dev(workers__0__sriov__vfs="８"), "workers[0].sriov.vfs", "VF count"),
    ("PF address with a full-width prefix", dev(workers__0__sriov__address="192.168.20.2/２４"),
     "workers[0].sriov.address", "not an address"),
    ("PF address with a newline", dev(workers__0__sriov__address="192.168.20.2/24\n"), "workers[0].sriov.address",
     "control"),
    ("SR-IOV gateway in full width", dev(sriovIpam__gateway="192.168.20.１"), "sriovIpam.gateway", "IPv4"),
    ("exclusion with a newline", dev(sriovIpam__exclusions=["192.168.20.0-192.168.20.9\n"]),
     "sriovIpam.exclusions[0]", "control"),
    ("pod subnet with a newline", dev(podSubnet="10.100.0.0/16\n"), "podSubnet", "control"),
    ("pod subnet in full width", dev(podSubnet="１０.100.0.0/16"), "podSubnet", "CIDR"),
    ("MetalLB pool with a newline", dev(metallbAddresses="172.18.9.0-172.18.9.10\n"), "metallbAddresses", "control"),
    ("MetalLB pool in full width", dev(metallbAddresses="172.18.9.0-172.18.9.１０"), "metallbAddresses", "IPv4"),
    ("Kubernetes version superscript", dev(kubernetesVersion="v1.31.⁰"), "kubernetesVersion", "not a version"),
    ("Kubernetes major with a leading zero", dev(kubernetesVersion="v01.31.0"), "kubernetesVersion", "leading zero"),
    ("CRI-O version with a newline", dev(crioVersion="1.31\n"), "crioVersion", "control"),
    ("CRI-O version in full width", dev(crioVersion="１.31"), "crioVersion", "minor version"),
    ("CRI-O minor with a leading zero", dev(crioVersion="1.031"), "crioVersion", "leading zero"),
    ("controller version with a newline", dev(controllerVersion="v1.1.0\n"), "controllerVersion", "control"),
    ("controller registry in full width", dev(controllerImageRegistry="ghcr.io/openkasugai/ｃontroller"),
     "controllerImageRegistry", "path component"),
    ("controller registry of 300 characters", dev(controllerImageRegistry="ghcr.io/" + "a" * 292),
     "controllerImageRegistry", "at most 255"),
    ("kube-rbac-proxy tag in full width", dev(kubeRbacProxyImage="quay.io/brancz/kube-rbac-proxy:v０.14.1"),
     "kubeRbacProxyImage", "the tag"),
    ("image mirror port in full width", dev(imageMirror="mirror.example.com:５000"), "imageMirror", "registry port"),
    ("image mirror with user-info", dev(imageMirror="admin:hunter2@mirror.example.com"), "imageMirror", "user-info"),
    ("CPU model of 300 characters", dev(hostCpuModel="Xeon " * 60), "hostCpuModel", "at most 256"),
    ("CPU model with a newline", dev(hostCpuModel="Xeon\nGold"), "hostCpuModel", "control"),
    ("GPU model nobody makes", dev(hostGpuModel="Quantum Accelerator"), "hostGpuModel", "no NVIDIA model number"),
    ("GPU model with a no-break space", dev(hostGpuModel="NVIDIA\u00a0A100"), "hostGpuModel", "printable ASCII"),
    ("GPU UUID in full width", dev(hostGpuUuid="GPU-５c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b"), "hostGpuUuid", "UUID"),
    ("hugepages 15 with the FPGA agents", dev(hugepages1Gi=15), "hugepages1Gi", "fewer than the 16"),
    ("hugepages in full width", dev(hugepages1Gi="１６"), "hugepages1Gi", "must be an integer"),
    ("registry port 0", dev(localRegistryPort=0), "localRegistryPort", "not a port number"),
    ("registry port in full width", stack(CPU, {"localRegistryPort": "５００１"}), "localRegistryPort", "integer"),
    ("function image with a newline",
     stack(CPU, {"functionImages": {n: f"registry.example.com/fn/{n}:1.1.0" for n in
                                    ("cpufunc_calcapp", "cpufunc_sidecar", "cpufunc_gst", "send_video_tool")},
                 "functionImages.cpufunc_gst": "registry.example.com/fn/cpufunc_gst:1.1.0\n"}),
     "functionImages.cpufunc_gst", "control"),
    ("20 function images", stack(CPU, {"functionImages": {f"f{i}": "r.example/x:1" for i in range(20)}}),
     "functionImages", "20 entries"),
    # The registry and the management address.
    ("registry host with a newline", dev(registry__host="harbor.example.com\n"), "registry.host", "control"),
    ("registry host in full width", dev(registry__host="ｈarbor.example.com"), "registry.host", "host[:port]"),
    ("registry host with a user", dev(registry__host="admin@harbor.example.com"), "registry.host", "user-info"),
    ("registry URL with a password", dev(registry__host="https://admin:hunter2@harbor.example.com"),
     "registry.host", "user-info"),
    ("registry on the broadcast address", dev(registry__host="255.255.255.255"), "registry.host", "broadcast"),
    ("registry on a reserved address", dev(registry__host="240.0.0.1"), "registry.host", "reserved"),
    ("registry on the resolver's loopback", dev(registry__host="127.0.0.53:443"), "registry.host", "loopback"),
    ("registry under .localhost", dev(registry__host="harbor.localhost"), "registry.host", "loopback"),
    ("registry with five octets", dev(registry__host="1.2.3.4.5"), "registry.host", "not an IPv4 address"),
    ("registry port 65536", dev(registry__host="harbor.example.com:65536"), "registry.host", "1 to 65535"),
    ("registry port empty", dev(registry__host="harbor.example.com:"), "registry.host", "1 to 65535"),
    ("registry on the kind network", dev(registry__host="172.18.0.100"), "registry.host", "kindNetworkSubnet"),
    ("Harbor project with a newline", dev(registry__project="images\n"), "registry.project", "control"),
    ("Harbor project in full width", dev(registry__project="ｉmages"), "registry.project", "Harbor project"),
    ("CA digest in full width", dev(registry__caSha256="Ａ" * 64), "registry.caSha256", "SHA-256"),
    ("CA digest with a newline", dev(registry__caSha256="a" * 64 + "\n"), "registry.caSha256", "control"),
    ("registry user with a newline", dev(registry__username="admin\n"), "registry.username", "control"),
    ("management address is the second PF's", dev(managementAddress="192.168.20.3"), "managementAddress",
     "workers[1].sriov.address"),
    ("management address in full width", dev(managementAddress="192.168.10.１"), "managementAddress", "IPv4"),
    ("management address broadcast", dev(managementAddress="255.255.255.255"), "managementAddress", "broadcast"),
    # Networks another part of the host routes.
    ("pod subnet is Kind's service range", dev(podSubnet="10.96.0.0/16"), "podSubnet", "service range"),
    ("pod subnet holds the service range", dev(podSubnet="10.0.0.0/8"), "podSubnet", "service range"),
    ("pod subnet on docker0", dev(podSubnet="172.17.0.0/16"), "podSubnet", "docker0"),
    ("kind network holds docker0", dev(kindNetworkSubnet="172.16.0.0/12"), "kindNetworkSubnet", "docker0"),
    # Paths: where they resolve to, and what the files hold.
    ("video folder is the home folder", dev(videoDir="~"), "videoDir", "home folder"),
    ("video folder is ~/.ssh", dev(videoDir="~/.ssh"), "videoDir", ".ssh"),
    ("video folder climbs to /etc", dev(videoDir="../../../../../../../../etc"), "videoDir", "resolves to /etc"),
    ("video folder is Docker's storage", dev(videoDir="/var/lib/docker"), "videoDir", "/var/lib/docker"),
    ("video folder is /run", dev(videoDir="/run"), "videoDir", "/run"),
    ("video folder links to /", with_link("/", "videoDir"), "videoDir", "the whole filesystem"),
    ("claims folder is /", dev(hostClaimsDir="/"), "hostClaimsDir", "the whole filesystem"),
    ("claims folder relative", dev(hostClaimsDir="claims"), "hostClaimsDir", "not an absolute path"),
    ("claims folder with a newline", dev(hostClaimsDir="/var/lib/openkasugai-aio\n"), "hostClaimsDir", "control"),
    ("claims folder in ~/.kube", dev(hostClaimsDir="/root/.kube/claims"), "hostClaimsDir", ".kube"),
    ("source cache is /", dev(sourceCache="/"), "sourceCache", "the whole filesystem"),
    ("source cache in the Pulumi folder", dev(sourceCache="~/.pulumi/cache"), "sourceCache", ".pulumi"),
    ("controller checkout in /proc", dev(controllerCheckout="/proc/1"), "controllerCheckout", "/proc"),
    ("kind source is /etc", dev(kindSource="/etc"), "kindSource", "/etc"),
    ("host root is /proc", dev(hostRoot="/proc"), "hostRoot", "resolves to /proc, a system folder"),
    ("host root inside /etc", dev(hostRoot="/etc/fake-root"), "hostRoot", "inside /etc"),
    ("Kubernetes source is /sys", dev(kubernetesSource="/sys"), "kubernetesSource", "/sys"),
    ("add-on folder is /boot", dev(addonManifests="/boot"), "addonManifests", "/boot"),
    ("registry CA is a device", dev(registry__caFile="/dev/null"), "registry.caFile", "inside /dev"),
    ("registry CA with its private key", with_file("ca.pem", CA_CERTIFICATE + PRIVATE_KEY, DEV, "registry.caFile"),
     "registry.caFile", "EC PRIVATE KEY"),
    ("registry CA that is a key only", with_file("ca.pem", PRIVATE_KEY, DEV, "registry.caFile"), "registry.caFile",
     "EC PRIVATE KEY"),
    ("registry CA that is binary", with_file("ca.pem", b"\x30\x82\xff\xfe", DEV, "registry.caFile"),
     "registry.caFile", "not text"),
    ("kubeconfig is the root", stack(EXT, {"externalKubeconfig": "/"}), "externalKubeconfig", "whole filesystem"),
    ("kubeconfig with an alias bomb",
     with_file("kubeconfig", f"a: {BOMB}\nb: [*a, *a]\n{KUBECONFIG}current-context: ctx\n", EXT, "externalKubeconfig"),
     "externalKubeconfig", "anchors and aliases"),
    ("kubeconfig without a current context", with_file("kubeconfig", KUBECONFIG, EXT, "externalKubeconfig"),
     "externalKubeconfig", "no current-context"),
    ("kubeconfig naming a missing context",
     with_file("kubeconfig", KUBECONFIG + "current-context: prod\n", EXT, "externalKubeconfig"),
     "externalKubeconfig", "'prod'"),
    ("driver that is an ELF binary", with_file("NVIDIA.run", b"\x7fELF\x02\x01\x01\0", DEV, "gpuDriverFile"),
     "gpuDriverFile", "#!/bin/sh"),
    ("driver that is another makeself archive",
     with_file("NVIDIA.run", '#!/bin/sh\nlabel="Other"\nscript=./setup\n', DEV, "gpuDriverFile"), "gpuDriverFile",
     "not NVIDIA's driver installer"),
    ("driver in /proc", dev(gpuDriverFile="/proc/self/fd/0.run"), "gpuDriverFile", "/proc"),
]


def _write(tmp: Path, content) -> Path:
    text = content(tmp) if callable(content) else content
    path = tmp / "Pulumi.hostile.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize("case,content,key,says", CASES, ids=[c[0] for c in CASES])
def test_a_hostile_stack_file_is_one_line_naming_its_key(tmp_path, capsys, case, content, key, says):
    path, out = _write(tmp_path, content), tmp_path / "out"
    start = time.monotonic()
    code = preview_main(["--config-file", str(path), "--out", str(out), "--quiet"])
    elapsed = time.monotonic() - start
    lines = capsys.readouterr().err.splitlines()
    prefix = f"{path}: " if key == FILE else f"{key}: "
    assert code == 2 and len(lines) == 1 and lines[0].startswith(prefix) and says in lines[0], lines
    assert len(lines[0]) < 500 and "hunter2" not in lines[0] and "Traceback" not in lines[0]
    assert not out.exists()  # refused before anything was written
    assert elapsed < HANG_GUARD_S, f"{case}: {elapsed:.1f} s"


def test_the_table_holds_at_least_80_cases_of_its_own():
    assert len(CASES) >= 80 and len({c[0] for c in CASES}) == len(CASES)
