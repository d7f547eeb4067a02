"""Errors of host operations, in kind's style: 'failed to <verb> <object>: <cause>'."""


class HostOpError(Exception):
    """A host operation failed; the host was left as it was before the call."""


class Refused(HostOpError):
    """A precondition refused the operation before anything changed (exit code 4)."""
