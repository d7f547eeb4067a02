"""A PF name's walk through `attach` stays short (issue 19: at most 8 modules, at most 6 returns to a module
already left), measured on a real attach by the generic provider, as a stack's `up` runs it.

How it is counted: every call into the program's code (test_architecture.MODULES) whose arguments carry
the PF's name (a string holding it, or a spec, record, link or list holding one, two levels deep) is a stop,
named by the module of the function called; consecutive stops in one module are one; returns = stops - modules (each
stop in a module visited before). It is printed, so `pytest -s` shows the walk."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from host.operation_provider import HostOperationProvider
from tests.host.conftest import WORKERS, pf_name
from tests.unit.test_architecture import MODULES as PROGRAM_MODULES

pytestmark = pytest.mark.host
ROOT = Path(__file__).resolve().parents[2]
PROGRAM_FILES = {str(path) for path in PROGRAM_MODULES.values()}


def _holds(value, name: str, depth: int = 0) -> bool:
    if isinstance(value, str):
        return name in value
    if depth > 2:
        return False
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (list, tuple)) and any(_holds(v, name, depth + 1) for v in value)


def walk(call, name: str) -> list[tuple[str, list[str]]]:
    """The stops of `name` through call(): [(module file, [functions called there])]."""
    stops: list[tuple[str, list[str]]] = []

    def profile(frame, event, arg):
        code = frame.f_code
        if event != "call" or code.co_filename not in PROGRAM_FILES:
            return
        args = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        if any(_holds(frame.f_locals.get(a), name) for a in args):
            module = Path(code.co_filename).relative_to(ROOT).as_posix()
            if stops and stops[-1][0] == module:
                stops[-1][1].append(code.co_name)
            else:
                stops.append((module, [code.co_name]))
    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return stops


def test_a_pf_names_walk_through_attach_comes_back_to_few_modules(workers, fake, tmp_path):
    fake.pf(0, vfs=2)
    spec = {"stack": "walk", "worker": WORKERS[0], "pf": pf_name(0), "vfs": 2.0, "address": "10.1.0.1/24",
            "claims_dir": str(tmp_path / "claims"), "root": str(fake.root), "management_address": None}
    provider, props = HostOperationProvider("sriov"), {"operation": "sriov", "spec": spec}
    assert provider.check({}, props).failures == []
    created = []
    stops = walk(lambda: created.append(provider.create(props)), pf_name(0))
    modules = list(dict.fromkeys(m for m, _ in stops))
    print("\n".join(f"{i:3} {m:40} {' '.join(f)}" for i, (m, f) in enumerate(stops, 1)))
    print(f"stops {len(stops)}, modules {len(modules)}, returns {len(stops) - len(modules)}")
    assert created and created[0].outs["record"]["pf"] == pf_name(0)
    assert len(modules) <= 8 and len(stops) - len(modules) <= 6, stops
    provider.delete(created[0].id, created[0].outs)
