"""The 20 canonical OpenKasugai CRDs: the file each owning module's config/crd kustomization applies."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checkout import CheckoutError, load_yaml, path


@dataclass(frozen=True)
class Crd:
    kind: str
    name: str  # metadata.name of the CRD
    module: str  # src/<module>/config/crd/kustomization.yaml lists the file

    @property
    def file(self) -> str:
        # DeviceInfo's Makefile renames the generated ...deviceinfoes.yaml to ...deviceinfos.yaml.
        stem = "deviceinfos" if self.kind == "DeviceInfo" else self.name.split(".")[0]
        return f"src/{self.module}/config/crd/bases/example.com_{stem}.yaml"


_FLOW = "whitebox-k8s-flowctrl"
# Same table for v1.0.0 and v1.1.0 (docs/facts.md §0 lists no CRD change between them).
CANONICAL: tuple[Crd, ...] = (
    Crd("DataFlow", "dataflows.example.com", _FLOW),
    Crd("WBFunction", "wbfunctions.example.com", _FLOW),
    Crd("WBConnection", "wbconnections.example.com", _FLOW),
    Crd("FunctionChain", "functionchains.example.com", _FLOW),
    Crd("FunctionType", "functiontypes.example.com", _FLOW),
    Crd("ConnectionType", "connectiontypes.example.com", _FLOW),
    Crd("FunctionTarget", "functiontargets.example.com", _FLOW),
    Crd("ConnectionTarget", "connectiontargets.example.com", _FLOW),
    Crd("ComputeResource", "computeresources.example.com", _FLOW),
    Crd("SchedulingData", "schedulingdata.example.com", _FLOW),
    Crd("TopologyInfo", "topologyinfos.example.com", _FLOW),
    Crd("DeviceInfo", "deviceinfoes.example.com", "DeviceInfo"),
    Crd("PCIeConnection", "pcieconnections.example.com", "PCIeConnection"),
    Crd("EthernetConnection", "ethernetconnections.example.com", "EthernetConnection"),
    Crd("FPGAFunction", "fpgafunctions.example.com", "FPGAFunction"),
    Crd("FPGA", "fpgas.example.com", "FPGAFunction"),
    Crd("ChildBs", "childbs.example.com", "FPGAFunction"),
    Crd("FPGAReconfiguration", "fpgareconfigurations.example.com", "FPGAFunction"),
    Crd("GPUFunction", "gpufunctions.example.com", "GPUFunction"),
    Crd("CPUFunction", "cpufunctions.example.com", "CPUFunction"),
)

# Files that must never be applied (docs/facts.md §1.1/§1.2); tests assert none is rendered.
STALE_FILES = (
    "src/CPUFunction/config/crd/bases/example.com_wbfunctions.yaml",
    "src/GPUFunction/config/crd/bases/example.com_wbfunctions.yaml",
    "src/WBConnection/config/crd/bases/example.com_pcieconnections.yaml",
    "src/WBConnection/config/crd/bases/example.com_ethernetconnections.yaml",
    "src/EthernetConnection/config/crd/bases/example.com_fpgafunctions.yaml",
    "src/EthernetConnection/config/crd/bases/example.com_gpufunctions.yaml",
    "src/EthernetConnection/config/crd/bases/example.com_cpufunctions.yaml",
    "src/FPGAFunction/config/crd/bases/example.com_gpufunctions.yaml",
    "src/FPGAFunction/config/crd/bases/example.com_cpufunctions.yaml",
)


def _listed(checkout: str | Path, crd: Crd, version: str) -> bool:
    kust = load_yaml(checkout, f"src/{crd.module}/config/crd/kustomization.yaml", version)[0]
    listed = {f"src/{crd.module}/config/crd/{r}" for r in kust.get("resources") or ()}
    return crd.file in listed


def load_crd(checkout: str | Path, crd: Crd, version: str = "v1.1.0") -> dict[str, Any]:
    """The CRD manifest of one canonical file, checked against the table."""
    docs = load_yaml(checkout, crd.file, version)
    if len(docs) != 1 or docs[0].get("kind") != "CustomResourceDefinition":
        raise CheckoutError(f"controllerCheckout: {path(checkout, crd.file)} is not one CRD")
    obj = docs[0]
    name = (obj.get("metadata") or {}).get("name")
    served = [v.get("name") for v in obj["spec"].get("versions") or ()]
    if name != crd.name or served != ["v1"] or obj["spec"].get("names", {}).get("kind") != crd.kind:
        raise CheckoutError(f"controllerCheckout: {crd.file} defines {name} {served}, expected {crd.name} [v1]; "
                            f"is it a {version} checkout?")
    if not _listed(checkout, crd, version):
        raise CheckoutError(f"controllerCheckout: src/{crd.module}/config/crd/kustomization.yaml does not list "
                            f"{crd.file}; the checkout's CRD layout differs from {version}")
    return obj


def canonical_crds(checkout: str | Path, version: str = "v1.1.0") -> list[dict[str, Any]]:
    """The 20 CRD manifests, in the table's order (of a controllerVersion settings accepted)."""
    return [load_crd(checkout, c, version) for c in CANONICAL]


def crd_schemas(crds: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Kind -> openAPIV3Schema of its v1 version, for validating custom resources."""
    return {c["spec"]["names"]["kind"]: c["spec"]["versions"][0]["schema"]["openAPIV3Schema"] for c in crds}
