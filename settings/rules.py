"""Rules across keys, checked once every key has been read on its own. A rule whose keys already
have a problem stays quiet: one root cause, one line."""
from __future__ import annotations

from typing import Optional

from facts.shared import gpu_model_number
from scenarios.catalog import CATALOG

from . import addresses, refs
from .decode import NUMBER_HINT, Problems
from .parsed import Parsed
from .schema import FPGA_HUGEPAGES_1G
from .text import groups, non_ascii, number, pattern, show

# The rules across keys, keys -> statement: docs/configuration.md "Rules across keys" is generated from them
# (settings/generate.py); tests/unit/test_docs.py checks that each key named here has a table test.
STATED: dict[str, str] = {
    "podSubnet kindNetworkSubnet sriovIpam.subnet":
        "`podSubnet`, `kindNetworkSubnet` and `sriovIpam.subnet` are IPv4 networks in CIDR form that overlap "
        "neither each other, nor Kind's service range `10.96.0.0/16` (Kind's default, which kube-proxy routes "
        "to Services; kubeadm's own default would be `10.96.0.0/12`), nor `172.17.0.0/16`, the subnet Docker "
        "gives its default bridge docker0 (Kind profiles).",
    "metallbAddresses":
        "`metallbAddresses` is FIRST-LAST inside `kindNetworkSubnet`, short of its broadcast address, and "
        "starts after the addresses Docker hands out first from the start of the network: the network "
        "address, the gateway (.1) and one address per container of this stack on the `kind` network "
        "(the control plane, each worker, and the embedded registry when `registry` is unset). The reference "
        "stack's 3 nodes take .2-.4, so the pool may start at .5; other Kind clusters on the same network take "
        "the next addresses: leave them room.",
    "registry.host":
        "`registry.host` is `host[:port]` (a DNS name or an IPv4 address, a port from 1 to 65535, no scheme, "
        "no path, no user-info: `user:password@` is refused without echoing it; the user goes in "
        "`registry.username`, the password in the `registryPassword` secret). The nodes must reach it: not "
        "`localhost`, not an unspecified, loopback (`127.0.0.0/8`), multicast or reserved address, and a name "
        "whose last label is all digits is a valid IPv4 address (`999.999.999.999` is refused). Given as an "
        "IPv4 address it lies outside `podSubnet`, `kindNetworkSubnet`, Kind's service range, "
        "`sriovIpam.subnet` and the MetalLB pool.",
    "registry.project registry.username":
        "`registry.project` is one Harbor project name (lower-case letters and digits joined by `.`, `_` or "
        "`-`: no `/`, no tag); `registry.username`, when given, is not empty.",
    "controllerImageRegistry kubeRbacProxyImage imageMirror":
        "`controllerImageRegistry` and `imageMirror` are registry paths in the OCI reference grammar "
        "(lower-case path components, no tag, no digest; `imageMirror` may be a registry alone, like "
        "`localhost:5000`); `kubeRbacProxyImage` is a complete image reference (`name[:tag][@digest]`).",
    "kubernetesVersion kubernetesBuild crioVersion":
        "`kubernetesVersion` is `vMAJOR.MINOR.PATCH`; `kubernetesBuild` is `release` or `source`; "
        "`crioVersion` is `MAJOR.MINOR` and equals the "
        "Kubernetes minor. A text key given as a YAML number is refused: `crioVersion: 1.30` reads as 1.3, "
        "so quote it (`\"1.30\"`). With `kubernetesBuild: source` a Kind profile compiles the node image "
        "from a Kubernetes checkout: without `kubernetesSource`, only a `kubernetesVersion` whose commit is "
        "pinned can be fetched "
        "(v1.31.0); another is refused by `pulumi up` and the preview's `--strict`, and a warning offline.",
    "sriovIpam.gateway sriovIpam.exclusions":
        "`sriovIpam.gateway` is required (the IPPool names it) and lies inside `sriovIpam.subnet`, neither its "
        "network nor its broadcast address; each of `sriovIpam.exclusions` is a FIRST-LAST range inside the "
        "subnet.",
    "sriovIpam.perNodeBlockSize sriovIpam.exclusions":
        "nv-ipam gives every worker (its pool selects all nodes but the control plane) a block of "
        "`perNodeBlockSize` addresses from the start of the subnet, in an order of its own: the blocks of "
        "all workers fit in the subnet's host addresses, and every block keeps, after the exclusions and the "
        "gateway, at least as many addresses as the largest `vfs`.",
    "workers[0].sriov.address workers[1].sriov.address":
        "Each `workers[].sriov.address` is unique, inside `sriovIpam.subnet`, not its gateway, network or "
        "broadcast address, and excluded (`sriovIpam.exclusions`) when it lies in the workers' blocks, "
        "or nv-ipam could hand it to a VF.",
    "workers[0].sriov.vfs workers[1].sriov.vfs workers[1].sriov":
        "`workers[].sriov` needs `pf`, `vfs` and `address` (a missing `vfs` is an error, not 0). When a "
        "selected scenario uses SR-IOV, every worker with `sriov` has at least 1 VF and, with "
        "`multiWorker`, `workers[0]` and `workers[1]` both have `sriov`.",
    "registry functionImages functionImages.cpufunc_calcap functionImages.cpufunc_calcapp":
        "`functionImages` maps function image names (`cpufunc_calcapp`, `cpufunc_sidecar`, `cpufunc_gst`, "
        "`send_video_tool`, `gpufunc_dsa`) to complete image references and holds every one the selected "
        "scenarios run (`gpufunc_dsa` only with a GPU scenario). Set, the stack builds no function image and "
        "manages no registry, so `registry` is not set with it; an external cluster then needs no `registry` "
        "either.",
    "workers[0].name workers[1].name":
        "With `externalKubeconfig`, every worker has a `name` (its node name in that cluster), each name "
        "once; with Kind, no worker has one (Kind names the nodes).",
    "scenarios":
        "A selected scenario that runs a GPU function asks for the region type of the GPU's model: on Kind "
        "that is `hostGpuModel`, else the model this host's NVIDIA GPU reports; with `externalKubeconfig` and a "
        "gpu worker, `hostGpuModel` (and `hostGpuUuid`) is required.",
    "managementAddress":
        "`managementAddress` is this host's IPv4 address on the management network: not unspecified, "
        "loopback, multicast or reserved, and not one of the `workers[].sriov.address` (that PF is taken "
        "into a node, the management address stays on the host).",
    "hostCpuModel hostGpuModel":
        "`hostCpuModel` and `hostGpuModel` are printable ASCII, as the host prints them. The GPU model "
        "(`hostGpuModel`, else, for a GPU scenario, the model this host's GPU reports) holds an NVIDIA model "
        "number (`A100`, `T4`, `H100`, `L40S`): in lower case it is the GPU's regionType, which a made-up "
        "model would not match.",
    "workers hugepages1Gi":
        "`workers` lists 1 to 16 workers (each a Kind node: a container on this one host). With `fpgaAgents` "
        "on a Kind profile, `hugepages1Gi` is unset (16) or at least 16: the PCIeConnection agent requests "
        "16 GiB of 1 GiB pages. A pool reserved at boot is kept (the reservation only raises the count, and "
        "destroy restores it); a second stack on a host whose pool another stack holds sets "
        "`hugepages1Gi: 0` and `fpgaAgents: false`, since one pool cannot serve two clusters' agents.",
    "videoDir hostClaimsDir registry.caFile externalKubeconfig gpuDriverFile":
        "Each path key (`videoDir`, `registry.caFile`, `externalKubeconfig`, `gpuDriverFile`, `hostClaimsDir`, "
        "`sourceCache`, `controllerCheckout`, `kindSource`, `kubernetesSource`, `addonManifests`, and `hostRoot` "
        "unless it is `/`) is judged "
        "where it resolves to (relative to the project folder, symbolic links followed): never `/`, a system "
        "folder (`/etc`, `/usr`, `/var`, `/var/lib`, `/root`, `/home`...), a home folder or a folder that holds "
        "a guarded one, and never inside `/dev`, `/proc`, `/sys`, `/boot`, `/var/lib/docker`, the Pulumi "
        "folder (`$PULUMI_HOME`, else `~/.pulumi`), `~/.ssh` or `~/.gnupg` (this user's or root's). The "
        "folder keys, which are mounted into the nodes, written to or sent to a container build, are not "
        "inside `/etc`, `/run`, `~/.kube`, `~/.docker` or `~/.config` either. `hostClaimsDir` is an absolute "
        "path, never empty. The files are of their kind: `registry.caFile` holds PEM X.509 certificates and "
        "nothing else (no private key: it is mounted into every node), `externalKubeconfig` is a kubeconfig "
        "whose `current-context` names one of its contexts, `gpuDriverFile` is NVIDIA's makeself installer "
        "(a `#!/bin/sh` stub with `label=\"NVIDIA ...\"` and `nvidia-installer` in its first 16 KiB).",
    "clusterName workers[0].sriov.pf localRegistryPort":
        "Every text value is at most its key's length (the `limit` column above, and Objects) "
        "and holds no control or invisible character (a newline, U+200B). Every pattern is matched whole, with "
        "ASCII classes only: `ens9f0np0` followed by a newline, `v１.３１.０` or a port `8０８０` are refused. "
        "A number has ASCII digits and no leading zero (`v1.031.0`, port `08443`). In a stack file an integer "
        "is plain decimal (`010`, `0x1F`, `1_000` and `1:30` are refused as text, never read as 8, 31, 1000 "
        "or 90) and a boolean is `true` or `false` (`yes`, `no`, `on`, `off` are text, as `pulumi` reads "
        "them). An error shows at most 100 characters of a value, and never the user-info of a host.",
    "workers[0].sriov.pf workers[1]":
        "A null (`key:` with nothing after it, or `~`) is the same as leaving the key out: the default "
        "applies, and a required field is reported missing. It never becomes the text `None`.",
}

K8S_VERSION = pattern(r"v([0-9]+)\.([0-9]+)\.([0-9]+)")
CRIO_VERSION = pattern(r"([0-9]+)\.([0-9]+)")
KUBERNETES_BUILDS = ("release", "source")


def check(s: Parsed, p: Problems) -> None:
    versions(s.values, p)
    images(s.values, p)
    models(s.values, p)
    addresses.check(s, p)
    hugepages(s, p)


def _version(compiled, value: str) -> Optional[tuple[int, ...]]:
    """The numbers of a version matched whole; None when it does not match or a number has a leading zero."""
    parts = groups(compiled, value)
    numbers = tuple(number(part, digits=4) for part in parts or ())
    return numbers if parts and None not in numbers else None


def versions(v: dict, p: Problems) -> None:
    k8s = _version(K8S_VERSION, v["kubernetesVersion"] or "")
    if v["kubernetesVersion"] is not None and not k8s:
        p.add("kubernetesVersion", f"{show(v['kubernetesVersion'])} is not a version like v1.31.0 "
              "(ASCII digits, no leading zero)")
    if v["kubernetesBuild"] not in (None, *KUBERNETES_BUILDS):
        p.add("kubernetesBuild", f"{show(v['kubernetesBuild'])} is not one of {', '.join(KUBERNETES_BUILDS)}")
    crio = v["crioVersion"]
    if crio is None:
        return
    minor = _version(CRIO_VERSION, crio)
    if not minor:
        p.add("crioVersion", f"{show(crio)} is not a minor version like 1.31 (MAJOR.MINOR, no 'v', no patch, "
              "no leading zero)")
    elif k8s and minor != k8s[:2]:
        want = f"{k8s[0]}.{k8s[1]}"
        hint = f"; {NUMBER_HINT}" if f"{crio}0" == want else ""
        p.add("crioVersion", f"{crio} does not match kubernetesVersion {v['kubernetesVersion']}: CRI-O "
              f"publishes one minor per Kubernetes minor; set {want}{hint}")


def hugepages(s: Parsed, p: Problems) -> None:
    """The FPGA agents request FPGA_HUGEPAGES_1G pages on a node; a Kind stack that reserves fewer (0 leaves
    the pool as it is) would leave them Pending. A pool reserved at boot is kept by a reservation of 16: it only
    raises the count, and destroy restores it. Two clusters cannot both run the agents on one pool."""
    pages, fpga = s.values["hugepages1Gi"], s.values["fpgaAgents"]
    if fpga and pages is not None and pages < FPGA_HUGEPAGES_1G and not s.external and not p.failed("hugepages1Gi"):
        p.add("hugepages1Gi", f"{pages} reserves fewer than the {FPGA_HUGEPAGES_1G} 1 GiB pages the FPGA agents "
              f"request (fpgaAgents: true), so their pods would stay Pending; leave hugepages1Gi unset or set at "
              f"least {FPGA_HUGEPAGES_1G} (a pool reserved at boot is kept), or set fpgaAgents: false (as a second "
              "stack must whose host's pool another stack holds)")


def images(v: dict, p: Problems) -> None:
    if v["controllerImageRegistry"] is not None:
        refs.repository_path("controllerImageRegistry", v["controllerImageRegistry"].rstrip("/"), p)
    if v["kubeRbacProxyImage"] is not None:
        refs.image_reference("kubeRbacProxyImage", v["kubeRbacProxyImage"], p)
    if v["imageMirror"]:
        refs.repository_path("imageMirror", v["imageMirror"].rstrip("/"), p, allow_bare_domain=True)


def models(v: dict, p: Problems) -> None:
    """hostCpuModel and hostGpuModel name devices in the controller's tables as the host reports them:
    printable ASCII; a GPU model has a model number, which becomes its regionType."""
    for key in ("hostCpuModel", "hostGpuModel"):
        odd = non_ascii(v[key] or "")
        if odd:
            p.add(key, f"{show(v[key])} holds {odd}; give the model as the host prints it (printable ASCII)")
    model = v["hostGpuModel"]
    if model and not p.failed("hostGpuModel") and not gpu_model_number(model):
        p.add("hostGpuModel", f"{show(model)} has no NVIDIA model number (like A100, T4, H100, L40S) to make "
              f"the GPU's regionType from; {_AS_PRINTED}")


_AS_PRINTED = "give the model as `nvidia-smi -L` prints it on the GPU host, like NVIDIA A100 80GB PCIe"


def gpu_model(s: Parsed, scenarios: tuple[str, ...], host_gpu_model: Optional[str], p: Problems) -> None:
    """A GPU function's FunctionInfo asks for the region type made from the GPU's model: on Kind,
    hostGpuModel or what this host's GPU reports (an external cluster's is required with its gpu worker).
    host_gpu_model None: the caller did not look at this host."""
    uses = [n for n in scenarios if n in CATALOG and CATALOG[n].gpu]
    model = s.values["hostGpuModel"]
    if not uses or s.external or host_gpu_model is None or model or model is None:
        return
    if p.failed("scenarios", "workers"):
        return
    if not host_gpu_model:
        p.add("scenarios", f"{uses[0]} runs a GPU function but the GPU model is unknown: no NVIDIA GPU on this "
              "host reports it; set hostGpuModel to the model `nvidia-smi -L` prints on the GPU host, "
              f"or drop {', '.join(uses)}")
    elif not gpu_model_number(host_gpu_model):
        p.add("hostGpuModel", f"this host's GPU reports the model {show(host_gpu_model)}, which has no NVIDIA "
              f"model number to make {uses[0]}'s regionType from; set hostGpuModel: {_AS_PRINTED}")


def scenario_vfs(s: Parsed, scenarios: tuple[str, ...], multi: bool, p: Problems) -> None:
    """An SR-IOV scenario gets a VF on the workers it uses: each worker with sriov (the scheduler picks
    among them), and with multiWorker both workers the split uses."""
    uses = [n for n in scenarios if n in CATALOG and CATALOG[n].sriov]
    if not uses or p.failed("workers"):
        return
    for i, w in enumerate(s.workers):
        if w.sriov and w.sriov.vfs < 1:
            p.add(f"workers[{i}].sriov.vfs", f"0 VFs, but {uses[0]} runs SR-IOV functions on the SR-IOV "
                  "workers; give it at least 1")
    if multi:
        for i, w in enumerate(s.workers[:2]):
            if not w.sriov:
                p.add(f"workers[{i}].sriov", f"multiWorker puts {uses[0]}'s functions on workers[0] and "
                      "workers[1]; each needs an SR-IOV PF with VFs")
