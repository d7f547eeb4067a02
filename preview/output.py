"""Turns recorded registrations into the preview's files: resources.json, kind-config.yaml, manifests/."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .engine import Registration, PreviewResult

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# Types that are Kubernetes objects (not providers, not yaml/helm components registered remotely).
_NOT_OBJECTS = ("kubernetes:yaml", "kubernetes:helm", "kubernetes:kustomize", "pulumi:providers")


def _short(urn: str) -> str:
    return urn.split("::")[-1] if urn else ""


def resources(result: PreviewResult) -> list[dict[str, Any]]:
    """deletedWith: the resource whose deletion takes this one along (no Delete call), or None."""
    return [{"type": r.type, "name": r.name, "parent": _short(r.parent),
             "dependsOn": sorted({_short(d) for d in r.dependencies}),
             "deletedWith": _short(r.deleted_with) or None, "inputs": _sorted(r.inputs)}
            for r in result.registrations]


def is_object(r: Registration) -> bool:
    return r.custom and r.type.startswith("kubernetes:") and not r.type.startswith(_NOT_OBJECTS)


def _sorted(value: Any) -> Any:
    # The engine hands inputs over as protobuf maps, whose order means nothing: sort for stable files.
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def manifest(r: Registration) -> dict[str, Any]:
    obj = {k: v for k, v in r.inputs.items() if k != "__provider"}
    head = {"apiVersion": obj.pop("apiVersion"), "kind": obj.pop("kind")}
    if "metadata" in obj:
        head["metadata"] = obj.pop("metadata")
    return {**{k: _sorted(v) for k, v in head.items()}, **_sorted(obj)}


def tree(result: PreviewResult) -> str:
    children: dict[str, list[Registration]] = {}
    for r in result.registrations:
        children.setdefault(r.parent if r.parent and "pulumi:pulumi:Stack" not in r.parent else "", []).append(r)
    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for r in children.get(parent, []):
            lines.append(f"{'  ' * depth}{r.type} {r.name}")
            walk(r.urn, depth + 1)
    walk("", 0)
    return "\n".join(lines)


def write(result: PreviewResult, out: Path, kind_config: str | None) -> int:
    out.mkdir(parents=True, exist_ok=True)
    (out / "resources.json").write_text(json.dumps(resources(result), indent=1, default=str))
    if kind_config:
        (out / "kind-config.yaml").write_text(kind_config)
    mdir = out / "manifests"
    mdir.mkdir(exist_ok=True)
    written = set()
    for r in result.registrations:
        if is_object(r):
            path = mdir / f"{r.name}.yaml"
            path.write_text(yaml.dump(manifest(r), Dumper=_Dumper, sort_keys=False))
            written.add(path)
    for stale in set(mdir.glob("*.yaml")) - written:  # from an earlier preview of other resources
        stale.unlink()
    return len(written)
