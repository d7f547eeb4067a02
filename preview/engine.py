"""Runs __main__.py under the Pulumi SDK's mock engine and records every registration.

The one mock-engine set-up of the project: the preview and every test that runs the program or a component
under mocks use `install` (or `run_program`), through the SDK's public API only: `reset_options`,
`set_mocks` with a monitor of our own (a `MockMonitor`, as `set_mocks` takes one) and `Mocks`."""
from __future__ import annotations

import gc
import logging
import os
import runpy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import pulumi
import yaml
from google.protobuf import json_format
from pulumi.runtime.mocks import MockMonitor

from facts.shared import PROJECT_DIR
from host import sources
from settings import pulumi_config
from settings.schema import PROJECT
from settings.stackfile import SECRET_PLACEHOLDER, load_stack_config
SECRET_SIG = "4dabf18193072939515e22adb298388d"


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    dependencies: list[str]
    inputs: dict[str, Any]
    deleted_with: str = ""  # URN; also when inherited from the parent, as the engine does
    replace_with: tuple[str, ...] = ()  # URNs
    delete_before_replace: bool = False
    # (name, parent URN) of each alias the resource declares; (URN, "") for an alias given as a whole URN
    aliases: tuple[tuple[str, str], ...] = ()


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, keeping every registration (parents, dependencies and options too, which
    `Mocks.new_resource` does not see)."""

    def __init__(self, m: pulumi.runtime.Mocks):
        super().__init__(m)
        self.registrations: list[Registration] = []
        self._deleted_with: dict[str, str] = {}  # URN -> effective deletedWith

    def RegisterResource(self, request):
        resp = super().RegisterResource(request)
        # The engine gives a resource its parent's deletedWith when it has none (inheritFromParent in
        # pulumi pkg/resource/deploy/source_eval.go, pulumi#12572); the SDK sends only the resource's own.
        deleted_with = request.deletedWith or self._deleted_with.get(request.parent, "")
        self._deleted_with[resp.urn] = deleted_with
        if request.type != "pulumi:pulumi:Stack":
            inputs = _plain(json_format.MessageToDict(request.object))
            self.registrations.append(Registration(
                urn=resp.urn, type=request.type, name=request.name, custom=request.custom,
                parent=request.parent, dependencies=list(request.dependencies), inputs=inputs,
                deleted_with=deleted_with, replace_with=tuple(request.replace_with),
                delete_before_replace=request.deleteBeforeReplace,
                aliases=tuple((a.spec.name, a.spec.parentUrn) if a.HasField("spec") else (a.urn, "")
                              for a in request.aliases)))
        return resp


def _plain(value: Any) -> Any:
    """Wire values to plain data: secrets hidden, resource references by URN."""
    if isinstance(value, dict):
        if SECRET_SIG in value:
            sig = value[SECRET_SIG]
            if sig == "1b47061264138c4ac30d75fd1eb44270":
                return SECRET_PLACEHOLDER
            if sig == "5cf8f73096256a8f31e491e813e4eb8e":
                return {"$ref": value.get("urn")}
            if sig == "d0e6a833031e9bbcd3f4e8bde6ca49a4":
                return _plain(value.get("value")) if not value.get("secret") else SECRET_PLACEHOLDER
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class ProgramMocks(pulumi.runtime.Mocks):
    """Echo inputs; fill in the few outputs later resources read. Kubernetes objects get none: the program
    reads none of theirs, and echoing every manifest back through the SDK was a tenth of a preview. Tests
    subclass it to answer a call or to keep each resource's MockResourceArgs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ.startswith("kubernetes:") and args.custom:
            return f"{args.name}-id", {}
        outs = dict(args.inputs)
        if args.typ == "command:local:Command":
            outs.setdefault("stdout", "apiVersion: v1\nkind: Config\n" if "kubeconfig" in args.name else "")
            outs.setdefault("stderr", "")
        elif args.typ == "docker-build:index:Image":
            tags = args.inputs.get("tags") or [args.name]
            outs.update(ref=f"{tags[0]}@sha256:{'0' * 64}", digest=f"sha256:{'0' * 64}")
        elif args.typ == "harbor:index/robotAccount:RobotAccount":
            # Harbor names project robots robot$<project>+<name> and makes up their secret.
            project = args.inputs["permissions"][0]["namespace"]
            outs.update(fullName=f"robot${project}+{args.inputs['name']}", secret="robot-secret")
        return f"{args.name}-id", outs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


@dataclass
class PreviewResult:
    registrations: list[Registration]
    outputs: dict[str, Any]
    warnings: list[str]

    def by_type(self, suffix: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == suffix or r.type.endswith(suffix)]

    def named(self, name: str) -> Registration:
        return next(r for r in self.registrations if r.name == name)


def install(project: str = PROJECT, stack: str = "test", mocks: Optional[pulumi.runtime.Mocks] = None,
            logger: Optional[logging.Logger] = None) -> RecordingMonitor:
    """Point the SDK at its mock engine, with a fresh root stack and no config; returns the recording monitor.
    Whatever an earlier program or test installed is replaced."""
    pulumi.runtime.reset_options(project=project, stack=stack)  # also forgets the previous root stack
    monitor = RecordingMonitor(mocks or ProgramMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor,
                             logger=logger)
    pulumi.runtime.set_all_config({}, secret_keys=[])
    return monitor


def run_under_mocks(program: Callable[[], Any], stack: str = "test",
                    mocks: Optional[pulumi.runtime.Mocks] = None) -> RecordingMonitor:
    """Run `program()` (components, resources) under a freshly installed mock engine until every output
    resolves; returns the monitor with its registrations."""
    monitor = install(PROJECT, stack, mocks)
    pulumi.runtime.test(program)()
    return monitor


def run_program(stack: str = "dev", config_file: Optional[Path] = None, overrides: Optional[dict] = None,
                strict: bool = False, fetch: bool = False,
                mocks: Optional[pulumi.runtime.Mocks] = None) -> PreviewResult:
    """Run __main__.py like `pulumi up` would, against mocks (`ProgramMocks` unless given). SettingsError
    propagates.

    Unless `strict`, files that only the kind-host has are reported as warnings, not errors. Upstream
    material is taken from the paths given or the cache; only with `fetch` is missing material fetched.
    """
    project, config, secret_keys = load_stack_config(stack, config_file, overrides)
    # Warnings reach the caller through PreviewResult.warnings; the engine log keeps only errors.
    log = logging.getLogger("openkasugai-aio.preview")
    log.setLevel(logging.ERROR)
    monitor = install(project, stack, mocks, logger=log)
    pulumi.runtime.set_all_config(config, secret_keys=secret_keys)
    outputs: dict[str, Any] = {}
    warnings: list[str] = []
    env_backup = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("PULUMI_CONFIG")}
    if not strict:
        os.environ[pulumi_config.OFFLINE_ENV] = "1"
    fetch_backup = os.environ.get(sources.FETCH_ENV)
    os.environ[sources.FETCH_ENV] = "1" if fetch else "0"

    @pulumi.runtime.test
    def _run():
        old = os.getcwd()
        os.chdir(PROJECT_DIR)
        sys.path.insert(0, str(PROJECT_DIR))
        try:
            runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__")
            warnings.extend(pulumi_config.LAST_WARNINGS)
        finally:
            sys.path.remove(str(PROJECT_DIR))
            os.chdir(old)
        root = pulumi.runtime.get_root_resource()
        exported = getattr(root, "outputs", None) or {}
        return pulumi.Output.all(**exported).apply(outputs.update) if exported else None

    # The run allocates a few hundred thousand short-lived objects (protobuf messages, futures, dicts) in one
    # burst, and the cyclic collector's passes over them and over the SDK's modules were about a tenth of a
    # preview's time; nothing of the run but its result outlives it, so collection waits until it is over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _run()
    finally:
        if collecting:
            gc.enable()
        os.environ.pop(pulumi_config.OFFLINE_ENV, None)
        os.environ.pop(sources.FETCH_ENV, None)
        if fetch_backup is not None:
            os.environ[sources.FETCH_ENV] = fetch_backup
        os.environ.update(env_backup)
    return PreviewResult(monitor.registrations, outputs, warnings)
