"""The subset of `kustomize build` that the controller's config/default trees use, in pure Python.

Supported: resources (files and folders), images, namespace, namePrefix, patchesStrategicMerge, and
the name references kubebuilder scaffolds rely on (ServiceAccount, Role/ClusterRole, ConfigMap).
Anything else in a kustomization is refused, so a changed upstream layout fails loudly.
"""
from __future__ import annotations

import copy
import posixpath
from pathlib import Path
from typing import Any

from .checkout import CheckoutError, load_yaml

_KNOWN = {"apiVersion", "kind", "resources", "images", "namespace", "namePrefix", "patchesStrategicMerge",
          "patches", "configurations"}
_CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
_UNPREFIXED = {"Namespace", "CustomResourceDefinition"}


def _is_dir(checkout: str | Path, rel: str) -> bool:
    return (Path(checkout) / rel).is_dir()


def merge(base: Any, patch: Any) -> Any:
    """Strategic merge: dicts recursively, lists of named dicts by name (patch order first), others replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    if (isinstance(base, list) and isinstance(patch, list) and patch
            and all(isinstance(x, dict) and "name" in x for x in base + patch)):
        by_name = {x["name"]: x for x in base}
        merged = [merge(by_name[p["name"]], p) if p["name"] in by_name else copy.deepcopy(p) for p in patch]
        names = {p["name"] for p in patch}
        return merged + [copy.deepcopy(x) for x in base if x["name"] not in names]
    return copy.deepcopy(patch)


def _set_images(objs: list[dict], images: list[dict]) -> None:
    for pod in _pod_specs(objs):
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            name, _, tag = c["image"].partition(":")
            for img in images:
                if img["name"] == name:
                    c["image"] = f"{img.get('newName', name)}:{img.get('newTag', tag or 'latest')}"


def _pod_specs(objs: list[dict]):
    for o in objs:
        spec = (o.get("spec") or {}).get("template", {}).get("spec")
        if spec is not None:
            yield spec


def _rename(objs: list[dict], namespace: str | None, prefix: str) -> None:
    names = {(o["kind"], o["metadata"]["name"]) for o in objs}

    def ref(kind: str, name: str) -> str:
        return prefix + name if (kind, name) in names else name

    for o in objs:
        meta, kind = o["metadata"], o["kind"]
        for pod in _pod_specs([o]):
            if "serviceAccountName" in pod:
                pod["serviceAccountName"] = ref("ServiceAccount", pod["serviceAccountName"])
            for vol in pod.get("volumes", []):
                if "configMap" in vol:
                    vol["configMap"]["name"] = ref("ConfigMap", vol["configMap"]["name"])
        if "roleRef" in o:
            o["roleRef"]["name"] = ref(o["roleRef"]["kind"], o["roleRef"]["name"])
        for subject in o.get("subjects", []):
            if subject.get("kind") == "ServiceAccount" and ("ServiceAccount", subject["name"]) in names:
                subject["name"] = prefix + subject["name"]
                if namespace:
                    subject["namespace"] = namespace
        if kind == "Namespace" and namespace:
            meta["name"] = namespace
        elif kind not in _UNPREFIXED:
            meta["name"] = prefix + meta["name"]
        if namespace and kind not in _CLUSTER_SCOPED:
            meta["namespace"] = namespace


def build(checkout: str | Path, directory: str, skip: tuple[str, ...] = (), version: str = "v1.1.0") -> list[dict]:
    """Render `directory` (relative to the checkout) like `kustomize build`, leaving out `skip` resources."""
    kust_rel = posixpath.join(directory, "kustomization.yaml")
    kust = load_yaml(checkout, kust_rel, version)[0]
    unknown = set(kust) - _KNOWN
    if unknown or kust.get("patches"):
        raise CheckoutError(f"controllerCheckout: {kust_rel} uses {sorted(unknown) or ['patches']}, which this "
                            f"renderer does not support; is it a {version} checkout?")
    objs: list[dict] = []
    for res in kust.get("resources") or ():
        if res in skip:
            continue
        rel = posixpath.normpath(posixpath.join(directory, res))
        objs += build(checkout, rel, (), version) if _is_dir(checkout, rel) else load_yaml(checkout, rel, version)
    _set_images(objs, kust.get("images") or [])
    for patch_rel in kust.get("patchesStrategicMerge") or ():
        for patch in load_yaml(checkout, posixpath.join(directory, patch_rel), version):
            key = (patch["kind"], patch["metadata"]["name"])
            targets = [i for i, o in enumerate(objs) if (o["kind"], o["metadata"]["name"]) == key]
            if len(targets) != 1:
                raise CheckoutError(f"controllerCheckout: {directory}/{patch_rel} patches {key}, found {len(targets)}")
            objs[targets[0]] = merge(objs[targets[0]], patch)
    _rename(objs, kust.get("namespace"), kust.get("namePrefix", ""))
    return objs
