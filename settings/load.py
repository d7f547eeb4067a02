"""Load, default and validate a stack's config; every problem is reported at once, before anything
changes. Two steps: validation (each key on its own in sections.py, the rules across keys in rules.py,
then what the profile needs, here) touches no filesystem and returns what it parsed; the preflight step
(preflight.py) then looks for the files and folders it names and resolves every path."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping, Optional

from facts.function_catalog import deployed_function_images
from facts.shared import GPU_UUID_PATTERN
from scenarios.catalog import CATALOG

from . import network as net
from . import rules, sections
from .checked import Checked
from .decode import Problems, bounded, decode, foreign_namespace, suggest, what
from .errors import SettingsError
from .ignored import report_ignored
from .model import ControllerSettings, Settings
from .parsed import Parsed
from .paths import claims_dir_shape
from .preflight import Found, preflight
from .schema import FPGA_HUGEPAGES_1G, KEYS, MAX_SCENARIOS, PROJECT
from .selection import validate_selection
from .text import non_ascii, pattern, show, whole

CONTROLLER_VERSIONS = ("v1.1.0", "v1.0.0")
GPU_UUID = pattern(GPU_UUID_PATTERN)

__all__ = ["load", "validate", "SettingsError", "CONTROLLER_VERSIONS"]


def load(raw: Mapping[str, Any], *, stack: str, base_dir: Path, secret_keys=(),
         host_files: bool = True, warnings: Optional[list] = None,
         host_gpu_uuid: Optional[str] = None, host_gpu_model: Optional[str] = None) -> Settings:
    """Build Settings from `raw` ({'openkasugai-aio:key': value}); raise SettingsError listing all problems.

    With host_files=False, files that only the kind-host has (driver, CA, sources) are not required;
    what is missing is appended to `warnings` instead, so the config can be reviewed anywhere. Keys that
    the stack's profile does not use are reported in `warnings` too.
    host_gpu_uuid, host_gpu_model: the UUID and model this host's NVIDIA GPU reports ("" when none), which
    hostGpuUuid and hostGpuModel override; None when the caller did not look (then neither is required).
    """
    p = Problems()
    warnings = warnings if warnings is not None else []
    checked = validate(raw, p, secret_keys=secret_keys, host_gpu_uuid=host_gpu_uuid, host_gpu_model=host_gpu_model)
    found = preflight(checked, p, Path(base_dir), host_files, warnings)
    if p:
        raise SettingsError(p.lines())
    report_ignored(checked.values, checked.parsed, warnings)
    return _settings(stack, checked, found)


def validate(raw: Mapping[str, Any], p: Problems, *, secret_keys=(), host_gpu_uuid: Optional[str] = None,
             host_gpu_model: Optional[str] = None) -> Checked:
    """The validation step: decode, default, each key, the rules across keys, what the profile needs.
    Pure: it reads no file and resolves no path (preflight does); problems are added to `p`."""
    v = _values(raw, p)
    external = bool(v["externalKubeconfig"])
    if v["registryPassword"] is not None and f"{PROJECT}:registryPassword" not in secret_keys:
        p.add("registryPassword", "must be a secret; set it with "
              "`pulumi config set --secret registryPassword <password>`")
    cluster = sections.cluster_name(v["clusterName"], p)
    pod = net.network("podSubnet", v["podSubnet"], p) if v["podSubnet"] is not None else None
    kindnet = net.network("kindNetworkSubnet", v["kindNetworkSubnet"], p) if v["kindNetworkSubnet"] is not None else None
    ipam = sections.ipam(v["sriovIpam"], p)
    workers = sections.workers(v["workers"], cluster, external, p)
    pages, least, most = v["hugepages1Gi"], KEYS["hugepages1Gi"].minimum, KEYS["hugepages1Gi"].maximum
    if pages is not None and not least <= pages <= most:
        p.add("hugepages1Gi", f"{pages} is not a count of 1 GiB pages from {least} to {most}; "
              "0 leaves the host's pool alone")
    if v["managementAddress"]:
        net.address("managementAddress", v["managementAddress"], p)
    claims = claims_dir_shape(v["hostClaimsDir"])
    if claims:
        p.add("hostClaimsDir", claims)
    if v["hostRoot"] and (not v["hostRoot"].startswith("/") or non_ascii(v["hostRoot"])):
        p.add("hostRoot", f"{show(v['hostRoot'])} is not an absolute path in printable ASCII; leave it unset "
              "('/') on a real host")
    metallb = net.address_range("metallbAddresses", v["metallbAddresses"], p) if v["metallbAddresses"] is not None else None
    registry = sections.registry(v["registry"], v["registryPassword"], v["localRegistryPort"], p)
    prebuilt = sections.prebuilt_images(v["functionImages"], p)
    parsed = Parsed(values=v, external=external, workers=workers, pod=pod, kindnet=kindnet, ipam=ipam,
                          registry=registry, metallb=metallb)
    rules.check(parsed, p)
    on_host: list[tuple[str, str]] = []
    driver = _profile(v, parsed, p, on_host)
    gpu_uuid = _gpu_uuid(v, parsed, host_gpu_uuid, p, on_host)
    controller = _controller(v, p)
    scenarios = _scenarios(v, workers, p)
    rules.scenario_vfs(parsed, scenarios, bool(v["multiWorker"]), p)
    rules.gpu_model(parsed, scenarios, host_gpu_model, p)
    if v["functionImages"] is not None:
        _prebuilt_complete(prebuilt, scenarios, p)
    return Checked(parsed=parsed, scenarios=scenarios, prebuilt=prebuilt, gpu_uuid=gpu_uuid,
                   hugepages_1g=_hugepages(v, parsed), controller=controller, gpu_driver_file=driver,
                   builds_functions=v["functionImages"] is None and controller is not None and bool(scenarios),
                   on_host=on_host)


def _settings(stack: str, c: Checked, found: Found) -> Settings:
    """Settings from what validation parsed and the paths preflight resolved: each key's value as validated
    (a path resolved) in its generated field, and the fields built from parsed values."""
    v, s, paths = c.values, c.parsed, found.paths
    registry = s.registry if s.registry.embedded else dataclasses.replace(s.registry, ca_file=found.ca_file)
    controller = c.controller and dataclasses.replace(c.controller, checkout=paths["controllerCheckout"])
    plain = {k.field: paths[k.name] if k.path else v[k.name] for k in KEYS.values() if not k.parsed}
    return Settings(
        stack=stack, **plain, workers=s.workers, registry=registry, metallb_addresses=s.metallb,
        sriov_ipam=s.ipam, controller=controller, scenarios=c.scenarios, host_gpu_uuid=c.gpu_uuid,
        hugepages_1g=c.hugepages_1g, prebuilt_images=c.prebuilt)


def _prebuilt_complete(prebuilt: tuple[tuple[str, str], ...], scenarios: tuple[str, ...], p: Problems) -> None:
    """With prebuilt images nothing is built: every image a selected scenario runs must be given."""
    gpu = any(CATALOG[name].gpu for name in scenarios if name in CATALOG)
    given = {name for name, _ in prebuilt}
    missing = [n for n in deployed_function_images(gpu) if n not in given]
    if missing and not p.failed("functionImages", "scenarios"):
        p.add("functionImages", f"has no {', '.join(missing)}; the selected scenarios run "
              f"{'them' if len(missing) > 1 else 'it'} and nothing is built when functionImages is set: "
              "add the prebuilt reference")


def _hugepages(v: dict, s: Parsed) -> int:
    """The pages to reserve: none for an external cluster, else the key, else what fpgaAgents needs."""
    if s.external:
        return 0
    if v["hugepages1Gi"] is not None:
        return v["hugepages1Gi"]
    return FPGA_HUGEPAGES_1G if v["fpgaAgents"] else 0


def _values(raw: Mapping[str, Any], p: Problems) -> dict[str, Any]:
    """Each key decoded to its type: unset or null gives the default, a wrong value None (recorded)."""
    values: dict[str, Any] = {}
    for full, value in raw.items():
        ns, sep, key = str(full).partition(":")
        if not sep:
            p.add(str(full), f"has no namespace; write {PROJECT}:{full}")
            continue
        if ns != PROJECT:
            problem = foreign_namespace(ns)
            if problem:
                p.add(str(full), problem)
            continue
        if key not in KEYS:
            p.add(key or str(full), f"unknown config key{suggest(key, KEYS)}" if key else
                  f"names no key after the namespace; write {PROJECT}:<key>")
            continue
        values[key] = decode(key, KEYS[key].type, value, p)
    for key, spec in KEYS.items():
        if p.failed(key):
            values[key] = None
        elif values.get(key) is None:
            values[key] = spec.default
    return values


def _profile(v: dict, s: Parsed, p: Problems, on_host: list) -> str:
    """What the profile needs: external and Kind clusters need different keys and files. Returns the
    NVIDIA installer for preflight to look for ("" when none is needed or the value is refused)."""
    gpu, driver = any(w.gpu for w in s.workers), ""
    if gpu and not s.external:
        driver = v["gpuDriverFile"]
        if not driver:
            p.add("gpuDriverFile", "required when a worker has gpu: true (the NVIDIA .run installer)")
        elif not driver.endswith(".run"):
            p.add("gpuDriverFile", f"{show(driver)} is not an NVIDIA .run installer")
            driver = ""
    if s.external and not v["hostCpuModel"] and v["hostCpuModel"] is not None:
        p.add("hostCpuModel", "required with externalKubeconfig: the CPU model of the cluster's workers "
              "(as in their /proc/cpuinfo), since this host's CPU is not theirs")
    prebuilt = v["functionImages"] is not None
    if prebuilt and not s.registry.embedded and not p.failed("registry"):
        p.add("registry", "set together with functionImages: with prebuilt images the stack builds, pushes "
              "and manages nothing in a registry; remove registry (and registryPassword), or functionImages")
    if s.external and s.registry.embedded and not prebuilt and not p.failed("registry"):
        p.add("registry", "required with externalKubeconfig: the cluster's nodes cannot pull from "
              "a registry embedded on this host; set registry.host, registry.project and registry.caFile, "
              "or give prebuilt images in functionImages")
    if not s.registry.embedded and v["registryPassword"] is None and not prebuilt:
        on_host.append(("registryPassword", "required with a Harbor registry: "
                        "`pulumi config set --secret registryPassword <password>`"))
    elif s.registry.embedded and v["registryPassword"] is not None and not p.failed("registry"):
        p.add("registryPassword", "set, but no registry is configured; set registry.host or remove it")
    return driver or ""


def _gpu_uuid(v: dict, s: Parsed, host_gpu_uuid: Optional[str], p: Problems, on_host: list) -> str:
    """The GPU worker's GPU UUID: hostGpuUuid, else what this host's driver reports (Kind only)."""
    gpu = any(w.gpu for w in s.workers)
    if v["hostGpuUuid"] and not whole(GPU_UUID, v["hostGpuUuid"]):
        p.add("hostGpuUuid", f"{show(v['hostGpuUuid'])} is not an NVIDIA GPU UUID like "
              "GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b (`nvidia-smi -L` prints it)")
    # An external cluster's GPU sits in one of its nodes, not in this host: only the stack can name it.
    if s.external and gpu:
        for key, what in (("hostGpuModel", "model"), ("hostGpuUuid", "UUID")):
            if not v[key] and v[key] is not None:
                p.add(key, f"required with externalKubeconfig and a gpu worker: the {what} of that node's GPU "
                      "(`nvidia-smi -L` on the node prints both); this host's GPU is not theirs")
    gpu_uuid = v["hostGpuUuid"] or ("" if s.external else host_gpu_uuid or "")
    if gpu and not gpu_uuid and host_gpu_uuid is not None and not s.external:
        # The controller sets CUDA_VISIBLE_DEVICES to this UUID: a made-up one hides the GPU from the pods.
        on_host.append(("hostGpuUuid", "required when a worker has gpu: true and no NVIDIA driver on this host "
                        "reports the GPU's UUID (/proc/driver/nvidia/gpus/*/information); set it to the UUID "
                        "`nvidia-smi -L` prints on the GPU host"))
    return gpu_uuid or ""


def _controller(v: dict, p: Problems) -> Optional[ControllerSettings]:
    """The controller's settings, its checkout as configured (preflight looks at it and resolves it)."""
    if v["controllerVersion"] is not None and v["controllerVersion"] not in CONTROLLER_VERSIONS:
        p.add("controllerVersion", f"{show(v['controllerVersion'])} is not supported; "
              f"use one of: {', '.join(CONTROLLER_VERSIONS)}")
    if None in (v["controllerCheckout"], v["controllerImageRegistry"], v["kubeRbacProxyImage"], v["fpgaAgents"]):
        return None
    return ControllerSettings(checkout=v["controllerCheckout"], version=v["controllerVersion"],
                              image_registry=v["controllerImageRegistry"].rstrip("/"),
                              kube_rbac_proxy_image=v["kubeRbacProxyImage"], fpga_agents=v["fpgaAgents"])


def _scenarios(v: dict, workers, p: Problems) -> tuple[str, ...]:
    names = v["scenarios"]
    if names is None:
        return ()
    if not all(isinstance(n, str) for n in names):
        bad = next(n for n in names if not isinstance(n, str))
        p.add("scenarios", f"must be a list of scenario names, got {what(bad)} in it")
        return ()
    if len(names) > MAX_SCENARIOS:
        p.add("scenarios", f"{len(names)} names; at most {MAX_SCENARIOS} (each scenario once: {', '.join(CATALOG)})")
        return ()
    if any(bounded(f"scenarios[{i}]", n, p) is None for i, n in enumerate(names)):
        return ()
    # When workers or multiWorker is wrong, that is the one line to print: assume what the scenarios need.
    known = not p.failed("workers")
    has_gpu = any(w.gpu for w in workers) or not known
    has_sriov = any(w.sriov for w in workers) or not known
    multi = bool(v["multiWorker"])
    p.extend_lines(validate_selection(list(names), has_gpu, has_sriov, multi,
                                      len(workers) if known else 2, has_video_dir=v["videoDir"] != ""))
    return tuple(names)
