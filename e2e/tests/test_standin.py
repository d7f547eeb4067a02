"""The controller STAND-IN (e2e/standin.py) against the simulated cluster: statuses set as controller
v1.1.0 sets them, for objects made before and after the stand-in starts and before their CRD exists."""
from __future__ import annotations

import json
import time

import pytest

from e2e.simcluster.cluster import Cluster
from e2e.standin import GROUP, ControllerStandIn

CRD_DIR = "src/whitebox-k8s-flowctrl/config/crd/bases"


@pytest.fixture(scope="module")
def cluster(toolchain, tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("standin") / "state", ("node-a",))
    try:
        c.up(toolchain, say=lambda _: None)
        yield c
    finally:
        c.down(say=lambda _: None)


def _crd(plural: str, kind: str) -> dict:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                     "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"},
                     "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                                   "schema": {"openAPIV3Schema": {"type": "object",
                                                                  "x-kubernetes-preserve-unknown-fields": True}}}]}}


def _await_status(api, path: str, deadline: float) -> str:
    while time.monotonic() < deadline:  # the stand-in answers watch events; this only reads the result
        status = (api.get(path).get("status") or {}).get("status")
        if status:
            return status
        time.sleep(0.2)
    return ""


def test_types_and_chains_get_the_status_controller_v110_gives(cluster):
    api = cluster.api()
    with ControllerStandIn(api) as standin:
        for plural, kind in (("functiontypes", "FunctionType"), ("functionchains", "FunctionChain")):
            assert api.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", _crd(plural, kind))[0] == 201
        api.request("POST", "/api/v1/namespaces/default/configmaps", {
            "metadata": {"name": "funcinfo-ok"}, "data": {"deployableItems": json.dumps([{"regionType": "cpu"}])}})
        api.request("POST", "/api/v1/namespaces/default/configmaps", {
            "metadata": {"name": "funcinfo-none"}, "data": {"deployableItems": "[]"}})
        for name, cm in (("ok", "funcinfo-ok"), ("none", "funcinfo-none")):
            body = {"apiVersion": "example.com/v1", "kind": "FunctionType", "metadata": {"name": name},
                    "spec": {"functionName": name, "version": "1.0.0",
                             "functionInfoCMRef": {"name": cm, "namespace": "default"}}}
            for _ in range(50):  # the CRD is served a moment after it is created
                if api.request("POST", f"{GROUP}/namespaces/default/functiontypes", body)[0] == 201:
                    break
                time.sleep(0.2)
        deadline = time.monotonic() + 30
        assert _await_status(api, f"{GROUP}/namespaces/default/functiontypes/ok", deadline) == "Ready", standin.errors
        assert api.get(f"{GROUP}/namespaces/default/functiontypes/ok")["status"]["regionTypeCandidates"] == ["cpu"]
        assert _await_status(api, f"{GROUP}/namespaces/default/functiontypes/none", deadline) == "Error"
        for name, fn in (("good", "ok"), ("bad", "none")):
            api.request("POST", f"{GROUP}/namespaces/default/functionchains", {
                "apiVersion": "example.com/v1", "kind": "FunctionChain", "metadata": {"name": name},
                "spec": {"functionTypeNamespace": "default", "functions": {"f": {"functionName": fn, "version": "1.0.0"}}}})
        assert _await_status(api, f"{GROUP}/namespaces/default/functionchains/good", deadline) == "Ready"
        assert _await_status(api, f"{GROUP}/namespaces/default/functionchains/bad", deadline) == "Error"
    assert standin.errors == []


class _NoStatusSubresource:
    """An API whose objects exist but whose /status answers 404: a CRD without the status subresource."""

    def __init__(self, exists: bool) -> None:
        self.exists = exists

    def request(self, method: str, path: str, *args):
        if method == "PATCH":
            return 404, {"reason": "NotFound"}
        return (200, {}) if self.exists else (404, {})


def test_a_status_404_for_an_object_that_exists_is_an_error_naming_the_missing_subresource():
    standin = ControllerStandIn(_NoStatusSubresource(exists=True))
    standin._set_status({"metadata": {"name": "t", "namespace": "ns"}}, "functiontypes", {"status": "Ready"})
    assert len(standin.errors) == 1 and "no status subresource" in standin.errors[0]


def test_a_status_404_for_an_object_deleted_meanwhile_is_no_error():
    standin = ControllerStandIn(_NoStatusSubresource(exists=False))
    standin._set_status({"metadata": {"name": "t", "namespace": "ns"}}, "functiontypes", {"status": "Ready"})
    assert standin.errors == []
