"""Existing stacks' state still unpickles: Pulumi stores each dynamic provider pickled by reference to its
class, so every class path that earlier versions wrote must resolve, to the class that serves that resource
now (components/host/providers.py is kept for this alone)."""
from __future__ import annotations

import pickle

import dill
import pytest

from host.operation_provider import HostOperationProvider
from host.sriov_reassert import SriovReassertProvider

# (module, class) as state written by earlier versions holds them -> (the class now, the operation it serves)
PICKLED = {
    ("components.host.providers", "GpuDriverHandoverProvider"): (HostOperationProvider, "gpu"),
    ("components.host.providers", "SriovAttachmentProvider"): (HostOperationProvider, "sriov"),
    ("components.host.providers", "SriovReassertProvider"): (SriovReassertProvider, None),
}


@pytest.mark.parametrize("where", PICKLED, ids=[".".join(k) for k in PICKLED])
def test_a_provider_pickled_by_an_earlier_version_unpickles_to_what_serves_it_now(where):
    module, name = where
    cls, operation = PICKLED[where]
    # What dill wrote: the class by reference, an instance without attributes (protocol 2: NEWOBJ).
    old = pickle.loads(b"\x80\x02c" + f"{module}\n{name}\n".encode() + b")\x81.")
    assert isinstance(old, cls)
    if operation:
        assert old.op.name == operation


def test_the_generic_providers_class_path_is_the_one_state_holds_since_the_contract():
    stored = dill.dumps(HostOperationProvider("sriov"), recurse=True)
    assert b"host.operation_provider" in stored and b"HostOperationProvider" in stored
    assert pickle.loads(stored).op.name == "sriov"


def test_new_state_never_refers_to_the_module_kept_for_old_state():
    for provider in (HostOperationProvider("gpu"), SriovReassertProvider()):
        assert b"components.host.providers" not in dill.dumps(provider, recurse=True)
