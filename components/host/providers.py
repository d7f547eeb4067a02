"""Kept ONLY so that existing stacks' state still unpickles: Pulumi stores each dynamic provider pickled by
reference to its class, and these are the names state written by earlier versions holds. New state never
refers to this module (tests/unit/test_host_pickles.py unpickles each name).

- GpuDriverHandoverProvider, SriovAttachmentProvider: the providers of GpuDriverHandover and SriovAttachment
  resources made before the host-operation contract; they now serve the `gpu` and `sriov` operations
  through the generic provider (their flat inputs read through the operation's legacy_inputs), for
  `pulumi refresh` and `destroy`, until an alias takes the resource over at the next `up`.
- SriovReassertProvider: the re-assert's provider before its module was named for it (sriov_reassert.py).
Before the host package moved out of components/ (see components/host/__init__.py) this was
components/host/providers.py too: old state names it, so it stays here, beside the two other old paths."""
from __future__ import annotations

from host.operation_provider import HostOperationProvider
from host.sriov_reassert import SriovReassertProvider  # noqa: F401  (state pickled before the rename)


class GpuDriverHandoverProvider(HostOperationProvider):
    """The `gpu` operation; unpickling sets no attributes, so the name is a class attribute."""
    name = "gpu"


class SriovAttachmentProvider(HostOperationProvider):
    """The `sriov` operation."""
    name = "sriov"
