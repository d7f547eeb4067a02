"""What every dynamic provider shares: the engine's unknown-value marker, host errors reported without
the provider's traceback, and check() results as CheckFailures."""
from __future__ import annotations

import functools
import sys

from pulumi.dynamic import CheckFailure

from .errors import ClaimsError, HostOpError

# What a dynamic provider sees in place of a value that another resource computes during `up`.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def host_errors(method):
    """The dynamic provider server reports any exception with traceback.format_exc(). A host error's
    message says all the user needs (what failed, what to do), so for those alone the traceback is
    cut: sys.tracebacklimit = 0 in the provider's own process, reset on every call so that any other
    exception (a bug) keeps its traceback."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        sys.__dict__.pop("tracebacklimit", None)
        try:
            return method(*args, **kwargs)
        except HostOpError as err:
            sys.tracebacklimit = 0
            raise HostOpError(str(err)) from None
    return wrapper


def failures(check) -> list[CheckFailure]:
    """check()'s (property, reason) list as CheckFailures; a host error (a broken claims file) becomes
    one too, so `pulumi up` prints its message instead of the provider's traceback."""
    try:
        return [CheckFailure(p, r) for p, r in check()]
    except ClaimsError as err:
        return [CheckFailure("claims_dir", str(err))]
    except HostOpError as err:
        return [CheckFailure("worker", str(err))]
