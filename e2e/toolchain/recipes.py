"""How each kind of item is built and checked (see items.py for the kinds)."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

from e2e.toolchain import MODULES, Toolchain, ToolchainError, cache_root

# -s -w: no symbol tables (smaller, faster link); CGO off: no C toolchain needed, static binaries.
_BASE_LDFLAGS = ("-s", "-w")


class Builder:
    def __init__(self, chain: Toolchain) -> None:
        self.chain = chain
        self.env = {
            **os.environ,
            "GOTOOLCHAIN": "local",
            "CGO_ENABLED": "0",
            "GOFLAGS": "-mod=readonly -buildvcs=false",
            "GOCACHE": str(cache_root() / "go-build"),
            "PULUMI_HOME": str(chain.pulumi_home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }

    def _run(self, argv: list[str], cwd: Path, what: str) -> str:
        try:
            done = subprocess.run(argv, cwd=cwd, env=self.env, capture_output=True, text=True)
        except OSError as err:
            raise ToolchainError(f"failed to {what}: {err}") from err
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise ToolchainError(f"failed to {what}: {argv[0]} exited {done.returncode}:\n{tail}")
        return done.stdout

    def _module_dir(self, module_folder: str, path: str) -> Path:
        out = self._run(["go", "mod", "download", "-json", path], MODULES / module_folder,
                        f"download {path}")
        return Path(json.loads(out)["Dir"])

    def _go_build(self, item, cwd: Path) -> None:
        self.chain.bin.mkdir(parents=True, exist_ok=True)
        argv = ["go", "build", "-trimpath", "-o", str(self.chain.bin / item.outputs[0]),
                "-ldflags", " ".join(_BASE_LDFLAGS + item.ldflags)]
        if item.tags:
            argv += ["-tags", item.tags]
        self._run(argv + [item.package], cwd, f"build {item.name} {item.version}")

    def build(self, item) -> None:
        getattr(self, "_build_" + item.kind.replace("-", "_"))(item)

    def _build_go(self, item) -> None:
        self._go_build(item, MODULES / item.module)

    def _dest(self, item) -> Path:
        return self.chain.home / item.extra.get("dest", "bin")

    def _build_files(self, item) -> None:
        """Files shipped inside a module zip (module-cache files are read-only and have no exec bit)."""
        source = self._module_dir(item.module, f"{item.extra['module']}@{item.version}")
        dest = self._dest(item)
        dest.mkdir(parents=True, exist_ok=True)
        for name, rel in item.extra["files"].items():
            shutil.copyfile(source / rel, dest / name)
            (dest / name).chmod(0o755 if dest == self.chain.bin else 0o644)

    def _build_go_generated(self, item) -> None:
        """Copy the module out of the read-only module cache, write what `go generate` would, build."""
        work = self.chain.home / "work" / item.module
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(MODULES / item.module, work)
        required = self._run(["go", "list", "-m", "-f", "{{.Version}}", item.extra["module"]],
                             work, f"resolve {item.extra['module']}").strip()
        source = self._module_dir(item.module, f"{item.extra['module']}@{required}")
        shutil.copytree(source, work / "src")
        for path in (work / "src").rglob("*"):
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
        _write_kubernetes_embeds(work / "src" / item.extra["generate_dir"], item.version)
        self._run(["go", "mod", "edit", "-replace", f"{item.extra['module']}=./src"], work,
                  f"point {item.module} at its copy")
        self._go_build(item, work)
        shutil.rmtree(work)

    def _build_plugin(self, item) -> None:
        binary = self.chain.bin / item.extra["binary"]
        self._run([str(self.chain.bin / "pulumi"), "plugin", "install", "resource", item.extra["plugin"],
                   item.version, "--file", str(binary)], self.chain.home,
                  f"install plugin {item.extra['plugin']} {item.version}")

    def verify(self, item) -> None:
        dest = self._dest(item)
        for name in item.outputs:
            path = dest / name
            if not (path.is_file() and (dest != self.chain.bin or os.access(path, os.X_OK))):
                raise ToolchainError(f"{item.name} {item.version}: {path} is missing or not executable")
        if item.version_args:
            out = self._run([str(self.chain.bin / item.outputs[0]), *item.version_args], self.chain.home,
                            f"run {item.outputs[0]} {' '.join(item.version_args)}")
            if item.version.lstrip("v") not in out:
                raise ToolchainError(f"{item.outputs[0]} reports {out.strip()!r}, expected {item.version}")
        if item.kind == "plugin":
            listed = json.loads(self._run([str(self.chain.bin / "pulumi"), "plugin", "ls", "--json"],
                                          self.chain.home, "list installed plugins"))
            if not any(p.get("name") == item.extra["plugin"] and p.get("version") == item.version
                       for p in listed):
                raise ToolchainError(f"plugin {item.extra['plugin']} {item.version} is not installed in "
                                     f"{self.chain.pulumi_home}")


def _write_kubernetes_embeds(folder: Path, version: str) -> None:
    """What upstream's generate.go does: the schema with its version set, both files compacted."""
    schema = json.loads((folder / "schema.json").read_text())
    schema["version"] = version
    (folder / "schema-embed.json").write_text(json.dumps(schema, separators=(",", ":")))
    mapping = json.loads((folder / "terraform-mapping.json").read_text())
    (folder / "terraform-mapping-embed.json").write_text(json.dumps(mapping, separators=(",", ":")))
