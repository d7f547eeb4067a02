"""The kind-host twin: a copy of the dev stack on a fake root, veth PFs, Docker containers for nodes and
simulated control planes, driven through the real engine with the stand-in plugins and host tools.

Twin.open() makes the fake root, the PFs, the tools, the plugins and the stack; Twin.host() is what the
steps compare (the fake root, where the PF/VF stand-ins are, the twin's containers, this stack's claims);
Twin.close() removes everything the twin made, whatever happened.
"""
from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from pulumi import automation as auto

from e2e.engine import REPO, inline_stack
from e2e.kindhost import bundles, fakeroot, pfs, rootfs, state
from e2e.kindhost.plugins.install import install
from e2e.kindhost.tools import kind as kind_tool
from e2e.toolchain import Toolchain
from facts.function_catalog import FUNCTION_IMAGES
from facts.shared import CLAIMS_DIR
from renderers.platform import manifests as addons
from tests.host_files import write_nvidia_run

PROJECT, STACK = "openkasugai-aio", "twin"
NS = f"{PROJECT}:"


def dev_config() -> dict[str, Any]:
    """Pulumi.dev.yaml's config, the keys without the project prefix."""
    raw = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())["config"]
    return {k[len(NS):]: v for k, v in raw.items() if k.startswith(NS)}


def _real_docker() -> str:
    found = shutil.which("docker")
    if not found:
        raise RuntimeError("the kind-host twin needs the Docker CLI on PATH")
    return found


@dataclass
class Twin:
    chain: Toolchain
    work: Path
    reference: Path
    bundle_cache: Path
    config: dict[str, Any] = field(default_factory=dict)
    pins: tuple = ()
    plugins: dict[str, str] = field(default_factory=dict)
    kind_network: bool = True  # whether Docker had a `kind` network before the twin
    pfs: Any = None

    @property
    def root(self) -> Path:
        return self.work / "root"

    @property
    def claims(self) -> Path:
        """hostClaimsDir: the host's claims folder of the fake root (claims.host_folder), so no folder outside
        it is indexed; never the machine's /var/lib/openkasugai-aio."""
        return self.root / CLAIMS_DIR.lstrip("/")

    @property
    def state(self) -> Path:
        return self.work / "state"

    def open(self) -> "Twin":
        shutil.rmtree(self.work, ignore_errors=True)
        for folder in (self.state, self.work / "bin", self.work / "kube"):
            folder.mkdir(parents=True, exist_ok=True)
        self.kind_network = subprocess.run(["docker", "network", "inspect", "kind"], capture_output=True).returncode == 0
        fakeroot.make(self.root, hugepages=0)
        dev = dev_config()
        self.pfs = pfs.Pfs(self.root)
        for i, worker in enumerate(w for w in dev["workers"] if w.get("sriov")):
            self.pfs.add(i, worker["sriov"]["pf"], int(worker["sriov"]["vfs"]))
        self._tools()
        self.plugins = install(self.chain, self.work / "pulumi-home")
        folder, self.pins = bundles.folder(self.bundle_cache, self.work / "addons", self.reference)
        self.config = {**{k: v for k, v in dev.items() if k not in ("registry",)}, **self._sources(folder)}
        return self

    def _tools(self) -> None:
        bin_ = self.work / "bin"
        launcher = f"#!/bin/sh\nPYTHONPATH={REPO} exec {sys.executable} -m e2e.kindhost.tools.kind \"$@\"\n"
        (bin_ / "kind").write_text(launcher)
        template = (Path(__file__).parent / "tools/docker.sh.in").read_text()
        (bin_ / "docker").write_text(template.replace("@REAL@", _real_docker()).replace("@REPO@", str(REPO))
                                     .replace("@PYTHON@", sys.executable))
        for tool in ("kind", "docker"):
            (bin_ / tool).chmod(0o755)

    def _sources(self, addon_folder: Path) -> dict[str, Any]:
        """Paths on this machine for the keys the dev stack leaves to a kind-host (all absolute)."""
        kind = self.work / "sources/kind"  # STAND-IN kind checkout: images/base as the base build reads it
        (kind / "images/base/files").mkdir(parents=True, exist_ok=True)
        (kind / "images/base/Dockerfile").write_text("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG GO_VERSION\n"
                                                    "COPY files/ /\n")
        (kind / "images/base/files/README").write_text("stand-in for kind v0.24.0 images/base\n")
        (kind / ".go-version").write_text("1.22.6\n")
        # The dev stack's layout: work/NVIDIA-...run beside work/DATA/video (up builds the GPU image from a
        # cache folder holding only the driver, host/sources/driver.py).
        driver = self.work / "host-work/NVIDIA-Linux-x86_64-550.90.12.run"
        (driver.parent / "DATA/video").mkdir(parents=True, exist_ok=True)
        write_nvidia_run(driver)  # the installer's stub header (settings check it), no payload: never run
        return {"hostRoot": str(self.root), "hostClaimsDir": str(self.claims), "kindSource": str(kind),
                "gpuDriverFile": str(driver),
                "videoDir": str(driver.parent / "DATA/video"),
                "controllerCheckout": str(self._controller()), "addonManifests": str(addon_folder),
                "sourceCache": str(self.work / "cache")}

    def _controller(self) -> Path:
        """The controller v1.1.0 data (the reference's YAML) with STAND-IN function Dockerfiles (the reference
        holds no Dockerfile; the builds only need the files to exist and their FROM lines)."""
        dest = self.work / "controller"
        shutil.copytree(self.reference / "openkasugai-controller", dest)
        for image in FUNCTION_IMAGES.values():
            path = dest / image.context / image.dockerfile
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"FROM {image.base_ref or 'ubuntu:22.04'}\n")
        return dest

    def env(self) -> dict[str, str]:
        """The engine's environment: the twin's plugins and tools first, no sbin folder on PATH (no host
        module tool is reachable even by mistake), the twin's state for the stand-ins."""
        system = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and not p.rstrip("/").endswith("sbin")]
        return {"PULUMI_HOME": str(self.work / "pulumi-home"),
                "PATH": os.pathsep.join([str(self.work / "bin"), str(self.work / "cli/bin"), *system]),
                state.ENV: str(self.state), kind_tool.TOOLCHAIN_ENV: str(self.chain.home),
                kind_tool.ROOT_ENV: str(self.root), kind_tool.NODE_SRCVERSION: fakeroot.SRCVERSION,
                "KUBECONFIG": str(self.work / "kube/config"), "OPENKASUGAI_AIO_CACHE": str(self.work / "cache")}

    def _cli(self) -> Toolchain:
        """The toolchain's CLI in a folder of its own: the CLI puts its own folder first on the plugins' PATH,
        and the toolchain's holds the real kind. With it the real kubernetes plugin, which the engine finds
        on PATH (at 4.25.0, the one the proxy serves: e2e/toolchain/items.py). Hard links, or copies."""
        cli = Toolchain(self.work / "cli")
        cli.bin.mkdir(parents=True, exist_ok=True)
        for name in ("pulumi", "pulumi-language-python-exec", "pulumi-resource-pulumi-python",
                     "pulumi-resource-kubernetes"):
            if not (cli.bin / name).exists():
                try:
                    os.link(self.chain.tool(name), cli.bin / name)
                except OSError:
                    shutil.copy2(self.chain.tool(name), cli.bin / name)
        return cli

    def stack(self) -> auto.Stack:
        config = {f"{NS}{k}": v for k, v in self.config.items()}
        config["pulumi:disable-default-providers"] = ["kubernetes"]
        return inline_stack(self._cli(), self.work / "engine", PROJECT, STACK, self._program, config, env=self.env())

    def _program(self) -> None:
        # The program reads its host through hostRoot; the bundles the machine cannot have are pinned as the twin has them.
        with mock.patch.object(addons, "BUNDLES", self.pins):
            runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")

    def faults(self, **faults: str) -> None:
        state.set_faults(self.state, faults)

    # -- what the steps compare ---------------------------------------------------------------------
    def host(self) -> dict[str, Any]:
        tree = {p: v for p, v in fakeroot.snapshot(self.root).items() if not p.startswith(CLAIMS_DIR.lstrip("/"))}
        # A kernel attribute is its value (sysfs reads end in a newline, writes need none); /proc/modules is a
        # set of modules with their use counts and users, whatever order they were loaded in.
        tree = {p: v.strip() if p.startswith(("sys/", "proc/")) else v for p, v in tree.items()}
        tree["proc/modules"] = "\n".join(sorted(
            " ".join(f[:3] + [",".join(sorted(u for u in f[3].split(",") if u)) or "-"] + f[4:])
            for f in (line.split() for line in tree.get("proc/modules", "").splitlines()) if len(f) >= 5))
        claims_file = self.claims / "claims.json"
        held = json.loads(claims_file.read_text()) if claims_file.exists() else {}
        containers = subprocess.run(["docker", "ps", "-a", "--filter", f"label={rootfs.LABEL}=1", "--format",
                                     "{{.Names}}"], capture_output=True, text=True).stdout.split()
        return {"tree": tree, "pfs_in_host": self.pfs.in_host(), "numvfs": self.pfs.numvfs(),
                "claims": sorted(k for k, v in held.items() if v.get("stack") == STACK),
                "containers": sorted(containers)}

    def close(self) -> None:
        """Everything the twin made: its clusters, containers, images, PF stand-ins (state stays for logs)."""
        env = {**os.environ, **self.env()}
        clusters = self.state / "clusters.json"
        for name in json.loads(clusters.read_text()) if clusters.exists() else {}:  # left by a failed step
            subprocess.run(["kind", "delete", "cluster", "--name", name], env=env, capture_output=True)
        made = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={rootfs.LABEL}=1"], capture_output=True,
                              text=True).stdout.split()
        if made:
            subprocess.run(["docker", "rm", "-f", *made], capture_output=True)
        images = subprocess.run(["docker", "images", "-q", "--filter", f"label={rootfs.LABEL}=1"], capture_output=True,
                                text=True).stdout.split()
        if images:
            subprocess.run(["docker", "rmi", "-f", *sorted(set(images))], capture_output=True)
        if not self.kind_network:  # the program made it (its kind config needs kindNetworkSubnet); kind keeps it
            subprocess.run(["docker", "network", "rm", "kind"], capture_output=True)
        if self.pfs:
            self.pfs.cleanup()
