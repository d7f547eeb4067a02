"""The HostContext a test hands an operation: the spec's root and claims folder, and the runner given (a
recording one) or the one the provider would build, runner.for_root(spec.root)."""
from __future__ import annotations

from host.contract import HostContext
from host.runner import for_root


def ctx(spec, runner=None) -> HostContext:
    return HostContext(spec.root, spec.claims_dir, runner or for_root(spec.root))
