"""Keys that the stack's profile does not use: reported as warnings, never silently dropped."""
from __future__ import annotations

from .parsed import Parsed
from .schema import KEYS

_EXTERNAL = "ignored with externalKubeconfig (no Kind cluster, node images or host operations)"
_NO_GPU = "ignored: no worker has gpu: true"
_NO_SRIOV = "ignored: no worker has sriov"


def ignored_keys(s: Parsed) -> dict[str, str]:
    """key -> why the profile does not use it; the first reason that applies wins."""
    out: dict[str, str] = {}

    def add(keys: str, reason: str) -> None:
        for key in keys.split():
            out.setdefault(key, reason)
    if s.external:
        add("clusterName kubernetesVersion crioVersion podSubnet kindNetworkSubnet gpuDriverFile kindSource "
            "kubernetesSource kubernetesBuild managementAddress hostClaimsDir hostRoot localRegistryPort hugepages1Gi",
            _EXTERNAL)
    if (s.values.get("kubernetesBuild") or KEYS["kubernetesBuild"].default) == "release":
        add("kubernetesSource", "ignored: kubernetesBuild is release, so no Kubernetes is compiled")
    if not any(w.gpu for w in s.workers):
        add("gpuDriverFile hostGpuModel hostGpuUuid", _NO_GPU)
    if not any(w.sriov for w in s.workers):
        add("sriovIpam managementAddress", _NO_SRIOV)
    if s.values.get("functionImages") is not None:
        add("localRegistryPort", "ignored: functionImages is set, so no registry is started")
    if not s.registry.embedded:
        add("localRegistryPort", "ignored: registry is set, so no embedded registry is started")
    if not s.values["scenarios"]:
        add("multiWorker verifyScenarios", "ignored: no scenarios are selected")
    return out


def report_ignored(values: dict, s: Parsed, warnings: list) -> None:
    """A warning for each key given a value other than its default that the profile does not use."""
    for key, reason in ignored_keys(s).items():
        if values[key] is not None and values[key] != KEYS[key].default:
            warnings.append(f"{key}: {reason}")
