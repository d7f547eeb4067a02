"""The host probe: what this host has, read from /proc and /sys under a root on the standard library only
(CPU model and sockets, the NVIDIA GPUs with model, PCI address and UUID, the default-route interfaces)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import gpu_identity

NVIDIA_VENDOR = "0x10de"
# PCI device id -> model, for hosts whose driver is unloaded (no /proc/driver/nvidia).
GPU_MODELS = {
    "0x2330": "NVIDIA H100 SXM5", "0x2331": "NVIDIA H100 PCIe", "0x2339": "NVIDIA H100",
    "0x2321": "NVIDIA H100 NVL", "0x2335": "NVIDIA H200", "0x233b": "NVIDIA H200 NVL",
    "0x20b0": "NVIDIA A100 SXM4", "0x20b2": "NVIDIA A100 SXM4 80GB", "0x20b5": "NVIDIA A100 PCIe 80GB",
    "0x20f1": "NVIDIA A100 PCIe", "0x20b7": "NVIDIA A30", "0x2236": "NVIDIA A10",
    "0x25b6": "NVIDIA A16", "0x1eb8": "NVIDIA T4", "0x1db4": "NVIDIA V100 PCIe",
    "0x1db5": "NVIDIA V100 SXM2", "0x27b8": "NVIDIA L4", "0x26b5": "NVIDIA L40", "0x26b9": "NVIDIA L40S",
}


@dataclass(frozen=True)
class HostFacts:
    cpu_model: str
    cpu_sockets: int
    gpu_model: str | None
    gpu_pci: str | None
    gpu_uuid: str | None = None  # GPU-...; None while no NVIDIA driver (host's or worker's) is loaded


def _read(p: Path) -> str:
    try:
        return p.read_text().strip()
    except OSError:
        return ""


def gpus(root: str = "/", claims_dir: str | None = None, stack: str | None = None) -> list[dict]:
    """NVIDIA display/3D controllers (class 0x03xxxx; the same card's audio function is skipped).
    With claims_dir and stack, a GPU whose driver this stack unloaded has the identity it recorded."""
    base, out = Path(root) / "sys/bus/pci/devices", []
    for dev in sorted(base.glob("*")) if base.exists() else []:
        if _read(dev / "vendor") != NVIDIA_VENDOR or not _read(dev / "class").startswith("0x03"):
            continue
        device = _read(dev / "device")
        driver = dev / "driver"
        ident = gpu_identity.identity(dev.name, root, claims_dir, stack)
        out.append({"pci": dev.name, "device_id": device, "uuid": ident["uuid"],
                    "model": ident["model"] or GPU_MODELS.get(device, f"NVIDIA GPU {device}"),
                    "driver": driver.resolve().name if driver.exists() else None})
    return out


def host_facts(root: str = "/", claims_dir: str | None = None, stack: str | None = None) -> HostFacts:
    """The facts of the host at `root`; claims_dir and stack: see gpus()."""
    cpuinfo = _read(Path(root) / "proc/cpuinfo").splitlines()
    models = [l.split(":", 1)[1].strip() for l in cpuinfo if l.startswith("model name")]
    sockets = {l.split(":", 1)[1].strip() for l in cpuinfo if l.startswith("physical id")}
    found = gpus(root, claims_dir, stack)
    return HostFacts(cpu_model=models[0] if models else "unknown", cpu_sockets=max(1, len(sockets)),
                     gpu_model=found[0]["model"] if found else None,
                     gpu_pci=found[0]["pci"] if found else None, gpu_uuid=found[0]["uuid"] if found else None)


def default_route_ifaces(root: str = "/") -> set[str]:
    """Interfaces that carry an IPv4 or IPv6 default route, read from root/proc/net (no netlink): the
    view of a tree given by doctor --root, which the host's netlink cannot see."""
    out = set()
    for line in _read(Path(root) / "proc/net/route").splitlines()[1:]:
        f = line.split()
        if len(f) >= 8 and f[1] == "00000000" and f[7] == "00000000":
            out.add(f[0])
    for line in _read(Path(root) / "proc/net/ipv6_route").splitlines():
        f = line.split()
        if len(f) >= 10 and f[0] == "0" * 32 and f[1] == "00" and f[9] != "lo":
            out.add(f[9])
    return out
