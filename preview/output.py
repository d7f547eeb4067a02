"""Turns recorded registrations into the preview's files: resources.json, kind-config.yaml, manifests/."""
from __future__ import annotations

import heapq
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


def ordered(result: PreviewResult) -> list[Registration]:
    """The registrations in an order that is the same on every run: each after its parent and its
    dependencies, otherwise by URN. The SDK registers resources that do not wait for each other in
    whatever order their inputs resolve, which differs from run to run."""
    regs = result.registrations
    index: dict[str, list[int]] = {}
    for i, r in enumerate(regs):
        index.setdefault(r.urn, []).append(i)
    waits = [{j for u in {r.parent, *r.dependencies} if u != r.urn for j in index.get(u, ())} for r in regs]
    followers: dict[int, list[int]] = {}
    for i, before in enumerate(waits):
        for j in before:
            followers.setdefault(j, []).append(i)
    ready = sorted((r.urn, i) for i, r in enumerate(regs) if not waits[i])
    out: list[int] = []
    while ready:
        _, i = heapq.heappop(ready)
        out.append(i)
        for f in followers.get(i, ()):
            waits[f].discard(i)
            if not waits[f]:
                heapq.heappush(ready, (regs[f].urn, f))
    placed = set(out)  # a cycle (which the engine would refuse) keeps its registration order, at the end
    return [regs[i] for i in out + [i for i in range(len(regs)) if i not in placed]]


def resources(result: PreviewResult) -> list[dict[str, Any]]:
    """deletedWith: the resource whose deletion takes this one along (no Delete call), or None."""
    return [{"type": r.type, "name": r.name, "parent": _short(r.parent),
             "dependsOn": sorted({_short(d) for d in r.dependencies}),
             "deletedWith": _short(r.deleted_with) or None, "inputs": _sorted(r.inputs)}
            for r in ordered(result)]


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
    for r in ordered(result):
        children.setdefault(r.parent if r.parent and "pulumi:pulumi:Stack" not in r.parent else "", []).append(r)
    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for r in children.get(parent, []):
            lines.append(f"{'  ' * depth}{r.type} {r.name}")
            walk(r.urn, depth + 1)
    walk("", 0)
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    """Leaves a file that already holds `text` alone: in the edit-and-preview loop most files come out the
    same, and rewriting the ~180 unchanged manifests was half of the writing time. An unchanged file also
    keeps its time stamp."""
    try:
        if path.read_text() == text:
            return
    except (OSError, UnicodeDecodeError):  # not there yet, or not ours to read: written (or refused) below
        pass
    path.write_text(text)


def write(result: PreviewResult, out: Path, kind_config: str | None) -> int:
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "resources.json", json.dumps(resources(result), indent=1, default=str))
    if kind_config:
        _write(out / "kind-config.yaml", kind_config)
    mdir = out / "manifests"
    mdir.mkdir(exist_ok=True)
    written = set()
    for r in result.registrations:
        if is_object(r):
            path = mdir / f"{r.name}.yaml"
            _write(path, yaml.dump(manifest(r), Dumper=_Dumper, sort_keys=False))
            written.add(path)
    for stale in set(mdir.glob("*.yaml")) - written:  # from an earlier preview of other resources
        stale.unlink()
    return len(written)
