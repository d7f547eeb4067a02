"""Host operation `hugepages` on a fake sysfs tree, and the generic provider that serves it."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from host import claims, cli, hugepage_reservation as hp
from host.errors import HostOpError, Refused
from host.operation_provider import HostOperationProvider, spec_props
from host.registry import OPERATIONS
from tests.host_context import ctx


class Kernel:
    """A fake pool: writes to nr_hugepages are granted up to `limit` pages, like a fragmented host."""

    def __init__(self, tmp: Path, pages: int = 0, limit: int = 64, free: int | None = None):
        self.root, self.limit = tmp / "root", limit
        self.pool = self.root / hp.POOL
        self.pool.mkdir(parents=True)
        self.set(pages, free)

    def set(self, pages: int, free: int | None = None) -> None:
        (self.pool / "nr_hugepages").write_text(f"{pages}\n")
        (self.pool / "free_hugepages").write_text(f"{pages if free is None else free}\n")

    @property
    def pages(self) -> int:
        return int((self.pool / "nr_hugepages").read_text())

    def grant(self) -> None:
        """What the kernel does after a write: keeps at most `limit`."""
        self.set(min(self.pages, self.limit))


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    k = Kernel(tmp_path)
    real = hp._write

    def write(spec, pages):
        real(spec, pages)
        k.grant()
    monkeypatch.setattr(hp, "_write", write)
    return k


class NoCommands:
    """The runner the contract hands the operation: the hugepage pool is sysfs alone, so it never runs one."""

    root = "/"

    def which(self, tool):
        return None

    def run(self, argv, *, check=True):
        raise AssertionError(f"the hugepage operation ran {argv}")


NO_COMMANDS = NoCommands()


def spec(kernel, pages=16, stack="alice"):
    return hp.HugepageSpec(stack=stack, pages=pages, claims_dir=str(kernel.root.parent / "claims"), root=str(kernel.root))


def test_hugepages_is_registered_once_under_its_name():
    assert OPERATIONS["hugepages"] is hp.OPERATION and list(OPERATIONS).count("hugepages") == 1


def test_apply_reserves_the_pages_and_release_puts_the_previous_count_back(kernel):
    kernel.set(2)
    s = spec(kernel)
    rec = hp.apply(s, None, ctx(s, NO_COMMANDS))
    assert kernel.pages == 16 and rec == {"before": 2, "pages": 16}
    assert claims.holder(s.claims_dir, hp.CLAIM, root=s.root)["stack"] == "alice"
    assert hp.apply(s, rec, ctx(s, NO_COMMANDS)) == rec and kernel.pages == 16  # twice is a no-op
    hp.release(s, rec, ctx(s, NO_COMMANDS))
    assert kernel.pages == 2 and claims.holder(s.claims_dir, hp.CLAIM, root=s.root) is None


def test_a_pool_already_large_enough_is_left_as_it_is(kernel):
    kernel.set(32)
    s = spec(kernel)
    rec = hp.apply(s, None, ctx(s, NO_COMMANDS))
    hp.release(s, rec, ctx(s, NO_COMMANDS))
    assert kernel.pages == 32


def test_fewer_pages_granted_puts_the_count_back_and_says_how_many(kernel):
    kernel.set(3)
    kernel.limit = 10
    s = spec(kernel)
    with pytest.raises(Refused, match=r"the kernel gave 10 \(.*\); the count was put back to 3"):
        hp.apply(s, None, ctx(s, NO_COMMANDS))
    assert kernel.pages == 3 and claims.holder(s.claims_dir, hp.CLAIM, root=s.root) is None


def test_a_host_without_1_gib_pages_is_refused_before_anything_changes(tmp_path):
    s = hp.HugepageSpec(stack="alice", pages=16, claims_dir=str(tmp_path / "claims"), root=str(tmp_path / "bare"))
    assert hp.check(s, None, ctx(s, NO_COMMANDS))[0][0] == "pages" and "no 1 GiB hugepages" in hp.check(s, None, ctx(s, NO_COMMANDS))[0][1]
    with pytest.raises(Refused, match="set hugepages1Gi: 0"):
        hp.apply(s, None, ctx(s, NO_COMMANDS))
    assert not (tmp_path / "claims").exists()


def test_a_second_stack_is_refused_the_pool(kernel):
    alice = spec(kernel, stack="alice")
    hp.apply(alice, None, ctx(alice, NO_COMMANDS))
    bob = spec(kernel, pages=20, stack="bob")
    assert "held by stack 'alice'" in hp.check(bob, None, ctx(bob, NO_COMMANDS))[0][1]
    with pytest.raises(Refused, match="held by stack 'alice'"):
        hp.apply(bob, None, ctx(bob, NO_COMMANDS))
    assert kernel.pages == 16


def test_lowered_by_hand_is_drift_and_apply_repairs_it(kernel):
    s = spec(kernel)
    rec = hp.apply(s, None, ctx(s, NO_COMMANDS))
    kernel.set(4)
    assert hp.status(s, rec, ctx(s, NO_COMMANDS))["drift"] == ["the host has 4 1 GiB hugepages, 16 reserved (changed by hand?)"]
    assert hp.apply(s, rec, ctx(s, NO_COMMANDS)) == {"before": 0, "pages": 16} and kernel.pages == 16
    assert hp.status(s, rec, ctx(s, NO_COMMANDS))["drift"] == []


def test_release_refuses_while_pages_are_in_use(kernel):
    s = spec(kernel)
    rec = hp.apply(s, None, ctx(s, NO_COMMANDS))
    kernel.set(16, free=6)
    with pytest.raises(Refused, match="10 are in use"):
        hp.release(s, rec, ctx(s, NO_COMMANDS))
    assert kernel.pages == 16


def test_an_unreadable_pool_is_a_host_error_naming_the_file_and_nothing_is_claimed(kernel):
    s = spec(kernel)
    (kernel.pool / "nr_hugepages").unlink()
    (kernel.pool / "nr_hugepages").mkdir()  # unreadable for root too
    with pytest.raises(HostOpError, match="failed to read .*nr_hugepages"):
        hp.apply(s, None, ctx(s, NO_COMMANDS))
    assert claims.holder(s.claims_dir, hp.CLAIM, root=s.root) is None


def test_the_generic_provider_serves_the_operation_create_read_update_delete(kernel):
    kernel.set(1)
    s = spec(kernel)
    p = HostOperationProvider("hugepages")
    props = {"operation": "hugepages", "spec": spec_props(s), "record": None, "drift": None}
    assert p.check({}, props).failures == []
    created = p.create(props)
    assert created.id == "hugepages/alice" and kernel.pages == 16
    outs = created.outs
    assert p.read(created.id, outs).outs["drift"] == []
    kernel.set(5)
    drifted = p.read(created.id, outs).outs
    assert drifted["drift"] and p.diff(created.id, drifted, props).changes
    repaired = p.update(created.id, drifted, props).outs
    assert kernel.pages == 16 and repaired["drift"] == [] and repaired["record"]["before"] == 1
    assert not p.diff(created.id, repaired, props).changes  # converged: nothing planned
    moved = {**props, "spec": {**props["spec"], "stack": "bob"}}
    assert p.diff(created.id, repaired, moved).replaces == ["spec"]
    p.delete(created.id, repaired)
    assert kernel.pages == 1


def test_the_generic_provider_check_reports_the_operations_refusal(tmp_path):
    s = hp.HugepageSpec(stack="alice", pages=16, claims_dir=str(tmp_path / "c"), root=str(tmp_path / "bare"))
    failures = HostOperationProvider("hugepages").check({}, {"spec": spec_props(s)}).failures
    assert [f.property for f in failures] == ["pages"] and "no 1 GiB hugepages" in failures[0].reason


def test_the_provider_is_stored_in_state_by_reference_with_only_the_operations_name():
    stored = base64.b64decode(serialize_provider(HostOperationProvider("hugepages")))
    assert b"host.operation_provider" in stored and b"hugepage_reservation" not in stored
    assert dill.loads(stored).op is hp.OPERATION


def test_the_cli_lists_the_registered_operations(capsys):
    assert cli.main(["operations", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [o["name"] for o in listed] == list(OPERATIONS) == ["footprint", "gpu", "hugepages", "sriov"]
    assert listed[2]["module"] == "host.hugepage_reservation"
    assert cli.main(["operations"]) == 0
    assert capsys.readouterr().out.startswith("footprint: claim this stack's Kind cluster name")
