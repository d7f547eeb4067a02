"""Facts the whole program shares, each written once: paths, names, pools, claim keys, context names.

The bottom layer: imports nothing of the project (docs/design.md "Layers").
"""
from __future__ import annotations

import re
from pathlib import Path

# The project's root: Pulumi.yaml, the stack files and __main__.py live here.
PROJECT_DIR = Path(__file__).resolve().parents[1]

# Inside every Kind node: the kubeconfig the controller's agents read (their DaemonSets mount it by this
# path; the KindCluster writes it into each worker). See docs/facts.md §0/§4 (node paths).
NODE_KUBECONFIG = "/etc/k8s_node/config"

# Inside the node that runs send-video-tool: where the Kind config mounts videoDir, and where the
# all-in-one's send-video-tool manifest expects the videos. See docs/facts.md §4 (node paths).
VIDEO_NODE_PATH = "/root/work/DATA/video"

# The SR-IOV device plugin's resource for the VFs and the nv-ipam pool they take addresses from; the
# scenarios' NetworkAttachmentDefinitions name both. See docs/facts.md §6 (shared names).
SRIOV_RESOURCE = "nvidia.com/mlnx_sriov_netdevice"
NV_IPAM_POOL = "nv-pool1"

# Where stacks record which host devices they hold (hostClaimsDir's default, the host CLI's --claims-dir).
CLAIMS_DIR = "/var/lib/openkasugai-aio"

# A network interface name as the kernel takes it (dev_valid_name): at most IFNAMSIZ-1 (15) bytes, none of
# '/', ':' or white space; here printable ASCII, so that 15 characters are 15 bytes and no look-alike
# letter names another link: '!' to '.', '0' to '9', ';' to '~'. Settings check workers[].sriov.pf and the
# host CLI --pf against it; match it whole (re.fullmatch), never with ^...$ (which lets "x\n" through).
IFNAME_PATTERN = r"[!-.0-9;-~]{1,15}"

# A kernel module's name as /proc/modules lists it (MODULE_NAME_LEN is 56 with the NUL); a name read from a
# record is checked against it before it reaches rmmod/modprobe, so it can never be an option.
KERNEL_MODULE_PATTERN = r"[A-Za-z0-9_]{1,55}"

# A PCI device address as sysfs names it (domain:bus:device.function), e.g. 0000:17:00.0 (VMD domains
# have more than four digits).
PCI_ADDRESS_PATTERN = r"[0-9a-f]{4,8}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]"

# A link-layer address as netlink reports it (IFLA_ADDRESS, IFLA_PERM_ADDRESS): hex pairs (6 for Ethernet,
# 20 for InfiniBand).
MAC_PATTERN = r"[0-9a-f]{2}(?::[0-9a-f]{2}){5,19}"

# A container (and Docker network) name as Docker accepts it.
CONTAINER_NAME_PATTERN = r"[a-zA-Z0-9][a-zA-Z0-9_.-]*"

# A GPU's UUID as the NVIDIA driver (/proc/driver/nvidia/gpus/*/information) and `nvidia-smi -L` print
# it; settings match hostGpuUuid against it whole, the host's GPU identity matches the driver's field with it.
GPU_UUID_PATTERN = r"GPU-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"

# Networks a Kind stack's own networks must not overlap (settings refuse it): the Service range Kind gives
# a cluster whose config sets none (kind pkg/apis/config/v1alpha4/default.go: 10.96.0.0/16, not kubeadm's
# /12), and the subnet Docker gives its default bridge docker0 unless the daemon's `bip` says otherwise.
KIND_SERVICE_SUBNET = "10.96.0.0/16"
DOCKER_BRIDGE_SUBNET = "172.17.0.0/16"

# An NVIDIA GPU's model number (A100, T4, H100, L40S): one word of its model name (`nvidia-smi -L`). The
# sample devicetypemap maps "NVIDIA A100 80GB PCIe" to the regionType a100 and "Tesla T4" to t4; for a model
# it lacks, the ConfigMaps renderer makes the regionType from this number (docs/facts.md §3.2), and settings
# refuse a GPU model without one rather than invent a type no function knows.
GPU_MODEL_NUMBER_PATTERN = r"[A-Z]{1,2}[0-9]{1,4}[A-Z]?"


def gpu_model_number(model: str) -> str | None:
    """The model number in a GPU model name, lower-cased (the regionType), or None."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in model).split()
    return next((w.lower() for w in words if re.fullmatch(GPU_MODEL_NUMBER_PATTERN, w, re.ASCII)), None)


# The host's pool of 1 GiB hugepages, relative to the filesystem root (tests pass a fake root).
HUGEPAGES_1G_POOL = "sys/kernel/mm/hugepages/hugepages-1048576kB"
HUGEPAGES_1G = f"{HUGEPAGES_1G_POOL}/nr_hugepages"
# The PCIeConnection agent (crc-pcieconnection-daemon) requests and limits hugepages-1Gi: 16Gi.
FPGA_HUGEPAGES_1G = 16


def gpu_claim_key(pci: str) -> str:
    """The claim a stack holds on the host GPU at PCI address `pci`."""
    return f"gpu:{pci}"


def pf_claim_key(pf: str) -> str:
    """The claim a stack holds on the SR-IOV physical function `pf` (and its VFs)."""
    return f"pf:{pf}"


def footprint_claim_key(stack: str) -> str:
    """The claim a stack holds on its host-wide names (Kind cluster, registry port, MetalLB range, subnet)."""
    return f"footprint:{stack}"


def kind_context(cluster_name: str) -> str:
    """The kubectl context `kind create cluster` writes for a cluster."""
    return f"kind-{cluster_name}"
