"""The one error type of the settings: a RunError, so that `pulumi up` prints it without a traceback."""
from __future__ import annotations

from pulumi.errors import RunError


class SettingsError(RunError):
    """The stack config has problems; `problems` lists them, one line each, naming the key or file."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid stack config:\n  " + "\n  ".join(problems))
        self.problems = problems
