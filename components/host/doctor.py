"""Read-only host readiness report: tools, memory settings, SR-IOV PFs, GPU, registry, MetalLB range."""
from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
from pathlib import Path

from . import facts, gpu

TOOLS = {"docker": ["docker", "--version"], "kind": ["kind", "version"],
         "kubectl": ["kubectl", "version", "--client"], "pulumi": ["pulumi", "version"]}


def _check(name: str, ok: bool | None, detail: str) -> dict:
    # ok None means "not applicable / warning": reported, never fatal.
    return {"check": name, "ok": ok, "detail": detail}


def _read(p: Path, default: str = "") -> str:
    try:
        return p.read_text().strip()
    except OSError:
        return default


def sriov_pfs(root: str = "/") -> list[dict]:
    base = Path(root) / "sys/class/net"
    return [{"pf": d.name, "totalvfs": int(_read(d / "device/sriov_totalvfs", "0") or 0),
             "numvfs": int(_read(d / "device/sriov_numvfs", "0") or 0)}
            for d in sorted(base.iterdir()) if (d / "device/sriov_totalvfs").exists()] if base.exists() else []


def run(runner, root: str = "/", registry: str | None = None, metallb_range: str | None = None,
        network: str = "kind") -> list[dict]:
    out = [_check("root", os.geteuid() == 0, f"euid {os.geteuid()}: host operations need root")]
    for tool, argv in TOOLS.items():
        if not shutil.which(tool):
            out.append(_check(f"tool:{tool}", False, f"{tool} not on PATH"))
            continue
        res = runner.run(argv, check=False)
        line = (res.stdout or res.stderr).strip().splitlines()
        out.append(_check(f"tool:{tool}", res.ok, line[0] if line else f"exit {res.rc}"))
    swaps = _read(Path(root) / "proc/swaps").splitlines()[1:]
    out.append(_check("swap", None if swaps else True, f"{len(swaps)} swap device(s) active"))
    huge = _read(Path(root) / "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "")
    out.append(_check("hugepages-1G", None if huge in ("", "0") else True,
                      f"{huge or 'unsupported'} 1 GiB hugepages"))
    pfs = sriov_pfs(root)
    out.append(_check("sriov", None if not pfs else True,
                      ", ".join(f"{p['pf']} {p['numvfs']}/{p['totalvfs']} VFs" for p in pfs) or "no SR-IOV PF"))
    st = gpu.status(root)
    desc = ", ".join(f"{g['model']} at {g['pci']} (driver {g['driver']})" for g in st["gpus"]) or "no NVIDIA GPU"
    out.append(_check("gpu", None if not st["gpus"] else True, desc))
    out.append(_check("gpu-holders", None if st["holders"] else True,
                      "; ".join(st["holders"]) or "nothing holds the GPU"))
    if registry:
        host, _, port = registry.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=3).close()
            out.append(_check("registry", True, f"{registry} reachable"))
        except (OSError, ValueError) as err:
            out.append(_check("registry", False, f"{registry} unreachable: {err}"))
    if metallb_range:
        out.append(_metallb(runner, metallb_range, network))
    return out


def _metallb(runner, rng: str, network: str) -> dict:
    res = runner.run(["docker", "network", "inspect", network], check=False)
    if not res.ok:
        return _check("metallb-range", None, f"docker network {network!r} not found (cluster not up yet)")
    subnets = [ipaddress.ip_network(c["Subnet"]) for c in json.loads(res.stdout)[0]["IPAM"]["Config"]
               if "Subnet" in c]
    first, _, last = rng.partition("-")
    ends = [ipaddress.ip_address(first.strip()), ipaddress.ip_address((last or first).strip())]
    inside = any(all(a in n for a in ends) for n in subnets if n.version == ends[0].version)
    return _check("metallb-range", inside, f"{rng} {'inside' if inside else 'outside'} {network} "
                                           f"({', '.join(map(str, subnets))})")


def summary(checks: list[dict]) -> dict:
    return {"ok": all(c["ok"] is not False for c in checks), "facts": facts.host_facts().__dict__,
            "checks": checks}
