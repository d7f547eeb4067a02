"""Existing stacks' state still unpickles: Pulumi stores each dynamic provider pickled by reference to its
class, so every class path that earlier versions wrote must resolve, to the class that serves that resource
now (components/host/ is kept for this alone), and new state names only the host package's modules."""
from __future__ import annotations

import pickle

import dill
import pytest

from host.operation_provider import HostOperationProvider
from host.sriov_reassert import SriovReassertProvider

# (module, class) as state written by earlier versions holds them -> (the class now, the operation it serves)
PICKLED = {
    # Before the host-operation contract and the re-assert's own module:
    ("components.host.providers", "GpuDriverHandoverProvider"): (HostOperationProvider, "gpu"),
    ("components.host.providers", "SriovAttachmentProvider"): (HostOperationProvider, "sriov"),
    ("components.host.providers", "SriovReassertProvider"): (SriovReassertProvider, None),
    # Before the host package moved out of components/ (components/host/ -> host/):
    ("components.host.operation_provider", "HostOperationProvider"): (HostOperationProvider, None),
    ("components.host.sriov_reassert", "SriovReassertProvider"): (SriovReassertProvider, None),
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


# Byte for byte what dill wrote for each provider at ca9ee03, the last commit before the move.
WRITTEN_BEFORE_THE_MOVE = {
    "sriov": b'\x80\x04\x95V\x00\x00\x00\x00\x00\x00\x00\x8c"components.host.operation_provider\x94\x8c\x15'
             b'HostOperationProvider\x94\x93\x94)\x81\x94}\x94\x8c\x04name\x94\x8c\x05sriov\x94sb.',
    "gpu": b'\x80\x04\x95T\x00\x00\x00\x00\x00\x00\x00\x8c"components.host.operation_provider\x94\x8c\x15'
           b'HostOperationProvider\x94\x93\x94)\x81\x94}\x94\x8c\x04name\x94\x8c\x03gpu\x94sb.',
    "reassert": b'\x80\x04\x95?\x00\x00\x00\x00\x00\x00\x00\x8c\x1ecomponents.host.sriov_reassert\x94\x8c\x15'
                b'SriovReassertProvider\x94\x93\x94)\x81\x94.',
}


@pytest.mark.parametrize("what", WRITTEN_BEFORE_THE_MOVE)
def test_state_written_before_the_move_unpickles_to_the_host_packages_classes(what):
    restored = pickle.loads(WRITTEN_BEFORE_THE_MOVE[what])
    if what == "reassert":
        assert type(restored) is SriovReassertProvider
    else:
        assert type(restored) is HostOperationProvider and restored.op.name == what


def test_new_state_names_the_host_packages_modules():
    stored = dill.dumps(HostOperationProvider("sriov"), recurse=True)
    assert b"\x8c\x17host.operation_provider" in stored and b"HostOperationProvider" in stored
    assert pickle.loads(stored).op.name == "sriov"
    assert b"\x8c\x13host.sriov_reassert" in dill.dumps(SriovReassertProvider(), recurse=True)


def test_new_state_never_refers_to_the_modules_kept_for_old_state():
    for provider in (HostOperationProvider("gpu"), SriovReassertProvider()):
        assert b"components." not in dill.dumps(provider, recurse=True)
