"""Read-only host readiness report: tools, memory settings, SR-IOV PFs, GPU, registry, MetalLB range.

Standard library only: the GPU machine runs it with the system python3. With a stack's Settings
(`stack_checks`) it also checks what that stack needs from this host; the caller loads the
Settings (that part needs the project's venv)."""
from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import platform
import socket
from pathlib import Path

from facts.shared import HUGEPAGES_1G

from . import claims, doctor_build, gpu, probe
from .contract import HostContext
from .doctor_hugepages import REQUIRED_PAGES, hugepages_problem, pages_1g
from .errors import HostOpError
from .registry import OPERATIONS
from .runner import not_found

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
        network: str = "kind", settings=None, archive=None) -> list[dict]:
    """The host checks; with settings (a stack's settings.Settings) also that stack's.
    registry and metallb_range, when given, override the stack's values."""
    out = [_check("root", os.geteuid() == 0, f"euid {os.geteuid()}: host operations need root")]
    for tool, argv in TOOLS.items():
        if not runner.which(tool):  # the runner's root: PATH for "/", else only the root's own tools
            out.append(_check(f"tool:{tool}", False, not_found(tool, runner.root)))
            continue
        res = runner.run(argv, check=False)
        line = (res.stdout or res.stderr).strip().splitlines()
        out.append(_check(f"tool:{tool}", res.ok, line[0] if line else f"exit {res.rc}"))
    swaps = _read(Path(root) / "proc/swaps").splitlines()[1:]
    out.append(_check("swap", None if swaps else True, f"{len(swaps)} swap device(s) active"))
    huge = _read(Path(root) / HUGEPAGES_1G, "")
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
    out += doctor_build.checks(settings, runner, root, platform.release(), archive)  # versions, builder, kernel
    if settings is not None:
        return out + stack_checks(settings, runner, root, network, registry=registry, metallb_range=metallb_range)
    if registry:
        out.append(registry_check(registry))
    if metallb_range:
        out.append(_metallb(runner, metallb_range, network))
    return out


def _host_port(host: str, default: int = 443) -> tuple[str, int]:
    """'name', 'name:port', '[v6]:port' or a bare IPv6 address; ValueError for a bad port."""
    port = None
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None
    elif host.count(":") == 1:
        host, _, port = host.partition(":")
    if port is None:
        return host, default
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"port {port!r} is not a number from 1 to 65535")
    return host, int(port)


def registry_check(registry: str, default_port: int = 443, timeout: float = 3.0) -> dict:
    """A TCP connect to the registry: port 443 (HTTPS) unless the host names one."""
    try:
        host, port = _host_port(registry, default_port)
    except ValueError as err:
        return _check("registry", False, f"{registry} is invalid: {err}; give HOST or HOST:PORT")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return _check("registry", True, f"{host}:{port} reachable")
    except (OSError, ValueError) as err:
        return _check("registry", False, f"{registry} unreachable (TCP {default_port} unless a port is given): "
                                         f"{err}; check the address, the routes and the firewall")


def _subnets(runner, network: str) -> list | None:
    """The docker network's subnets, or None when it does not exist."""
    res = runner.run(["docker", "network", "inspect", "--", network], check=False)  # `--`: never an option
    if res.rc == 127:
        raise HostOpError(res.stderr)
    if not res.ok:
        return None
    config = (json.loads(res.stdout)[0].get("IPAM") or {}).get("Config") or []
    return [ipaddress.ip_network(c["Subnet"], strict=False) for c in config if c.get("Subnet")]


def stack_checks(settings, runner, root: str = "/", network: str = "kind", registry: str | None = None,
                 metallb_range: str | None = None) -> list[dict]:
    """What one stack's `pulumi up` needs from this host: its registry reachable, each host operation's
    check (its PFs present with enough VFs, a GPU when a worker has gpu: true, the hugepage pool; none
    held by another stack), the GPU's UUID, 16 1 GiB hugepages when fpgaAgents is on, and Kind's docker
    network (if it exists) with kindNetworkSubnet and the MetalLB range inside it."""
    # Local: without --stack, doctor runs on the standard library only (sources needs the venv's packages).
    from host.sources import provide

    s = settings
    out = [_check("stack", True, f"{s.stack}: profile {s.profile}, {len(s.workers)} worker(s), "
                                 f"claims in {s.host_claims_dir}")]
    _, problems, missing = provide(s, fetch=False, strict=False, progress=lambda _: None)
    out.append(_check("upstream", False if problems else None if missing else True,
                      "; ".join(problems + [f"{m.split(';')[0]} (`pulumi up` fetches it)" for m in missing])
                      or "controller checkout, add-on bundles and sources given or cached (verified)"))
    if registry:
        out.append(registry_check(registry))
    elif s.registry.embedded:
        out.append(_check("registry", True, f"embedded registry on localhost:{s.registry.local_port} "
                                            "(nothing to reach)"))
    else:
        out.append(registry_check(s.registry.host))
    out += operation_checks(s, runner, root)
    if s.gpu_worker is not None and s.uses_kind and probe.gpus(root):  # none: operation:gpu says so
        out.append(_gpu_uuid_check(s, root))
    problem = hugepages_problem(root, s.controller.fpga_agents) if s.hugepages_1g < REQUIRED_PAGES else None
    if problem:
        out.append(_check("hugepages-fpga", False, problem))
    elif s.controller.fpga_agents and s.hugepages_1g < REQUIRED_PAGES:
        out.append(_check("hugepages-fpga", True, f"{pages_1g(root)} 1 GiB hugepages; fpgaAgents needs "
                                                  f"{REQUIRED_PAGES}"))
    if not s.uses_kind:
        return out + [_check("kind-network", None, "externalKubeconfig is set: no Kind network to check")]
    rng = metallb_range or "-".join(s.metallb_addresses)
    try:
        subnets = _subnets(runner, network)
    except HostOpError as err:
        return out + [_check("kind-network", None, f"cannot inspect docker network {network!r}: {err}")]
    except (ValueError, KeyError, IndexError, TypeError) as err:
        return out + [_check("kind-network", False, f"`docker network inspect {network}`: unexpected output "
                                                    f"({err})")]
    if subnets is None:
        return out + [_check("kind-network", None, f"docker network {network!r} does not exist yet; `pulumi up` "
                                                   f"creates it with kindNetworkSubnet {s.kind_network_subnet}"),
                      _check("metallb-range", None, f"{rng}: no {network!r} network to check it against yet")]
    want = ipaddress.ip_network(s.kind_network_subnet, strict=False)
    have = ", ".join(map(str, subnets)) or "none"
    if want in subnets:
        out.append(_check("kind-network", True, f"{network} has kindNetworkSubnet {want}"))
    else:
        out.append(_check("kind-network", False, f"{network} has subnets {have}, not kindNetworkSubnet {want}; "
                                                 "set kindNetworkSubnet to one of them, or remove the network "
                                                 f"while no Kind cluster uses it (`docker network rm {network}`)"))
    out.append(_range_inside(rng, network, subnets))
    return out


def operation_checks(s, runner, root: str = "/") -> list[dict]:
    """Each registered host operation this stack needs, by its own check (nothing is changed): one line
    per spec, so each problem is reported once, with the stack key it comes from (the operation's
    keys). Every operation reads the claims file: a broken one is one line, and no operation is checked."""
    needed = [(op, dataclasses.replace(spec, root=root)) for op in OPERATIONS.values() for spec in op.specs(s)]
    try:
        if needed:
            claims.everything(s.host_claims_dir, root=root)
    except HostOpError as err:
        return [_check("claims", False, str(err))]
    out = []
    for op, spec in needed:
        ctx = HostContext(root, spec.claims_dir, runner)
        try:
            problems = op.check(spec, None, ctx)
        except HostOpError as err:
            problems = [("", str(err))]
        detail = "; ".join(f"{r} ({op.keys[f]} in the stack config)" if op.keys.get(f) and op.keys[f] not in r
                           else r for f, r in problems)
        wanted = ", ".join(f"{k} {v}" for k, v in dataclasses.asdict(spec).items()
                           if k not in ("stack", "claims_dir", "root") and v is not None)
        if not problems and op.describe:
            detail = op.describe(spec, ctx)
        label = ":".join(filter(None, ("operation", op.name, op.spec_id(spec))))
        out.append(_check(label, not problems, detail or f"{wanted}: `pulumi up` can apply it"))
    return out


def _gpu_uuid_check(s, root: str) -> dict:
    """The GPU worker's UUID, which no operation checks: the controller needs it (CUDA_VISIBLE_DEVICES).
    The GPU itself (present, not held) is operation:gpu's."""
    found = probe.gpus(root)
    where = f"{s.gpu_worker.node}: {found[0]['model']} at {found[0]['pci']}"
    uuid = s.host_gpu_uuid or found[0]["uuid"]
    if not uuid:  # `pulumi up` stops without it
        return _check("gpu-worker", None, f"{where}, UUID unknown: no NVIDIA driver is loaded; load it or "
                                          "set hostGpuUuid (`nvidia-smi -L` prints it)")
    return _check("gpu-worker", True, f"{where}, {uuid}")


def _range_inside(rng: str, network: str, subnets: list) -> dict:
    try:
        first, _, last = rng.partition("-")
        ends = [ipaddress.ip_address(first.strip()), ipaddress.ip_address((last or first).strip())]
    except ValueError as err:
        return _check("metallb-range", False, f"{rng}: {err}")
    inside = any(all(a in n for a in ends) for n in subnets if n.version == ends[0].version)
    return _check("metallb-range", inside, f"{rng} {'inside' if inside else 'outside'} {network} "
                                           f"({', '.join(map(str, subnets)) or 'no subnets'})")


def _metallb(runner, rng: str, network: str) -> dict:
    try:
        subnets = _subnets(runner, network)
    except HostOpError as err:
        return _check("metallb-range", None, f"cannot inspect docker network {network!r}: {err}")
    if subnets is None:
        return _check("metallb-range", None, f"docker network {network!r} not found (cluster not up yet)")
    return _range_inside(rng, network, subnets)


def summary(checks: list[dict]) -> dict:
    return {"ok": all(c["ok"] is not False for c in checks), "facts": probe.host_facts().__dict__,
            "checks": checks}
