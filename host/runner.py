"""The one place that runs host commands: a Runner bound to a filesystem root, its Result and CommandError.

`for_root(root)` is the one way to get a runner for a host operation. With root "/" it runs the host's
tools from PATH. With any other root (a fake tree in tests, a twin of a host) it runs only the tools of
that root, found in <root>/usr/sbin, <root>/sbin, <root>/usr/bin or <root>/bin by their absolute path,
never a tool on the host's PATH: a fake root must never unload the real host's driver."""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

HOST_ROOT = "/"
# Where a root's own tools are looked up, in this order (root "/" uses PATH instead).
TOOL_DIRS = ("usr/sbin", "sbin", "usr/bin", "bin")


@dataclass
class Result:
    argv: list[str]
    rc: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.rc == 0


class CommandError(Exception):
    """A command exited non-zero; carries argv and output so the top level can show both."""

    def __init__(self, result: Result):
        self.result = result
        out = (result.stderr or result.stdout).strip()
        super().__init__(f"command {' '.join(result.argv)!r} exited {result.rc}: {out}")


class ToolMissing(CommandError):
    """The tool is not in the runner's root (or, for "/", on PATH); the message says which and where."""

    def __init__(self, result: Result):
        super().__init__(result)
        self.args = (result.stderr,)

    def __str__(self) -> str:
        return self.result.stderr


class Runner(Protocol):
    root: str

    def run(self, argv: Sequence[str], *, check: bool = True) -> Result: ...
    def which(self, tool: str) -> str | None: ...


def not_found(tool: str, root: str) -> str:
    """Why `tool` cannot run for `root`, as an error's cause."""
    if root == HOST_ROOT:
        return f"{tool} not found on PATH"
    return f"{tool} not found under --root {root} (a fake root runs only its own tools)"


def missing(runner: Runner, tools: Sequence[str]) -> str | None:
    """The cause for the first of `tools` the runner cannot run, or None: checked before a change."""
    for tool in tools:
        if runner.which(tool) is None:
            return not_found(tool, runner.root)
    return None


@dataclass
class SubprocessRunner:
    """Runs argv lists without a shell, tools from PATH; a missing tool is rc 127 (ToolMissing if checked)."""

    timeout: float = 120.0
    calls: list[list[str]] = field(default_factory=list)
    root: str = HOST_ROOT

    def which(self, tool: str) -> str | None:
        return shutil.which(tool)

    def run(self, argv: Sequence[str], *, check: bool = True) -> Result:
        argv = list(argv)
        self.calls.append(argv)
        path = self.which(argv[0]) if argv else None
        if path is None:
            res = Result(argv, 127, "", not_found(argv[0] if argv else "''", self.root))
            if check:
                raise ToolMissing(res)
            return res
        try:
            p = subprocess.run([path, *argv[1:]], capture_output=True, text=True, timeout=self.timeout)
            res = Result(argv, p.returncode, p.stdout, p.stderr)
        except OSError as err:  # gone between the lookup and the start, or not executable
            res = Result(argv, 127, "", str(err))
        except subprocess.TimeoutExpired:
            res = Result(argv, 124, "", f"timed out after {self.timeout}s")
        if check and not res.ok:
            raise CommandError(res)
        return res


@dataclass
class RootedRunner(SubprocessRunner):
    """A SubprocessRunner confined to the tools of a root other than "/" (see the module's docstring)."""

    root: str = HOST_ROOT

    def which(self, tool: str) -> str | None:
        if not self.root or not tool or "/" in tool or tool in (".", ".."):
            return None
        top = os.path.realpath(self.root)
        for folder in TOOL_DIRS:
            path = Path(self.root) / folder / tool
            # Resolved, so that a link out of the root (sbin -> /usr/sbin) never reaches a host tool.
            if path.is_file() and os.access(path, os.X_OK) and os.path.realpath(path).startswith(top + os.sep):
                return str(path)
        return None


def for_root(root: str, timeout: float = 120.0) -> SubprocessRunner:
    """The runner for host operations on `root`: the host's tools for "/", else only the root's own."""
    if root and os.path.realpath(root) == HOST_ROOT:  # "/", "//", or a link to it: the host itself
        return SubprocessRunner(timeout=timeout)
    # An empty root runs nothing (which() finds no tool); any other is made absolute once.
    return RootedRunner(timeout=timeout, root=os.path.abspath(root) if root else "")
