"""What every stand-in plugin shares: the gRPC server the engine talks to, property values to and from the
wire (secrets kept, unknowns seen), and logging into the engine's output.

The engine starts `pulumi-resource-NAME <engine address>` and reads the port from its first line of
stdout (pulumi sdk/go/common/resource/plugin/plugin.go, newPlugin); then Handshake or Configure, and
Check/Diff/Create/Read/Update/Delete per resource (proto/pulumi/provider.proto).
"""
from __future__ import annotations

import sys
import threading
import traceback
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, Callable

import grpc
from google.protobuf import empty_pb2, struct_pb2
from google.protobuf import json_format
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, plugin_pb2, provider_pb2, provider_pb2_grpc

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class Unknown:
    """A value the engine does not know yet (preview)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN_VALUE = Unknown()


@dataclass
class Props:
    """A resource's properties: plain values, the top-level keys that held a secret anywhere inside."""

    values: dict[str, Any] = field(default_factory=dict)
    secret: set[str] = field(default_factory=set)

    def get(self, key: str, default: Any = None) -> Any:
        v = self.values.get(key, default)
        return default if v is None else v

    def unknown(self, *keys: str) -> bool:
        return any(_has_unknown(self.values.get(k)) for k in (keys or self.values))


def _has_unknown(v: Any) -> bool:
    if isinstance(v, Unknown):
        return True
    if isinstance(v, dict):
        return any(_has_unknown(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_unknown(x) for x in v)
    return False


def _plain(v: Any) -> tuple[Any, bool]:
    """(value without wire markers, whether a secret was inside)."""
    if v == UNKNOWN:
        return UNKNOWN_VALUE, False
    if isinstance(v, dict):
        if v.get(SIG) == SECRET_SIG:
            inner, _ = _plain(v.get("value"))
            return inner, True
        out, secret = {}, False
        for k, x in v.items():
            out[k], s = _plain(x)
            secret = secret or s
        return out, secret
    if isinstance(v, list):
        out, secret = [], False
        for x in v:
            y, s = _plain(x)
            out.append(y)
            secret = secret or s
        return out, secret
    return v, False


def read(struct: struct_pb2.Struct | None) -> Props:
    props = Props()
    if struct is None:
        return props
    for key, value in json_format.MessageToDict(struct).items():
        props.values[key], secret = _plain(value)
        if secret:
            props.secret.add(key)
    return props


def _wire(v: Any) -> Any:
    if isinstance(v, Unknown):
        return UNKNOWN
    if isinstance(v, dict):
        return {k: _wire(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_wire(x) for x in v]
    return v


def write(props: Props) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    data = {}
    for key, value in props.values.items():
        if value is None:
            continue
        data[key] = {SIG: SECRET_SIG, "value": _wire(value)} if key in props.secret else _wire(value)
    out.update(data)
    return out


class Engine:
    """The engine's log, as a provider writes to it (status lines are ephemeral, as InfoStatus is)."""

    def __init__(self, address: str | None):
        self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(address)) if address else None

    def log(self, urn: str, message: str, ephemeral: bool = True, severity=engine_pb2.INFO) -> None:
        if self._stub is None:
            return
        try:
            self._stub.Log(engine_pb2.LogRequest(severity=severity, message=message, urn=urn, ephemeral=ephemeral))
        except grpc.RpcError:
            pass  # the engine is going away; the step's result still reaches it


class ResourceError(Exception):
    """A failed step: the engine shows the message as the resource's error."""


class Resource:
    """One resource type of a stand-in: check, diff, create, read, update, delete over Props."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def check(self, olds: Props, news: Props) -> tuple[Props, list[tuple[str, str]]]:
        return news, []

    def diff(self, id_: str, olds: Props, news: Props, old_inputs: Props) -> provider_pb2.DiffResponse:
        raise NotImplementedError

    def create(self, urn: str, news: Props, preview: bool) -> tuple[str, Props]:
        raise NotImplementedError

    def read(self, urn: str, id_: str, state: Props, inputs: Props) -> tuple[str, Props, Props]:
        return id_, state, inputs

    def update(self, urn: str, id_: str, olds: Props, news: Props, preview: bool) -> Props:
        raise NotImplementedError

    def delete(self, urn: str, id_: str, state: Props) -> None:
        return None


class Servicer(provider_pb2_grpc.ResourceProviderServicer):
    """Dispatches by type token to the stand-in's resources; provider config is accepted and unused."""

    def __init__(self, name: str, version: str, resources: dict[str, Callable[[Engine], Resource]], engine: Engine):
        self.name, self.version = name, version
        self.resources = {token: make(engine) for token, make in resources.items()}

    def _resource(self, type_: str, urn: str, context) -> Resource:
        token = type_ or urn.split("::")[-2].split("$")[-1]
        if token not in self.resources:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"the {self.name} stand-in has no resource {token}")
        return self.resources[token]

    def Handshake(self, request, context):
        return provider_pb2.ProviderHandshakeResponse(accept_secrets=True, accept_resources=False, accept_outputs=False)

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=self.version)

    def GetSchema(self, request, context):
        # Only the SDK needs the schema (it is generated into the pinned package); the engine does not ask
        # for it on preview/up/refresh/destroy. A minimal one keeps any other caller informed.
        return provider_pb2.GetSchemaResponse(schema=f'{{"name": "{self.name}", "version": "{self.version}"}}')

    def CheckConfig(self, request, context):
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request, context):
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    def Configure(self, request, context):
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True, acceptResources=False,
                                              acceptOutputs=False)

    def Cancel(self, request, context):
        return empty_pb2.Empty()

    def Check(self, request, context):
        res = self._resource(request.type, request.urn, context)
        inputs, failures = _call(context, lambda: res.check(read(request.olds), read(request.news)))
        return provider_pb2.CheckResponse(inputs=write(inputs), failures=[
            provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures])

    def Diff(self, request, context):
        res = self._resource(request.type, request.urn, context)
        return _call(context, lambda: res.diff(request.id, read(request.olds), read(request.news),
                                                read(request.old_inputs)))

    def Create(self, request, context):
        res = self._resource(request.type, request.urn, context)
        id_, outs = _call(context, lambda: res.create(request.urn, read(request.properties), request.preview))
        return provider_pb2.CreateResponse(id=id_, properties=write(outs))

    def Read(self, request, context):
        res = self._resource(request.type, request.urn, context)
        id_, outs, inputs = _call(context, lambda: res.read(request.urn, request.id, read(request.properties),
                                                            read(request.inputs)))
        return provider_pb2.ReadResponse(id=id_, properties=write(outs) if id_ else None,
                                         inputs=write(inputs) if id_ else None)

    def Update(self, request, context):
        res = self._resource(request.type, request.urn, context)
        outs = _call(context, lambda: res.update(request.urn, request.id, read(request.olds), read(request.news),
                                                 request.preview))
        return provider_pb2.UpdateResponse(properties=write(outs))

    def Delete(self, request, context):
        res = self._resource(request.type, request.urn, context)
        _call(context, lambda: res.delete(request.urn, request.id, read(request.properties)))
        return empty_pb2.Empty()


def _call(context, step):
    try:
        return step()
    except ResourceError as err:
        context.abort(grpc.StatusCode.UNKNOWN, str(err))
    except Exception:  # noqa: BLE001 - a stand-in bug: its traceback is the engine's error
        context.abort(grpc.StatusCode.UNKNOWN, traceback.format_exc())


def serve(name: str, version: str, resources: dict[str, Callable[[Engine], Resource]], argv: list[str]) -> None:
    """Serve on 127.0.0.1, print the port (the engine reads it), run until the engine kills the process."""
    engine = Engine(next((a for a in argv if not a.startswith("-")), None))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(Servicer(name, version, resources, engine), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    threading.Event().wait()
