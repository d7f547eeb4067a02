"""components.kube registers every Kubernetes object as pulumi-kubernetes' typed class would: the engine gets
the same request (type token, name, parent, inputs, property dependencies, version, aliases, options), so
URNs, state and the provider's awaits and diffs do not change. The typed classes are the reference."""
from __future__ import annotations

import inspect
import json
import re

import pulumi
import pulumi_kubernetes as k8s
import pytest
from google.protobuf import json_format
from pulumi.runtime import mocks

from components import kube
from preview import engine
from tests.harness import run

# What the engine records of a registration, less where in the program it was made (the SDK's stack trace
# points into kube.py for the generic class and into the SDK for a typed one).
_WHERE = ("sourcePosition", "stackTrace")
# Callbacks (transforms) name a fresh token and the run's callback server: their number is compared.
_CALLBACK = re.compile(r'"target": "127.0.0.1:[0-9]+", "token": "[0-9a-f-]+"')


def _typed_apply(name, obj, opts=None):
    """The program's registration before KubeObject: the SDK's typed class, or its CustomResource."""
    cls = kube._typed_class(obj["apiVersion"], obj["kind"])
    fields = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}
    if cls is None:
        return k8s.apiextensions.CustomResource(name, api_version=obj["apiVersion"], kind=obj["kind"], opts=opts,
                                                **fields)
    return cls(name, opts=opts, **{kube._snake(k): v for k, v in fields.items()})


def _typed_remote(token, name, props, opts):
    cls = {"kubernetes:yaml/v2:ConfigFile": k8s.yaml.v2.ConfigFile,
           "kubernetes:kustomize/v2:Directory": k8s.kustomize.v2.Directory}[token]
    return cls(name, opts=opts, **props)


def _canonical(request) -> str:
    fields = json_format.MessageToDict(request)
    for key in _WHERE:
        fields.pop(key, None)
    # The SDK collects dependencies in sets: their order means nothing.
    fields["dependencies"] = sorted(fields.get("dependencies", []))
    for deps in fields.get("propertyDependencies", {}).values():
        deps["urns"] = sorted(deps.get("urns", []))
    return _CALLBACK.sub('"callback"', json.dumps(fields, sort_keys=True))


def _requests(monkeypatch, stack: str) -> list[str]:
    """Every RegisterResource request the program sends for `stack`, canonical, sorted."""
    seen: list[str] = []
    original = engine.RecordingMonitor.RegisterResource

    def record(self, request):
        seen.append(_canonical(request))
        return original(self, request)

    with monkeypatch.context() as m:
        m.setattr(engine.RecordingMonitor, "RegisterResource", record)
        run(stack)
    return sorted(seen)


@pytest.mark.parametrize("stack", ["dev", "external"])
def test_the_program_sends_the_engine_what_the_typed_classes_send(monkeypatch, stack):
    generic = _requests(monkeypatch, stack)
    monkeypatch.setattr(kube, "apply", _typed_apply)
    monkeypatch.setattr(kube, "remote", _typed_remote)
    typed = _requests(monkeypatch, stack)
    assert len(generic) == len(typed)
    assert [g for g in generic if g not in typed] == []
    assert any('"kubernetes:apps/v1:Deployment"' in g and '"kubernetes:apps/v1beta1:Deployment"' in g for g in generic)


# A value of the right shape for each field of the known kinds.
_SAMPLE = {"metadata": {"name": "x", "namespace": "ns", "labels": {"app": "x"}, "annotations": {"a_b": "c"}},
           "spec": {"selector": {"matchLabels": {"app": "x"}}, "ports": [{"port": 80}]},
           "data": {"key_1": "v"}, "binaryData": {"b": "AA=="}, "immutable": True,
           "automountServiceAccountToken": False, "imagePullSecrets": [{"name": "pull"}], "secrets": [{"name": "s"}],
           "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
           "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
           "subjects": [{"kind": "ServiceAccount", "name": "s", "namespace": "ns"}]}


def _register_alone(make) -> str:
    """The request one resource made by `make(opts)` sends, under a parent and with a dependency."""
    seen = []

    class Recorder(mocks.MockMonitor):
        def RegisterResource(self, request):
            if request.type.startswith("kubernetes:") and request.custom:
                seen.append(_canonical(request))
            return super().RegisterResource(request)

    echo = _Echo(outputs=False)  # the typed classes check output types; only the request matters here
    mocks.set_mocks(echo, monitor=Recorder(echo))

    @pulumi.runtime.test
    def register():
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        before = pulumi.CustomResource("test:index:Before", "before", {})
        make(pulumi.ResourceOptions(parent=parent, depends_on=[before]))

    register()
    return seen[0]


@pytest.mark.parametrize("token", sorted(kube.KINDS))
def test_each_known_kind_is_registered_as_its_typed_class_registers_it(token):
    group_version, kind = token.removeprefix("kubernetes:").rsplit(":", 1)
    obj = {"apiVersion": group_version.removeprefix("core/"), "kind": kind,
           **{f: _SAMPLE[f] for f in kube.KINDS[token][0]}, "status": {"ignored": True}}
    generic = _register_alone(lambda opts: kube.apply("obj", obj, opts))
    assert generic == _register_alone(lambda opts: _typed_apply("obj", obj, opts))
    assert f'"type": "{token}"' in generic


@pytest.mark.parametrize("token", sorted(kube.KINDS))
def test_each_known_kind_has_the_fields_of_its_typed_class(token):
    group_version, kind = token.removeprefix("kubernetes:").rsplit(":", 1)
    cls = kube._typed_class(group_version.removeprefix("core/"), kind)
    params = set(inspect.signature(cls._internal_init).parameters) - {
        "__self__", "resource_name", "opts", "__props__", "api_version", "kind"}
    fields, _ = kube.KINDS[token]
    assert {kube._snake(f) for f in fields} == params


def test_a_field_the_kind_does_not_have_is_refused_naming_it():
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "spec": {}}

    @pulumi.runtime.test
    def register():
        with pytest.raises(ValueError, match=r"'cm' \(ConfigMap\) has fields its kind does not: \['spec'\]"):
            kube.apply("cm", obj)

    pulumi.runtime.set_mocks(_Echo())
    register()


def test_type_tokens_put_the_core_group_in_and_keep_other_groups_whole():
    assert kube.type_token("v1", "Service") == "kubernetes:core/v1:Service"
    assert kube.type_token("rbac.authorization.k8s.io/v1", "Role") == "kubernetes:rbac.authorization.k8s.io/v1:Role"
    assert kube.type_token("example.com/v1", "FunctionType") == "kubernetes:example.com/v1:FunctionType"


class _Echo(pulumi.runtime.Mocks):
    def __init__(self, outputs: bool = True):
        self.outputs = outputs

    def new_resource(self, args):
        return f"{args.name}-id", args.inputs if self.outputs else {}

    def call(self, args):
        return {}
