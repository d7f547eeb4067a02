"""The toolchain cache: keyed by versions, built once, then only verified."""
from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import e2e.toolchain as toolchain_mod
from e2e.toolchain.items import ITEMS

BUILD = Path(__file__).resolve().parents[1] / "toolchain" / "build"


def test_the_cache_key_changes_with_any_version(monkeypatch):
    before = toolchain_mod.cache_key("go1.26.8")
    bumped = tuple(dataclasses.replace(i, version="v9.9.9") if i.name == "kwok" else i for i in ITEMS)
    monkeypatch.setattr(toolchain_mod, "ITEMS", bumped)
    assert toolchain_mod.cache_key("go1.26.8") != before


def test_the_cache_key_changes_with_the_go_version():
    assert toolchain_mod.cache_key("go1.26.8") != toolchain_mod.cache_key("go1.27.0")


def test_check_fails_on_an_empty_cache_naming_the_first_missing_tool(tmp_path):
    done = subprocess.run([str(BUILD), "--check"], capture_output=True, text=True,
                          env={**os.environ, toolchain_mod.ROOT_ENV: str(tmp_path)})
    assert done.returncode == 1
    assert f"{ITEMS[0].name} {ITEMS[0].version} is not built: run e2e/toolchain/build" in done.stderr


def test_a_second_build_only_verifies(toolchain):
    done = subprocess.run([str(BUILD)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == len(ITEMS) and all("cached, verified" in line for line in lines), done.stdout
    assert f"(0 built, {len(ITEMS)} cached)" in done.stdout
