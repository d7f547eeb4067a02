"""Install the stand-in plugins, at the versions the pinned PyPI packages ask for, into a PULUMI_HOME of
the twin's own (the toolchain's cache is never written): `pulumi plugin install resource NAME VERSION
--file LAUNCHER`, the launcher a shell script that runs this package with the venv's Python. (The real
kubernetes plugin is found on PATH, beside the CLI: twin.py.)"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from importlib import resources
from pathlib import Path

from e2e.toolchain import Toolchain

REPO = Path(__file__).resolve().parents[3]
PACKAGES = {"command": "pulumi_command", "docker-build": "pulumi_docker_build", "docker": "pulumi_docker"}


def wanted(name: str) -> str:
    """The plugin version the pinned package asks the engine for (its pulumi-plugin.json)."""
    return json.loads((resources.files(PACKAGES[name]) / "pulumi-plugin.json").read_text())["version"]


def install(chain: Toolchain, home: Path) -> dict[str, str]:
    """home/plugins holding the stand-ins; returns name -> version."""
    plugins = home / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    launchers, installed = home / "launchers", {}
    launchers.mkdir(exist_ok=True)
    env = {**os.environ, "PULUMI_HOME": str(home), "PULUMI_SKIP_UPDATE_CHECK": "true"}
    for name in PACKAGES:
        version = wanted(name)
        launcher = launchers / f"pulumi-resource-{name}"
        launcher.write_text(f"#!/bin/sh\n# STAND-IN plugin {name} {version} (e2e/kindhost/plugins)\n"
                            f"PYTHONPATH={shlex.quote(str(REPO))} exec {shlex.quote(sys.executable)} "
                            f"-m e2e.kindhost.plugins {shlex.quote(name)} \"$@\"\n")
        launcher.chmod(0o755)
        if not (plugins / f"resource-{name}-v{version}" / f"pulumi-resource-{name}").exists():
            done = subprocess.run([str(chain.tool("pulumi")), "plugin", "install", "resource", name, version,
                                   "--file", str(launcher)], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"failed to install the {name} stand-in: {(done.stderr or done.stdout).strip()}")
        installed[name] = version
    return installed
