"""A user's shell for the real `pulumi` CLI: a scratch copy of this repository (its own Pulumi.yaml, the
README's `venv`), a HOME of its own (state under ~/.pulumi after `pulumi login --local`, the plugins
the e2e toolchain built), a passphrase, and `pulumi` on PATH.

That `pulumi` is the toolchain's CLI behind one STAND-IN step (e2e/cli/shim.py): for a command that
runs the program it first starts e2e/cli/launcher.py, which serves the language runtime that
`pulumi-language-python` would (not buildable here), and passes `--client=127.0.0.1:PORT`. Every
other argument, the project and stack files, config validation and decryption are the CLI's own.
"""
from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from e2e.engine import PASSPHRASE, REPO, diagnostics
from e2e.toolchain import Toolchain

PROGRAM_COMMANDS = ("preview", "up", "update", "refresh", "destroy")  # what runs the program
REAL_CLI_ENV = "OPENKASUGAI_E2E_REAL_PULUMI"


class CliError(Exception):
    """A CLI command failed (its output tail attached) or was stopped."""


@dataclass
class Run:
    argv: list[str]
    rc: int
    output: str
    seconds: float


@dataclass
class Session:
    chain: Toolchain
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    namespace: Optional[subprocess.Popen] = None  # holds the private mount namespace of a local login
    made_dot_pulumi: Optional[Path] = None

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def dot_pulumi(self) -> Path:
        return self.root / "dot-pulumi"

    @classmethod
    def create(cls, chain: Toolchain, root: Path, user: Optional[str] = "developer",
               plugin_dirs: tuple[Path, ...] = (), local_login: bool = False) -> "Session":
        """A clean session; `user` is $USER (None: unset, as for root in a container).

        `local_login`: the session may run `pulumi login --local`, whose state goes to the login's home
        from the password database (not $HOME). Its commands then run in a private mount namespace in
        which that ~/.pulumi is this session's folder, so the machine's own stacks are never touched."""
        shutil.rmtree(root, ignore_errors=True)
        session = cls(chain, root)
        copy_repository(session.project)
        (session.project / "venv").symlink_to(Path(sys.prefix))  # the README's set-up, done once
        plugins = session.dot_pulumi / "plugins"
        plugins.mkdir(parents=True)
        session.home.mkdir()
        for folder in (chain.pulumi_home / "plugins", *plugin_dirs):
            for plugin in sorted(folder.glob("resource-*")) if folder.is_dir() else ():
                (plugins / plugin.name).symlink_to(plugin)
        bin_dir = session.root / "bin"
        bin_dir.mkdir()
        shim = bin_dir / "pulumi"
        shim.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(REPO))} exec {shlex.quote(sys.executable)} "
                        f"-m e2e.cli.shim \"$@\"\n")
        shim.chmod(0o755)
        base = {k: v for k, v in os.environ.items()
                if k in ("LANG", "LC_ALL", "TERM", "TMPDIR", "SHELL") or k.startswith("OPENKASUGAI_AIO_")}
        session.env = {
            **base,
            "HOME": str(session.home),
            "PATH": os.pathsep.join((str(bin_dir), str(chain.bin), "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                     "/usr/bin:/sbin:/bin")),
            REAL_CLI_ENV: str(chain.tool("pulumi")),
            # What a user's terminal answers: the passphrase prompt. Nothing reaches the network.
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        }
        if user is not None:
            session.env["USER"] = user
        if local_login:
            session._private_login_home()
        else:
            session.env["PULUMI_HOME"] = str(session.dot_pulumi)
        return session

    def _private_login_home(self) -> None:
        home = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".pulumi"
        if not home.exists():
            home.mkdir()
            self.made_dot_pulumi = home
        self.namespace = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sleep", "infinity"])
        mine = os.readlink("/proc/self/ns/mnt")
        for _ in range(100):
            if os.readlink(f"/proc/{self.namespace.pid}/ns/mnt") != mine:
                break
            time.sleep(0.05)
        done = subprocess.run([*self._enter(), "mount", "--bind", str(self.dot_pulumi), str(home)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            self.close()
            raise CliError(f"failed to keep `pulumi login --local` off {home}: mount --bind in a private "
                           f"mount namespace: {done.stderr.strip()} (the README test runs as root)")

    def _enter(self) -> list[str]:
        # Entering a mount namespace moves to its root: --wd keeps the project folder.
        return (["nsenter", f"--mount=/proc/{self.namespace.pid}/ns/mnt", f"--wd={self.project}", "--"]
                if self.namespace else [])

    def close(self) -> None:
        if self.namespace:
            self.namespace.kill()
            self.namespace.wait()
            self.namespace = None
        if self.made_dot_pulumi:
            self.made_dot_pulumi.rmdir()  # empty: everything went to the session's folder
            self.made_dot_pulumi = None

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def pulumi(self, *args: str, stdin: str = "", timeout: float = 900, check: bool = True,
               abort: Callable[[], list[str]] = lambda: []) -> Run:
        """`pulumi ARGS` in the project folder; `abort` is polled and stops the command when it says why."""
        return self._run(["pulumi", *args], stdin, timeout, check, abort)

    def bash(self, script: str, stdin: str = "", timeout: float = 900, check: bool = False) -> Run:
        """A README block as a user types it: bash in the project folder, stopping at the first failure."""
        return self._run(["bash", "-e", "-o", "pipefail", "-c", script], stdin, timeout, check, lambda: [])

    def _run(self, argv: list[str], stdin: str, timeout: float, check: bool,
             abort: Callable[[], list[str]]) -> Run:
        start = time.monotonic()
        log = self.root / "last-output.txt"
        with open(log, "w+") as out:
            proc = subprocess.Popen([*self._enter(), *argv], cwd=self.project, env=self.env, stdin=subprocess.PIPE, stdout=out,
                                    stderr=subprocess.STDOUT, text=True, start_new_session=True)
            proc.stdin.write(stdin)
            proc.stdin.close()
            why = ""
            while proc.poll() is None:
                why = "; ".join(abort()) or (f"timed out after {timeout:.0f} s"
                                            if time.monotonic() - start > timeout else "")
                if why:
                    os.killpg(proc.pid, 2)  # SIGINT: the CLI cancels and writes its state
                    try:
                        proc.wait(60)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, 9)
                        proc.wait()
                    break
                time.sleep(0.2)
            out.seek(0)
            run = Run(argv, proc.returncode, out.read(), time.monotonic() - start)
        if why:
            raise CliError(f"{shlex.join(argv)} stopped: {why}\n{diagnostics(run.output)}")
        if check and run.rc != 0:
            raise CliError(f"{shlex.join(argv)} exited {run.rc}:\n{diagnostics(run.output)}")
        return run

    def stack_state(self) -> list[dict]:
        exported = json.loads(self.pulumi("stack", "export").output)
        return exported.get("deployment", {}).get("resources") or []


def copy_repository(dest: Path) -> None:
    """The repository's files as a clone with the working tree's edits has them (tracked and untracked,
    not ignored): what a user who cloned it works in."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           check=True, capture_output=True).stdout.decode().split("\0")
    dest.mkdir(parents=True)
    archive = dest.parent / "project.tar"
    with tarfile.open(archive, "w") as tar:
        for name in filter(None, names):
            if (REPO / name).exists():
                tar.add(REPO / name, arcname=name, recursive=False)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="tar")
    archive.unlink()


def summary(output: str) -> dict[str, int]:
    """The engine's own change counts from a `--json` run: preview prints one JSON document with its
    changeSummary, up/refresh/destroy a JSON line per engine event, the last a summaryEvent."""
    counts: dict[str, int] = {}
    lines = output.splitlines()
    if "{" in lines and "}" in lines:  # one indented document (stderr lines may come before it)
        start, end = lines.index("{"), len(lines) - lines[::-1].index("}")
        counts = json.loads("\n".join(lines[start:end])).get("changeSummary") or {}
    for line in lines:
        if line.startswith("{") and '"summaryEvent"' in line:
            counts = json.loads(line)["summaryEvent"].get("resourceChanges") or {}
    return {k: int(counts.get(k, 0)) for k in ("create", "update", "delete", "replace", "same")}
