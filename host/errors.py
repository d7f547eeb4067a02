"""Errors of host operations, in kind's style: 'failed to <verb> <object>: <cause>'."""


class HostOpError(Exception):
    """A host operation failed; the host was left as it was before the call."""


class Refused(HostOpError):
    """A precondition refused the operation before anything changed (exit code 4)."""


class Invalid(HostOpError):
    """Malformed arguments, found before anything was read or changed (exit code 2).
    `problems` holds (argument, reason) pairs; the argument is the spec's field."""

    def __init__(self, action: str, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__(f"failed to {action}: " + "; ".join(f"{a}: {r}" for a, r in problems))


class ClaimsError(HostOpError):
    """The claims file cannot be read or written; the message names it and says how to repair it."""


class RecordError(ClaimsError):
    """A record read back (from the claims file or the stack's state) does not hold what apply wrote; the
    message names where it came from and how to repair it. Nothing was changed."""
