"""Offline schema validation: built-in kinds against the Kubernetes OpenAPI schema, CRs against their CRDs.

kubernetes-validate 1.37 ships schemas for v1.25 ... v1.37, so the default cluster version (v1.31.0)
is checked against its own schema. Add-on custom resources (MetalLB, nv-ipam) have their CRDs inside
upstream bundles that are not available offline; they are checked against the small schemas below,
which carry only the fields this project sets.
"""
from __future__ import annotations

from typing import Any, Optional

import jsonschema
import kubernetes_validate

_STR = {"type": "string"}
_STRS = {"type": "array", "items": _STR, "minItems": 1}
_META = {"type": "object", "required": ["name", "namespace"],
         "properties": {"name": _STR, "namespace": _STR}}


def _cr(spec: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
            "properties": {"metadata": _META, "spec": {"type": "object", "additionalProperties": False, **spec}}}


ADDON_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("metallb.io/v1beta1", "IPAddressPool"): _cr({"required": ["addresses"], "properties": {
        "addresses": _STRS, "autoAssign": {"type": "boolean"}, "avoidBuggyIPs": {"type": "boolean"}}}),
    ("metallb.io/v1beta1", "L2Advertisement"): _cr({"properties": {
        "ipAddressPools": _STRS, "interfaces": _STRS}}),
    ("nv-ipam.nvidia.com/v1alpha1", "IPPool"): _cr({"required": ["subnet", "perNodeBlockSize", "gateway"],
        "properties": {"subnet": _STR, "perNodeBlockSize": {"type": "integer", "minimum": 2}, "gateway": _STR,
                       "exclusions": {"type": "array", "items": {
                           "type": "object", "required": ["startIP", "endIP"], "additionalProperties": False,
                           "properties": {"startIP": _STR, "endIP": _STR}}},
                       "nodeSelector": {"type": "object"}}}),
    ("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition"): _cr({"properties": {"config": _STR}}),
}


def validate(obj: dict[str, Any], kubernetes_version: str = "v1.31.0",
             crd_schemas: Optional[dict[str, dict[str, Any]]] = None) -> Optional[str]:
    """None if `obj` is valid, else a message naming the object and the first problem."""
    what = f"{obj.get('kind')} {(obj.get('metadata') or {}).get('namespace', '')}/" \
           f"{(obj.get('metadata') or {}).get('name')}"
    api = obj.get("apiVersion", "")
    try:
        if api == "example.com/v1":
            schema = (crd_schemas or {}).get(obj["kind"])
            if schema is None:
                return f"{what}: no CRD for kind {obj['kind']} in the checkout"
            jsonschema.Draft7Validator(schema).validate(obj)
        elif (api, obj.get("kind")) in ADDON_SCHEMAS:
            jsonschema.Draft7Validator(ADDON_SCHEMAS[(api, obj["kind"])]).validate(obj)
        else:
            kubernetes_validate.validate(obj, kubernetes_version.lstrip("v"), strict=True)
    except jsonschema.ValidationError as e:
        return f"{what}: {e.message} at {'/'.join(map(str, e.absolute_path))}"
    except kubernetes_validate.SchemaNotFoundError:
        return f"{what}: no schema for {api} {obj.get('kind')} in Kubernetes {kubernetes_version}"
    return None
