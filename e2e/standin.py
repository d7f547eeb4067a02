"""STAND-IN for the OpenKasugai controller's FunctionType and FunctionChain reconcilers (e2e only).

The controller cannot be built here (its Go modules are named github.com/compsysg/... and bare names
that the module proxy does not serve), and the program waits for exactly one thing it does:
`status.status: Ready` on every FunctionType and FunctionChain (scenarios/render.py READY). This
stand-in sets those statuses the way controller v1.1.0 does
(src/whitebox-k8s-flowctrl/internal/controller/functiontype_controller.go, functionchain_controller.go):

- FunctionType: reads the ConfigMap spec.functionInfoCMRef names; each regionType of its JSON
  `deployableItems` joins status.regionTypeCandidates; Ready when there is at least one, else Error.
  Without the ConfigMap nothing is set (upstream ignores not-found and waits for the next event).
- FunctionChain: every spec.functions entry must name a FunctionType (functionName and version) in
  spec.functionTypeNamespace whose status is Ready, else Error. Like upstream it does not watch
  FunctionTypes: a chain made before its types are Ready stays Error, so the program's order is tested.
  Upstream's further checks (maxInputNum/maxOutputNum, duplicate ports) are not reproduced: the
  upstream scenario data passes them, and the program does not depend on them.

Events come from API watches (no polling, no sleeps); statuses go through the status subresource.
"""
from __future__ import annotations

import http.client
import json
import threading
from typing import Any, Callable

from e2e.simcluster.api import Api

GROUP = "/apis/example.com/v1"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
WATCH_WINDOW = 30  # seconds the API holds one watch open; stop() waits at most this long


class ControllerStandIn:
    def __init__(self, api: Api) -> None:
        self.api = api
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(plural, handle), daemon=True, name=plural)
                         for plural, handle in (("functiontypes", self.function_type),
                                                ("functionchains", self.function_chain))]
        self.errors: list[str] = []

    def __enter__(self) -> "ControllerStandIn":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(WATCH_WINDOW + 10)

    # -- the reconcilers --------------------------------------------------------------------------------
    def function_type(self, ft: dict[str, Any]) -> None:
        ref = ft.get("spec", {}).get("functionInfoCMRef") or {}
        cm = self.api.get(f"/api/v1/namespaces/{ref.get('namespace')}/configmaps/{ref.get('name')}")
        if not cm:
            return
        status = dict(ft.get("status") or {})
        candidates = list(status.get("regionTypeCandidates") or [])
        try:
            items = json.loads(cm.get("data", {}).get("deployableItems") or "[]")
        except ValueError:
            items = []  # upstream ignores the unmarshal error too
        for item in items if isinstance(items, list) else []:
            rt = item.get("regionType", "") if isinstance(item, dict) else ""
            if rt and rt not in candidates:
                candidates.append(rt)
        self._set_status(ft, "functiontypes", {**status, "regionTypeCandidates": candidates,
                                               "status": "Ready" if candidates else "Error"})

    def function_chain(self, fc: dict[str, Any]) -> None:
        spec = fc.get("spec", {})
        types = self.api.get(f"{GROUP}/namespaces/{spec.get('functionTypeNamespace')}/functiontypes").get("items", [])
        ready = {(t["spec"].get("functionName"), t["spec"].get("version"))
                 for t in types if (t.get("status") or {}).get("status") == "Ready"}
        ok = all((f.get("functionName"), f.get("version")) in ready for f in (spec.get("functions") or {}).values())
        self._set_status(fc, "functionchains", {**(fc.get("status") or {}), "status": "Ready" if ok else "Error"})

    # -- plumbing ---------------------------------------------------------------------------------------
    def _set_status(self, obj: dict, plural: str, status: dict) -> None:
        if obj.get("status") == status:
            return
        meta = obj["metadata"]
        path = f"{GROUP}/namespaces/{meta['namespace']}/{plural}/{meta['name']}/status"
        code, body = self.api.request("PATCH", path, {"status": status}, "application/merge-patch+json")
        if code == 404 and self.api.request("GET", path.rsplit("/", 1)[0])[0] != 404:
            # The object is there but /status is not: its CRD lacks the status subresource, so no
            # status can ever be set and the program would wait out its await timeout.
            self.errors.append(f"PATCH {path}: 404 although the object exists: its CRD has no status "
                               f"subresource (spec.versions[].subresources.status)")
        elif code not in (200, 404):  # 404 with the object gone: deleted meanwhile
            self.errors.append(f"PATCH {path}: {code} {body}")

    def _run(self, plural: str, handle: Callable[[dict], None]) -> None:
        try:
            self._loop(plural, handle)
        except Exception as err:  # noqa: BLE001 - recorded: the harness fails with it instead of a silent thread
            self.errors.append(f"{plural}: the stand-in stopped: {err!r}")

    def _loop(self, plural: str, handle: Callable[[dict], None]) -> None:
        version = ""
        while not self._stop.is_set():
            if not version:  # (re)list: reconcile everything, then watch from there
                code, listed = self.api.request("GET", f"{GROUP}/{plural}")
                if code == 404:  # the program has not created the CRD yet: wait for it, then list
                    self._stream(f"{CRDS}?fieldSelector=metadata.name%3D{plural}.example.com", "", _established)
                    continue
                if code == 429:  # a new CRD's storage is still starting: as long as the API asks
                    self._stop.wait(float(listed.get("details", {}).get("retryAfterSeconds", 1)))
                    continue
                if code != 200:
                    self.errors.append(f"listing {plural}: {code} {listed}")
                    return
                version = listed["metadata"]["resourceVersion"]
                for obj in listed.get("items", []):
                    self._handle(plural, handle, obj)
            version = self._stream(f"{GROUP}/{plural}", version, lambda obj: self._handle(plural, handle, obj))

    def _handle(self, plural: str, handle: Callable[[dict], None], obj: dict) -> bool:
        try:
            handle(obj)
        except (KeyError, TypeError, AttributeError) as err:  # a malformed object: say so, go on
            self.errors.append(f"{plural} {obj.get('metadata', {}).get('name')}: {err!r}")
        return False

    def _stream(self, path: str, version: str, on_object: Callable[[dict], bool]) -> str:
        """One watch window over path from version; on_object(obj) -> True ends it early. Returns the
        version to go on from ("" to list again)."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.api.port, context=self.api.context,
                                           timeout=WATCH_WINDOW + 10)
        sep = "&" if "?" in path else "?"
        try:
            conn.request("GET", f"{path}{sep}watch=1&resourceVersion={version}&timeoutSeconds={WATCH_WINDOW}")
            response = conn.getresponse()
            if response.status != 200:
                return ""
            for line in response:
                event = json.loads(line)
                obj = event.get("object", {})
                if event.get("type") == "ERROR":  # e.g. 410 Gone: the version is too old
                    return ""
                version = obj.get("metadata", {}).get("resourceVersion", version)
                if event.get("type") in ("ADDED", "MODIFIED") and on_object(obj):
                    return ""
            return version
        except (OSError, http.client.HTTPException, ValueError):
            return ""
        finally:
            conn.close()


def _established(crd: dict) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (crd.get("status") or {}).get("conditions") or [])
