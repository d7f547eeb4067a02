"""Rules across keys and the shape of every value: each invalid config names its key, once."""
from __future__ import annotations

import copy

import pytest

from tests.harness import PROJECT_DIR
from tests.unit.test_settings import _DELETE, _load, _set, full, host, refused  # noqa: F401  (host is a fixture)

EXTERNAL_KUBECONFIG = str(PROJECT_DIR / "tests/stacks/external-kubeconfig.yaml")


def _all(*mutations):
    def apply(cfg):
        for m in mutations:
            m(cfg)
    return apply


def _external(workers):
    """The external profile: a kubeconfig, the workers' CPU model, no host devices."""
    return _all(_set("externalKubeconfig", EXTERNAL_KUBECONFIG), _set("hostCpuModel", "Xeon"),
                _set("workers", workers), _set("gpuDriverFile", _DELETE), _set("sriovIpam", _DELETE),
                _set("scenarios", ["calcapp-basic"]))


RULES = [
    # Addresses that must not collide.
    ("registry IP inside the pod subnet", _set("registry.host", "10.100.5.5"), "registry.host"),
    ("registry IP inside the kind network", _set("registry.host", "172.18.0.50"), "registry.host"),
    ("registry IP inside the SR-IOV subnet", _set("registry.host", "192.168.20.100"), "registry.host"),
    ("registry IP in the MetalLB pool", _set("registry.host", "172.18.9.5"), "registry.host"),
    ("registry IP with a port inside the pod subnet", _set("registry.host", "10.100.0.9:8443"), "registry.host"),
    ("pod subnet contains the kind network", _set("podSubnet", "172.0.0.0/8"), "kindNetworkSubnet"),
    ("pod subnet IPv6", _set("podSubnet", "fd00::/64"), "podSubnet"),
    ("MetalLB pool over the Kind nodes' addresses", _set("metallbAddresses", "172.18.0.2-172.18.0.20"),
     "metallbAddresses"),
    ("MetalLB pool on Docker's gateway", _set("metallbAddresses", "172.18.0.1-172.18.0.1"), "metallbAddresses"),
    ("MetalLB pool from the network address", _set("metallbAddresses", "172.18.0.0-172.18.0.10"),
     "metallbAddresses"),
    ("MetalLB pool to the broadcast address", _set("metallbAddresses", "172.18.255.250-172.18.255.255"),
     "metallbAddresses"),
    ("MetalLB pool on the last node's address", _set("metallbAddresses", "172.18.0.4-172.18.0.9"),
     "metallbAddresses"),
    ("MetalLB pool on the embedded registry's address",
     _all(_set("registry", _DELETE), _set("registryPassword", _DELETE),
          _set("metallbAddresses", "172.18.0.5-172.18.0.9")), "metallbAddresses"),
    ("MetalLB pool as a list", _set("metallbAddresses", ["172.18.9.0", "172.18.9.10"]), "metallbAddresses"),
    # The SR-IOV pool (nv-ipam).
    ("SR-IOV gateway is the network address", _set("sriovIpam.gateway", "192.168.20.0"), "sriovIpam.gateway"),
    ("SR-IOV gateway is the broadcast address", _set("sriovIpam.gateway", "192.168.20.255"), "sriovIpam.gateway"),
    ("SR-IOV gateway not an address", _set("sriovIpam.gateway", "gw"), "sriovIpam.gateway"),
    ("SR-IOV gateway a number", _set("sriovIpam.gateway", 5), "sriovIpam.gateway"),
    ("SR-IOV gateway missing", _set("sriovIpam.gateway", _DELETE), "sriovIpam.gateway"),
    ("SR-IOV gateway empty", _set("sriovIpam.gateway", ""), "sriovIpam.gateway"),
    ("SR-IOV exclusion a single address", _set("sriovIpam.exclusions", ["192.168.20.0"]), "sriovIpam.exclusions[0]"),
    ("SR-IOV exclusion reversed", _set("sriovIpam.exclusions", ["192.168.20.9-192.168.20.0"]),
     "sriovIpam.exclusions[0]"),
    ("SR-IOV exclusions not a list", _set("sriovIpam.exclusions", "192.168.20.0-192.168.20.9"),
     "sriovIpam.exclusions"),
    ("SR-IOV exclusion a number", _set("sriovIpam.exclusions", ["192.168.20.0-192.168.20.9", 7]),
     "sriovIpam.exclusions[1]"),
    ("SR-IOV exclusions leave a block too few addresses for the VFs",
     _set("sriovIpam.exclusions", ["192.168.20.0-192.168.20.25"]), "sriovIpam.exclusions"),
    ("SR-IOV exclusions cover the whole subnet", _set("sriovIpam.exclusions", ["192.168.20.0-192.168.20.255"]),
     "sriovIpam.exclusions"),
    ("blocks of every worker do not fit the subnet", _set("sriovIpam.perNodeBlockSize", 200),
     "sriovIpam.perNodeBlockSize"),
    ("block smaller than a worker's VFs", _set("sriovIpam.perNodeBlockSize", 4), "sriovIpam.perNodeBlockSize"),
    ("block size zero", _set("sriovIpam.perNodeBlockSize", 0), "sriovIpam.perNodeBlockSize"),
    ("block size text", _set("sriovIpam.perNodeBlockSize", "thirty"), "sriovIpam.perNodeBlockSize"),
    ("blocks do not fit a small subnet",
     _all(_set("sriovIpam.subnet", "192.168.20.0/27"), _set("sriovIpam.exclusions", ["192.168.20.0-192.168.20.9"])),
     "sriovIpam.perNodeBlockSize"),
    ("SR-IOV subnet missing", _set("sriovIpam.subnet", _DELETE), "sriovIpam.subnet"),
    ("SR-IOV pool unknown key", _set("sriovIpam.gateways", "192.168.20.1"), "sriovIpam.gateways"),
    ("SR-IOV pool not an object", _set("sriovIpam", "192.168.20.0/24"), "sriovIpam"),
    # PFs and VFs.
    ("PF address is the gateway", _set("workers.0.sriov.address", "192.168.20.1/24"), "workers[0].sriov.address"),
    ("PF address given twice", _set("workers.1.sriov.address", "192.168.20.2/24"), "workers[1].sriov.address"),
    ("PF address is the network address", _set("workers.0.sriov.address", "192.168.20.0/24"),
     "workers[0].sriov.address"),
    ("PF address is the broadcast address", _set("workers.0.sriov.address", "192.168.20.255/24"),
     "workers[0].sriov.address"),
    ("PF address among the VFs' addresses", _set("workers.0.sriov.address", "192.168.20.20/24"),
     "workers[0].sriov.address"),
    ("PF address IPv6", _set("workers.0.sriov.address", "fd00::2/64"), "workers[0].sriov.address"),
    ("PF address a number", _set("workers.0.sriov.address", 5), "workers[0].sriov.address"),
    ("VF count missing", _set("workers.0.sriov.vfs", _DELETE), "workers[0].sriov.vfs"),
    ("VF count null", _set("workers.0.sriov.vfs", None), "workers[0].sriov.vfs"),
    ("no VF on an SR-IOV worker that an SR-IOV scenario uses", _set("workers.1.sriov.vfs", 0),
     "workers[1].sriov.vfs"),
    ("VF count a fraction", _set("workers.0.sriov.vfs", 8.5), "workers[0].sriov.vfs"),
    ("VF count a boolean", _set("workers.0.sriov.vfs", True), "workers[0].sriov.vfs"),
    ("PF name missing", _set("workers.0.sriov.pf", _DELETE), "workers[0].sriov.pf"),
    ("PF name null", _set("workers.0.sriov.pf", None), "workers[0].sriov.pf"),
    ("sriov given as a PF name", _set("workers.0.sriov", "ens9f0np0"), "workers[0].sriov"),
    ("multiWorker SR-IOV scenario without SR-IOV on the second worker",
     _all(_set("multiWorker", True), _set("workers.1.sriov", _DELETE)), "workers[1].sriov"),
    ("worker null", _set("workers.1", None), "workers[1]"),
    # Versions.
    ("CRI-O minor differs from Kubernetes", _set("crioVersion", "1.30"), "crioVersion"),
    ("CRI-O version read by YAML as a number", _set("crioVersion", 1.3), "crioVersion"),
    ("CRI-O version 1.30 as a number with Kubernetes 1.30",
     _all(_set("kubernetesVersion", "v1.30.0"), _set("crioVersion", 1.3)), "crioVersion"),
    ("CRI-O version with a v", _set("crioVersion", "v1.31"), "crioVersion"),
    ("CRI-O version with a patch", _set("crioVersion", "1.31.0"), "crioVersion"),
    ("Kubernetes version without v", _set("kubernetesVersion", "1.31.0"), "kubernetesVersion"),
    ("Kubernetes version read by YAML as a number", _set("kubernetesVersion", 1.31), "kubernetesVersion"),
    # The registry.
    ("registry host with a scheme", _set("registry.host", "https://192.168.10.100"), "registry.host"),
    ("registry host with a path", _set("registry.host", "192.168.10.100/images"), "registry.host"),
    ("registry port zero", _set("registry.host", "harbor.example.com:0"), "registry.host"),
    ("registry port too large", _set("registry.host", "harbor.example.com:70000"), "registry.host"),
    ("registry port not a number", _set("registry.host", "harbor.example.com:https"), "registry.host"),
    ("registry host with shell characters", _set("registry.host", 'harbor"; rm -rf /'), "registry.host"),
    ("registry host empty", _set("registry.host", ""), "registry.host"),
    ("registry host null", _set("registry.host", None), "registry.host"),
    ("registry project a path", _set("registry.project", "images/sub"), "registry.project"),
    ("registry project with a tag", _set("registry.project", "images:v1"), "registry.project"),
    ("registry project null", _set("registry.project", None), "registry.project"),
    ("registry username empty", _set("registry.username", ""), "registry.username"),
    ("registry CA file a list", _set("registry.caFile", ["ca.crt"]), "registry.caFile"),
    ("registry not an object", _set("registry", "harbor.example.com"), "registry"),
    # Image references and registry paths.
    ("controller image registry with a tag", _set("controllerImageRegistry", "ghcr.io/openkasugai/controller:v1.1.0"),
     "controllerImageRegistry"),
    ("controller image registry empty", _set("controllerImageRegistry", ""), "controllerImageRegistry"),
    ("controller image registry upper case", _set("controllerImageRegistry", "ghcr.io/OpenKasugai/controller"),
     "controllerImageRegistry"),
    ("controller image registry with a digest",
     _set("controllerImageRegistry", "ghcr.io/openkasugai/controller@sha256:" + "0" * 64), "controllerImageRegistry"),
    ("kube-rbac-proxy image empty", _set("kubeRbacProxyImage", ""), "kubeRbacProxyImage"),
    ("kube-rbac-proxy image only a tag", _set("kubeRbacProxyImage", ":v0.14.1"), "kubeRbacProxyImage"),
    ("kube-rbac-proxy image empty tag", _set("kubeRbacProxyImage", "quay.io/brancz/kube-rbac-proxy:"),
     "kubeRbacProxyImage"),
    ("kube-rbac-proxy image bad digest", _set("kubeRbacProxyImage", "quay.io/brancz/kube-rbac-proxy@sha256:xyz"),
     "kubeRbacProxyImage"),
    ("kube-rbac-proxy image with a space", _set("kubeRbacProxyImage", "quay.io/brancz/kube rbac proxy:v1"),
     "kubeRbacProxyImage"),
    ("image mirror with a tag", _set("imageMirror", "mirror.example.com/library:latest"), "imageMirror"),
    ("image mirror with a scheme", _set("imageMirror", "https://mirror.example.com"), "imageMirror"),
    ("image mirror with an empty path component", _set("imageMirror", "mirror.example.com//x"), "imageMirror"),
    # The external profile.
    ("external worker without a name", _external([{"name": "node-a"}, {}]), "workers[1].name"),
    ("external worker names repeated", _external([{"name": "node-a"}, {"name": "node-a"}]), "workers[1].name"),
    ("external worker name not a node name", _external([{"name": "Node_A"}]), "workers[0].name"),
    ("external worker name a number list", _external([{"name": ["a"]}]), "workers[0].name"),
    # Types of plain keys.
    ("cluster name read by YAML as a number", _set("clusterName", 1.5), "clusterName"),
    ("CPU model a list", _set("hostCpuModel", ["Xeon"]), "hostCpuModel"),
    ("management address IPv6", _set("managementAddress", "fd00::1"), "managementAddress"),
    ("scenario name null", _set("scenarios", ["calcapp-basic", None]), "scenarios"),
    ("fpgaAgents a text", _set("fpgaAgents", "no"), "fpgaAgents"),
    # Networks something else on the host routes: Kind's service range, docker0.
    ("pod subnet is kubeadm's service range, over Kind's", _set("podSubnet", "10.96.0.0/12"), "podSubnet"),
    ("pod subnet inside Kind's service range", _set("podSubnet", "10.96.128.0/20"), "podSubnet"),
    ("kind network on docker0's subnet", _set("kindNetworkSubnet", "172.17.0.0/16"), "kindNetworkSubnet"),
    ("SR-IOV subnet inside docker0's subnet", _set("sriovIpam.subnet", "172.17.20.0/24"), "sriovIpam.subnet"),
    # A registry the nodes cannot reach, or that is not an address at all.
    ("registry on the unspecified address", _set("registry.host", "0.0.0.0"), "registry.host"),
    ("registry on the host's loopback", _set("registry.host", "127.0.0.1"), "registry.host"),
    ("registry on another loopback address with a port", _set("registry.host", "127.8.9.10:5000"), "registry.host"),
    ("registry named localhost", _set("registry.host", "localhost:5000"), "registry.host"),
    ("registry on IPv6 loopback", _set("registry.host", "::1"), "registry.host"),
    ("registry on bracketed IPv6", _set("registry.host", "[::1]:5000"), "registry.host"),
    ("registry octets out of range", _set("registry.host", "999.999.999.999"), "registry.host"),
    ("registry with three octets", _set("registry.host", "10.1.2"), "registry.host"),
    ("registry with a leading-zero octet", _set("registry.host", "192.168.010.100"), "registry.host"),
    ("registry on a multicast address", _set("registry.host", "224.0.0.251"), "registry.host"),
    ("registry inside Kind's service range", _set("registry.host", "10.96.0.10"), "registry.host"),
    ("registry with user-info", _set("registry.host", "admin:PASSWORD@harbor.example.com"), "registry.host"),
    ("registry port with full-width digits", _set("registry.host", "harbor.example.com:\uff18\uff14\uff14\uff13"),
     "registry.host"),
    ("registry port with superscript digits", _set("registry.host", "harbor.example.com:\u2078\u2070"), "registry.host"),
    ("registry port with a leading zero", _set("registry.host", "harbor.example.com:08443"), "registry.host"),
    # The management address.
    ("management address is a PF's address", _set("managementAddress", "192.168.20.2"), "managementAddress"),
    ("management address on loopback", _set("managementAddress", "127.0.0.1"), "managementAddress"),
    ("management address unspecified", _set("managementAddress", "0.0.0.0"), "managementAddress"),
    # Models, counts and pages.
    ("GPU model without a model number", _set("hostGpuModel", "My Fancy GPU"), "hostGpuModel"),
    ("GPU model with a full-width model number", _set("hostGpuModel", "NVIDIA \uff21100"), "hostGpuModel"),
    ("CPU model with a non-ASCII sign", _set("hostCpuModel", "Xeon\u2122 Gold"), "hostCpuModel"),
    # Distinct objects: the preview-CLI test writes these as YAML, where one object twice is an alias.
    ("17 workers", _set("workers", [{} for _ in range(17)]), "workers"),
    ("500 workers", _set("workers", [{} for _ in range(500)]), "workers"),
    ("8 hugepages with the FPGA agents", _set("hugepages1Gi", 8), "hugepages1Gi"),
    ("no hugepages with the FPGA agents", _set("hugepages1Gi", 0), "hugepages1Gi"),
    # Text: whole, ASCII, short, visible.
    ("cluster name with a trailing newline", _set("clusterName", "kind\n"), "clusterName"),
    ("cluster name of 100 KB", _set("clusterName", "a" * 100_000), "clusterName"),
    ("cluster name with a zero-width space", _set("clusterName", "ki\u200bnd"), "clusterName"),
    ("PF name with a trailing newline", _set("workers.0.sriov.pf", "ens9f0np0\n"), "workers[0].sriov.pf"),
    ("PF name with a full-width digit", _set("workers.0.sriov.pf", "ens\uff19f0np0"), "workers[0].sriov.pf"),
    ("Kubernetes version with full-width digits", _set("kubernetesVersion", "v\uff11.\uff13\uff11.\uff10"),
     "kubernetesVersion"),
    ("Kubernetes version with superscript digits", _set("kubernetesVersion", "v\u00b9.31.0"), "kubernetesVersion"),
    ("Kubernetes version with a trailing newline", _set("kubernetesVersion", "v1.31.0\n"), "kubernetesVersion"),
    ("Kubernetes version with a leading zero", _set("kubernetesVersion", "v1.031.0"), "kubernetesVersion"),
    ("registry port given with a leading zero", _set("localRegistryPort", "05001"), "localRegistryPort"),
    ("registry port given in full-width digits", _set("localRegistryPort", "\uff15\uff10\uff10\uff11"),
     "localRegistryPort"),
    ("Harbor project with a trailing newline", _set("registry.project", "images\n"), "registry.project"),
    ("GPU UUID with a trailing newline", _set("hostGpuUuid", "GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b\n"),
     "hostGpuUuid"),
    ("image tag with non-ASCII letters", _set("kubeRbacProxyImage", "quay.io/brancz/kube-rbac-proxy:v\u00e9"),
     "kubeRbacProxyImage"),
    # Paths: where they point and what they hold.
    ("video folder is the root", _set("videoDir", "/"), "videoDir"),
    ("video folder is /etc", _set("videoDir", "/etc"), "videoDir"),
    ("video folder reaches the root through ..", _set("videoDir", "/etc/.."), "videoDir"),
    ("video folder inside /etc", _set("videoDir", "/etc/ssl"), "videoDir"),
    ("video folder inside /proc", _set("videoDir", "/proc/self"), "videoDir"),
    ("video folder holds /var/lib/docker", _set("videoDir", "/var/lib"), "videoDir"),
    ("claims folder empty", _set("hostClaimsDir", ""), "hostClaimsDir"),
    ("claims folder relative", _set("hostClaimsDir", "../../../../root/.ssh"), "hostClaimsDir"),
    ("claims folder is /etc", _set("hostClaimsDir", "/etc"), "hostClaimsDir"),
    ("claims folder inside root's .ssh", _set("hostClaimsDir", "/root/.ssh/claims"), "hostClaimsDir"),
    ("source cache is /etc", _set("sourceCache", "/etc"), "sourceCache"),
    ("controller checkout is the root", _set("controllerCheckout", "/"), "controllerCheckout"),
    ("Kubernetes source inside /dev", _set("kubernetesSource", "/dev/shm"), "kubernetesSource"),
    ("registry CA is /etc/shadow", _set("registry.caFile", "/etc/shadow"), "registry.caFile"),
    ("registry CA inside /proc", _set("registry.caFile", "/proc/self/environ"), "registry.caFile"),
    ("driver in /dev", _set("gpuDriverFile", "/dev/zero.run"), "gpuDriverFile"),
    ("external kubeconfig is /etc/shadow",
     _all(_external([{"name": "node-a"}]), _set("externalKubeconfig", "/etc/shadow")), "externalKubeconfig"),
]


@pytest.mark.parametrize("case,mutate,key", RULES, ids=[c[0] for c in RULES])
def test_rule_names_its_key(host, case, mutate, key):
    problems = refused(host, mutate)
    assert key in [p.split(": ")[0] for p in problems], problems
    assert all("None" not in p for p in problems), problems


def test_the_reference_values_pass_every_rule(host):
    # The all-in-one's environment: if a rule rejects it, the rule is wrong.
    values = full(host)
    values["sriovIpam"]["exclusions"] = ["192.168.20.0-192.168.20.9", "192.168.20.51-192.168.20.255"]
    values.update(kubernetesVersion="v1.31.0", crioVersion="1.31", podSubnet="10.100.0.0/16",
                  kindNetworkSubnet="172.18.0.0/16", metallbAddresses="172.18.9.0-172.18.9.10")
    s = _load(values)
    assert s.sriov_ipam.exclusions[1] == ("192.168.20.51", "192.168.20.255")


VALID = [
    ("MetalLB pool right after the nodes' addresses", _set("metallbAddresses", "172.18.0.5-172.18.0.9")),
    ("registry host with a port", _set("registry.host", "harbor.example.com:8443")),
    ("registry host by name", _set("registry.host", "harbor.example.com")),
    ("registry project with dots and dashes", _set("registry.project", "open.kasugai-images")),
    ("controller image registry with a trailing slash", _set("controllerImageRegistry", "ghcr.io/openkasugai/controller/")),
    ("kube-rbac-proxy image by digest", _set("kubeRbacProxyImage", "quay.io/brancz/kube-rbac-proxy@sha256:" + "a" * 64)),
    ("image mirror a registry alone", _set("imageMirror", "localhost:5000")),
    ("image mirror a registry path", _set("imageMirror", "mirror.example.com/dockerhub")),
    ("a PF address outside the VF blocks", _set("workers.1.sriov.address", "192.168.20.200/24")),
    ("one SR-IOV worker with 0 VFs when no scenario uses SR-IOV",
     _all(_set("workers.1.sriov.vfs", 0), _set("scenarios", ["calcapp-basic"]))),
    ("null worker fields", _set("workers.1.gpu", None)),
    ("a null username means admin", _set("registry.username", None)),
    ("a null top-level key means its default", _set("clusterName", None)),
    ("a Kubernetes 1.30 pair", _all(_set("kubernetesVersion", "v1.30.4"), _set("crioVersion", "1.30"))),
]


@pytest.mark.parametrize("case,mutate", VALID, ids=[c[0] for c in VALID])
def test_values_the_rules_accept(host, case, mutate):
    values = copy.deepcopy(full(host))
    mutate(values)
    _load(values)

