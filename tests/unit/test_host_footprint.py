"""Host operation `footprint`: two stacks on one host cannot take the same Kind cluster name, embedded
registry port or MetalLB addresses, nor ask for another subnet of the one `kind` network; the stack
that comes second is refused naming the first, before anything changes (check, apply, doctor)."""
from __future__ import annotations

import dataclasses

import pytest

from facts.shared import footprint_claim_key
from host import claims, doctor, footprint as fp
from host.errors import Refused
from host.operation_provider import HostOperationProvider, spec_props
from host.registry import OPERATIONS, of_stage
from tests.host_context import ctx
from tests.unit.test_host_doctor import FakeRunner, by_name, fake_root, settings_of, stack_file
from tests.unit.test_host_hugepages import NO_COMMANDS


def spec(tmp_path, stack="alice", **over) -> fp.FootprintSpec:
    base = dict(stack=stack, cluster="kind", kind_subnet="172.18.0.0/16", metallb="172.18.9.0-172.18.9.10",
                registry_port=5001, claims_dir=str(tmp_path / f"claims-{stack}"), root=str(tmp_path / "root"))
    return fp.FootprintSpec(**{**base, **over})


def props(s: fp.FootprintSpec) -> dict:
    return {"operation": "footprint", "spec": spec_props(s), "record": None, "drift": None}


def test_footprint_is_registered_and_gates_the_other_operations():
    assert OPERATIONS["footprint"] is fp.OPERATION and [op.name for op in OPERATIONS.values() if op.gate] == ["footprint"]
    assert of_stage("before")[0] is fp.OPERATION


@pytest.mark.parametrize("over, field, words", [
    ({}, "cluster", "clusterName 'kind' is used by stack 'alice'"),
    ({"cluster": "bob"}, "registry_port", "localRegistryPort 5001 is used by the embedded registry of stack 'alice'"),
    ({"cluster": "bob", "registry_port": 5002, "metallb": "172.18.9.10-172.18.9.20"}, "metallb",
     "metallbAddresses 172.18.9.10-172.18.9.20 overlaps 172.18.9.0-172.18.9.10 of stack 'alice'"),
    ({"cluster": "bob", "registry_port": None, "metallb": "172.19.9.0-172.19.9.9", "kind_subnet": "172.19.0.0/16"},
     "kind_subnet", "kindNetworkSubnet 172.19.0.0/16 differs from 172.18.0.0/16 of stack 'alice'"),
])
def test_a_second_stack_that_collides_is_refused_naming_the_first(tmp_path, over, field, words):
    p = HostOperationProvider("footprint")
    alice = p.create(props(spec(tmp_path)))
    bob = spec(tmp_path, "bob", **over)
    (failure,) = [f for f in p.check({}, props(bob)).failures if f.property == field]
    assert words in failure.reason and f"{tmp_path / 'claims-alice' / 'claims.json'}" in failure.reason
    with pytest.raises(Refused, match=words.replace("(", r"\(")):
        fp.apply(bob, None, ctx(bob, NO_COMMANDS))
    assert claims.holder(bob.claims_dir, footprint_claim_key("bob"), root=bob.root) is None  # nothing taken
    p.delete(alice.id, alice.outs)
    assert p.check({}, props(bob)).failures == []  # once alice is destroyed, bob may go


def test_stacks_apart_share_the_kind_network_and_a_harbor_stack_takes_no_port(tmp_path):
    mine = spec(tmp_path)
    fp.apply(mine, None, ctx(mine, NO_COMMANDS))
    bob = spec(tmp_path, "bob", cluster="bob", registry_port=None, metallb="172.18.9.11-172.18.9.20")
    assert fp.check(bob, None, ctx(bob, NO_COMMANDS)) == []  # same subnet: the one `kind` network, shared by design
    assert fp.apply(bob, None, ctx(bob, NO_COMMANDS))["registry_port"] is None
    carol = spec(tmp_path, "carol", cluster="carol", registry_port=5002, metallb="172.18.9.21-172.18.9.30")
    assert fp.check(carol, None, ctx(carol, NO_COMMANDS)) == []


def test_the_same_stack_applies_again_and_a_lost_claim_is_drift_that_update_repairs(tmp_path):
    p, news = HostOperationProvider("footprint"), props(spec(tmp_path))
    created = p.create(news)
    assert created.outs["record"] == {"cluster": "kind", "kind_subnet": "172.18.0.0/16",
                                      "metallb": "172.18.9.0-172.18.9.10", "registry_port": 5001}
    assert p.read(created.id, created.outs).outs["drift"] == []
    s = spec(tmp_path)
    claims.release(s.claims_dir, footprint_claim_key("alice"), "alice", root=s.root)  # edited away by hand
    read = p.read(created.id, created.outs).outs
    assert read["drift"] and p.diff(created.id, read, news).changes
    p.update(created.id, read, news)
    assert claims.holder(s.claims_dir, footprint_claim_key("alice"), root=s.root)["stack"] == "alice"


def test_a_collision_found_only_under_the_lock_is_refused_too(tmp_path):
    """check() passed, then another stack claimed first: apply's claim checks again under the lock."""
    bob = spec(tmp_path, "bob")
    assert fp.check(bob, None, ctx(bob, NO_COMMANDS)) == []
    mine = spec(tmp_path)
    fp.apply(mine, None, ctx(mine, NO_COMMANDS))
    with pytest.raises(Refused, match="clusterName 'kind' is used by stack 'alice'"):
        claims.claim(bob.claims_dir, footprint_claim_key("bob"), "bob", root=bob.root,
                     conflicts=lambda every: "; ".join(r for _, r in fp.collisions(bob, every)) or None)


def test_doctor_stack_names_the_colliding_stack_and_the_key(tmp_path, listener):
    s = settings_of(stack_file(tmp_path, listener))
    root = str(fake_root(tmp_path))
    other = dataclasses.replace(fp.from_settings(s), stack="bob", claims_dir=str(tmp_path / "bob"), root=root)
    fp.apply(other, None, ctx(other, NO_COMMANDS))
    got = by_name(doctor.stack_checks(s, FakeRunner({"kind": ["172.18.0.0/16"]}), root))
    line = got["operation:footprint"]
    assert line["ok"] is False and "clusterName 'kind' is used by stack 'bob'" in line["detail"]
    assert "metallbAddresses 172.18.9.0-172.18.9.10 overlaps" in line["detail"]
