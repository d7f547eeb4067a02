"""Registers one Kubernetes object, given as a manifest dict, as the pulumi-kubernetes resource of its kind.

Objects are registered one by one (not through yaml/v2 remote components) so that every object is
visible to `pulumi preview`, to the offline preview and to the tests, with its own dependencies.

The SDK's typed classes (pulumi_kubernetes.apps.v1.Deployment, ...) live in one module per API group
version, each importing thousands of input and output classes: importing them was most of the offline
preview's time. A typed class sends the engine its type token, the manifest's fields as given, the
SDK's version and its aliases, nothing else (`__props__` in its `_internal_init`; a None field is not
sent). `KubeObject` sends the same, so URNs, state and the provider's awaits and diffs are those of the
typed class; `KINDS` holds what differs per kind, and tests/unit/test_kube.py compares every
registration with the typed class's. A built-in kind missing from `KINDS` takes its typed class.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import re
from typing import Any, Optional, Sequence

import pulumi

# The typed classes send the package's version as semver; requirements.lock pins a release, whose
# PEP 440 version is that semver string (tests/unit/test_kube.py compares the two).
_SDK_VERSION = importlib.metadata.version("pulumi_kubernetes")

# Built-in kinds the program applies: type token -> (fields besides apiVersion/kind/status, alias types),
# as pulumi-kubernetes' typed class declares them.
_RBAC = "kubernetes:rbac.authorization.k8s.io"
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "kubernetes:core/v1:ConfigMap": (("binaryData", "data", "immutable", "metadata"), ()),
    "kubernetes:core/v1:Namespace": (("metadata", "spec"), ()),
    "kubernetes:core/v1:Service": (("metadata", "spec"), ()),
    "kubernetes:core/v1:ServiceAccount": (
        ("automountServiceAccountToken", "imagePullSecrets", "metadata", "secrets"), ()),
    "kubernetes:apps/v1:DaemonSet": (
        ("metadata", "spec"), ("kubernetes:apps/v1beta2:DaemonSet", "kubernetes:extensions/v1beta1:DaemonSet")),
    "kubernetes:apps/v1:Deployment": (
        ("metadata", "spec"), ("kubernetes:apps/v1beta1:Deployment", "kubernetes:apps/v1beta2:Deployment",
                               "kubernetes:extensions/v1beta1:Deployment")),
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition": (
        ("metadata", "spec"), ("kubernetes:apiextensions.k8s.io/v1beta1:CustomResourceDefinition",)),
    **{f"{_RBAC}/v1:{kind}": (fields, (f"{_RBAC}/v1alpha1:{kind}", f"{_RBAC}/v1beta1:{kind}"))
       for kind, fields in (("ClusterRole", ("aggregationRule", "metadata", "rules")),
                            ("ClusterRoleBinding", ("metadata", "roleRef", "subjects")),
                            ("Role", ("metadata", "rules")), ("RoleBinding", ("metadata", "roleRef", "subjects")))},
}
# API groups served by Kubernetes itself (pulumi-kubernetes has typed classes for them); any other group
# is a custom resource's, registered as pulumi_kubernetes.apiextensions.CustomResource does.
_BUILT_IN = ("", "apps", "batch", "policy", "autoscaling")
_CUSTOM_FIELDS = ("metadata", "spec")


def type_token(api_version: str, kind: str) -> str:
    """The SDK's type token: the apiVersion, with `core/` for the core group (`v1`)."""
    return f"kubernetes:{api_version if '/' in api_version else 'core/' + api_version}:{kind}"


def _typed_class(api_version: str, kind: str):
    """The SDK's typed class of a built-in kind; None for a custom resource."""
    group, _, version = api_version.rpartition("/")
    if not group.endswith(".k8s.io") and group not in _BUILT_IN:
        return None
    try:  # the API group's first label names the SDK module: rbac.authorization.k8s.io -> rbac
        module = importlib.import_module(f"pulumi_kubernetes.{group.split('.')[0] if group else 'core'}.{version}")
    except ModuleNotFoundError:
        return None
    return getattr(module, kind, None)


class KubeObject(pulumi.CustomResource):
    """A Kubernetes object under the type token, inputs, version and aliases of the SDK's class for its kind."""

    def __init__(self, name: str, obj: dict[str, Any], fields: Sequence[str], aliases: Sequence[str],
                 opts: Optional[pulumi.ResourceOptions] = None):
        props = {k: v for k, v in obj.items() if k != "status"}
        extra = set(props) - {"apiVersion", "kind", *fields}
        if extra:
            raise ValueError(f"manifest {name!r} ({obj['kind']}) has fields its kind does not: {sorted(extra)}")
        # The typed classes merge the SDK's defaults under the caller's options and their aliases over them.
        opts = pulumi.ResourceOptions.merge(pulumi.ResourceOptions(version=_SDK_VERSION), opts)
        if aliases:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                aliases=[pulumi.Alias(type_=a) for a in aliases]))
        super().__init__(type_token(obj["apiVersion"], obj["kind"]), name, props, opts)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def apply(name: str, obj: dict[str, Any], opts: Optional[pulumi.ResourceOptions] = None) -> pulumi.CustomResource:
    """Create `obj` as a resource named `name`."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not api_version or not kind:
        raise ValueError(f"manifest {name!r} has no apiVersion or kind")
    known = KINDS.get(type_token(api_version, kind))
    if known:
        return KubeObject(name, obj, *known, opts=opts)
    cls = _typed_class(api_version, kind)
    if cls is None:
        return KubeObject(name, obj, _CUSTOM_FIELDS, (), opts=opts)
    fields = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}
    return cls(name, opts=opts, **{_snake(k): v for k, v in fields.items()})


def remote(token: str, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> pulumi.Resource:
    """A component the provider expands (`kubernetes:yaml/v2:ConfigFile`, `kubernetes:kustomize/v2:Directory`),
    registered as its SDK class does: the token, its inputs and the SDK's version (which picks the plugin)."""
    opts = pulumi.ResourceOptions.merge(pulumi.ResourceOptions(version=_SDK_VERSION), opts)
    return pulumi.ComponentResource(token, name, props, opts, remote=True)


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
