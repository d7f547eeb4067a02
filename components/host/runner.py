"""The one place that runs host commands: a Runner protocol, its Result and CommandError."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from typing import Protocol, Sequence


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


class Runner(Protocol):
    def run(self, argv: Sequence[str], *, check: bool = True) -> Result: ...


@dataclass
class SubprocessRunner:
    """Runs argv lists without a shell; a missing binary is reported as rc 127, like a shell."""

    timeout: float = 120.0
    calls: list[list[str]] = field(default_factory=list)

    def run(self, argv: Sequence[str], *, check: bool = True) -> Result:
        argv = list(argv)
        self.calls.append(argv)
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout)
            res = Result(argv, p.returncode, p.stdout, p.stderr)
        except FileNotFoundError as err:
            res = Result(argv, 127, "", str(err))
        except subprocess.TimeoutExpired:
            res = Result(argv, 124, "", f"timed out after {self.timeout}s")
        if check and not res.ok:
            raise CommandError(res)
        return res
