"""Registers one Kubernetes object, given as a manifest dict, as its typed pulumi-kubernetes resource.

Objects are registered one by one (not through yaml/v2 remote components) so that every object is
visible to `pulumi preview`, to the offline preview and to the tests, with its own dependencies.
"""
from __future__ import annotations

import importlib
import re
from typing import Any, Optional, Sequence

import pulumi

# The API group's first label names the SDK module: rbac.authorization.k8s.io -> rbac.
_CORE = "core"


def _module_and_class(api_version: str, kind: str):
    group, _, version = api_version.rpartition("/")
    if not group.endswith(".k8s.io") and group not in ("", "apps", "batch", "policy", "autoscaling"):
        return None
    pkg = group.split(".")[0] if group else _CORE
    try:
        module = importlib.import_module(f"pulumi_kubernetes.{pkg}.{version}")
    except ModuleNotFoundError:
        return None
    return getattr(module, kind, None)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def apply(name: str, obj: dict[str, Any], opts: Optional[pulumi.ResourceOptions] = None) -> pulumi.CustomResource:
    """Create `obj` as a resource named `name`; custom resources go through CustomResource."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not api_version or not kind:
        raise ValueError(f"manifest {name!r} has no apiVersion or kind")
    cls = _module_and_class(api_version, kind)
    fields = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}
    if cls is None:
        extra = set(fields) - {"metadata", "spec"}
        if extra:
            raise ValueError(f"custom resource {name!r} ({kind}) has fields besides metadata and spec: "
                             f"{sorted(extra)}")
        from pulumi_kubernetes.apiextensions import CustomResource
        return CustomResource(name, api_version=api_version, kind=kind, opts=opts, **fields)
    return cls(name, opts=opts, **{_snake(k): v for k, v in fields.items()})


def apply_child(prefix: str, obj: dict[str, Any], opts: Optional[pulumi.ResourceOptions] = None):
    """apply() under the name <prefix>-<kind>-<namespace>-<name>, stable whatever else is deployed."""
    return apply(f"{prefix}-{resource_name(obj)}", obj, opts)


def child(parent: pulumi.Resource, prefix: str, obj: dict[str, Any],
          after: Sequence[pulumi.Resource] = ()) -> pulumi.CustomResource:
    """The one way a component applies a Kubernetes object: as its child, after `after`, named by apply_child()."""
    return apply_child(prefix, obj, pulumi.ResourceOptions(parent=parent, depends_on=list(after)))


def resource_name(obj: dict[str, Any]) -> str:
    """A stable Pulumi name for an object: kind-namespace-name, lower case."""
    meta = obj.get("metadata") or {}
    parts = [obj["kind"], meta.get("namespace", ""), meta.get("name", "")]
    return "-".join(p for p in parts if p).lower()
