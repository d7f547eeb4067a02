"""The stack's Kubernetes objects as the API holds them: read from the engine's state, looked up by
API discovery, and the readiness the issue asks for checked in the API (not in the engine's outputs)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from e2e.simcluster.api import Api


@dataclass(frozen=True)
class Obj:
    api_version: str
    kind: str
    name: str
    namespace: str = ""

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace + '/' if self.namespace else ''}{self.name}"


def from_state(resources: Iterable[dict[str, Any]]) -> list[Obj]:
    """Every Kubernetes object the engine recorded (the children of ConfigFile included)."""
    out = []
    for r in resources:
        o = r.get("outputs") or {}
        if r.get("type", "").startswith("kubernetes:") and isinstance(o.get("metadata"), dict) and o.get("kind"):
            out.append(Obj(o["apiVersion"], o["kind"], o["metadata"]["name"], o["metadata"].get("namespace") or ""))
    return out


class Index:
    """kind -> (plural, namespaced) per apiVersion, from the API's discovery documents."""

    def __init__(self, api: Api):
        self.api, self._known = api, {}

    def path(self, o: Obj) -> str:
        if o.api_version not in self._known:
            base = "/api/v1" if o.api_version == "v1" else f"/apis/{o.api_version}"
            found = self.api.get(base).get("resources", [])
            self._known[o.api_version] = {r["kind"]: (r["name"], r["namespaced"]) for r in found if "/" not in r["name"]}
        plural, namespaced = self._known[o.api_version].get(o.kind, ("", False))
        if not plural:  # the API no longer serves the kind (its CRD is gone): no object of it can exist
            return ""
        base = "/api/v1" if o.api_version == "v1" else f"/apis/{o.api_version}"
        return f"{base}/namespaces/{o.namespace}/{plural}/{o.name}" if namespaced else f"{base}/{plural}/{o.name}"

    def get(self, o: Obj) -> dict[str, Any]:
        path = self.path(o)
        return self.api.get(path) if path else {}

    def left(self, objs: Iterable[Obj]) -> list[Obj]:
        self._known.clear()  # CRDs may have gone since the last look
        return [o for o in objs if self.get(o)]


def _condition(obj: dict, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in obj.get("status", {}).get("conditions", []))


def problems_after_up(index: Index, objs: list[Obj]) -> tuple[dict[str, int], list[str]]:
    """(counts per kind, problems): CRDs established, Deployments available, DaemonSets ready on at least
    one node, FunctionTypes and FunctionChains Ready, every object present."""
    counts: dict[str, int] = {}
    problems = []
    for o in objs:
        live = index.get(o)
        counts[o.kind] = counts.get(o.kind, 0) + 1
        status = live.get("status", {})
        if not live:
            problems.append(f"{o}: not in the API")
        elif o.kind == "CustomResourceDefinition" and not _condition(live, "Established"):
            problems.append(f"{o}: not Established")
        elif o.kind == "Deployment" and not _condition(live, "Available"):
            problems.append(f"{o}: not Available ({status})")
        elif o.kind == "DaemonSet" and not (status.get("desiredNumberScheduled", 0) > 0
                                            and status.get("numberReady") == status.get("desiredNumberScheduled")):
            problems.append(f"{o}: not ready on its nodes ({status})")
        elif o.kind in ("FunctionType", "FunctionChain") and status.get("status") != "Ready":
            problems.append(f"{o}: status {status.get('status')!r}, not Ready")
    return counts, problems
