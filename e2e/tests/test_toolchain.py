"""The toolchain cache: keyed by versions, built once, then only verified."""
from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path

import e2e.toolchain as toolchain_mod
from e2e.toolchain.items import FLOOR_ITEMS, ITEMS

BUILD = Path(__file__).resolve().parents[1] / "toolchain" / "build"


def test_the_cache_key_changes_with_any_version(monkeypatch):
    before = toolchain_mod.cache_key("go1.26.8")
    bumped = tuple(dataclasses.replace(i, version="v9.9.9") if i.name == "kwok" else i for i in ITEMS)
    monkeypatch.setattr(toolchain_mod, "ITEMS", bumped)
    assert toolchain_mod.cache_key("go1.26.8") != before


def test_the_cache_key_changes_with_the_go_version():
    assert toolchain_mod.cache_key("go1.26.8") != toolchain_mod.cache_key("go1.27.0")


def test_the_floor_tools_have_a_cache_key_of_their_own(monkeypatch, tmp_path):
    # CI's warm cache of ITEMS (33 min cold) must survive adding or changing a floor tool.
    main, floor = toolchain_mod.cache_key("go1.26.8"), toolchain_mod.cache_key("go1.26.8", FLOOR_ITEMS)
    modules = tmp_path / "modules"
    shutil.copytree(toolchain_mod.MODULES, modules)
    with (modules / FLOOR_ITEMS[0].module / "go.sum").open("a") as sums:
        sums.write("example.com/changed v1.0.0 h1:AAAA=\n")
    monkeypatch.setattr(toolchain_mod, "MODULES", modules)
    assert toolchain_mod.cache_key("go1.26.8") == main
    assert toolchain_mod.cache_key("go1.26.8", FLOOR_ITEMS) != floor
    assert toolchain_mod.locate_floor().home.name.startswith("floor-")


def test_check_fails_on_an_empty_cache_naming_the_first_missing_tool(tmp_path):
    done = subprocess.run([str(BUILD), "--check"], capture_output=True, text=True,
                          env={**os.environ, toolchain_mod.ROOT_ENV: str(tmp_path)})
    assert done.returncode == 1
    assert f"{ITEMS[0].name} {ITEMS[0].version} is not built: run e2e/toolchain/build" in done.stderr


def test_a_second_build_only_verifies(toolchain):
    done = subprocess.run([str(BUILD)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    every = len(ITEMS) + len(FLOOR_ITEMS)
    assert len(lines) == every and all("cached, verified" in line for line in lines), done.stdout
    assert f"(0 built, {every} cached)" in done.stdout
