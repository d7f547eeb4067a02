"""One set of claims per host: a stack that keeps its claims in a folder of its own (hostClaimsDir) still
sees, and is seen by, every other stack on the host; the host's folder lists the folders in use."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from facts.shared import CLAIMS_DIR
from host import claims, hugepage_reservation as hp
from host.errors import ClaimsError, Refused
from tests.host_context import ctx
from tests.unit.test_host_hugepages import NO_COMMANDS


@pytest.fixture
def root(tmp_path) -> str:
    pool = tmp_path / "root" / hp.POOL
    pool.mkdir(parents=True)
    (pool / "nr_hugepages").write_text("0\n")
    (pool / "free_hugepages").write_text("0\n")
    return str(tmp_path / "root")


def host_dir(root: str) -> Path:
    return Path(root) / CLAIMS_DIR.lstrip("/")


def test_stacks_with_claims_folders_of_their_own_see_each_others_claims(tmp_path, root):
    alice, bob = str(tmp_path / "alice-claims"), str(tmp_path / "bob-claims")
    claims.claim(alice, "pf:ens9f0np0", "alice", root=root, worker="kind-worker")
    assert json.loads((host_dir(root) / claims.INDEX).read_text()) == [alice]  # listed in the host's folder
    assert "held by stack 'alice'" in claims.check(bob, "pf:ens9f0np0", "bob", root=root)
    assert f"{alice}/claims.json" in claims.check(bob, "pf:ens9f0np0", "bob", root=root)  # where to look
    with pytest.raises(Refused, match=r"held by stack 'alice' \(.*alice-claims/claims.json\)"):
        claims.claim(bob, "pf:ens9f0np0", "bob", root=root)
    claims.claim(bob, "gpu:0000:ca:00.0", "bob", root=root, worker="kind-worker")
    assert "held by stack 'bob'" in claims.check(alice, "gpu:0000:ca:00.0", "alice", root=root)
    default = str(host_dir(root))  # a third stack on the default folder sees both
    assert claims.check(default, "pf:ens9f0np0", "carol", root=root) and claims.check(
        default, "gpu:0000:ca:00.0", "carol", root=root)
    claims.release(alice, "pf:ens9f0np0", "alice", root=root)
    assert json.loads((host_dir(root) / claims.INDEX).read_text()) == [bob]  # an empty folder leaves the list
    assert claims.check(bob, "pf:ens9f0np0", "bob", root=root) is None


def test_a_stack_on_the_default_folder_is_seen_from_a_folder_of_its_own(tmp_path, root):
    claims.claim(str(host_dir(root)), "hugepages:1G", "alice", root=root, worker="host")
    assert not (host_dir(root) / claims.INDEX).exists()  # the host's own folder needs no listing
    assert "held by stack 'alice'" in claims.check(str(tmp_path / "mine"), "hugepages:1G", "bob", root=root)


def test_two_stacks_with_their_own_folders_cannot_both_take_the_hugepage_pool(tmp_path, root):
    alice = hp.HugepageSpec(stack="alice", pages=4, claims_dir=str(tmp_path / "a"), root=root)
    bob = hp.HugepageSpec(stack="bob", pages=4, claims_dir=str(tmp_path / "b"), root=root)
    hp.apply(alice, None, ctx(alice, NO_COMMANDS))
    assert "held by stack 'alice'" in hp.check(bob, None, ctx(bob, NO_COMMANDS))[0][1]
    with pytest.raises(Refused, match="held by stack 'alice'"):
        hp.apply(bob, None, ctx(bob, NO_COMMANDS))


def test_a_listed_folder_that_is_gone_drops_out_and_a_broken_one_is_named(tmp_path, root):
    gone = tmp_path / "gone"
    claims.claim(str(gone), "pf:x", "alice", root=root)
    shutil.rmtree(gone)
    assert claims.check(str(tmp_path / "b"), "pf:x", "bob", root=root) is None
    claims.claim(str(tmp_path / "b"), "pf:x", "bob", root=root)
    assert json.loads((host_dir(root) / claims.INDEX).read_text()) == [str(tmp_path / "b")]
    (tmp_path / "b" / "claims.json").write_text("{broken")
    with pytest.raises(ClaimsError, match=f"{tmp_path / 'b' / 'claims.json'}.*move it aside"):
        claims.check(str(tmp_path / "c"), "pf:y", "carol", root=root)  # another stack's broken file: no guess
    (host_dir(root) / claims.INDEX).write_text('"not a list"')
    with pytest.raises(ClaimsError, match="folders.json, the list of this host's claims folders"):
        claims.check(str(tmp_path / "c"), "pf:y", "carol", root=root)


def test_a_claim_moves_with_a_stack_that_changed_its_folder(tmp_path, root):
    claims.claim(str(tmp_path / "old"), "pf:x", "alice", root=root, worker="w")
    claims.claim(str(tmp_path / "new"), "pf:x", "alice", root=root, worker="w")  # same stack: taken over
    assert claims.load(str(tmp_path / "old")) == {} and claims.load(str(tmp_path / "new"))["pf:x"]["stack"] == "alice"
    claims.release(str(tmp_path / "new"), "pf:x", "alice", root=root)
    assert claims.holder(str(tmp_path / "old"), "pf:x", root=root) is None
