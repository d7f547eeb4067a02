"""Every benchmark script still runs: its quick mode (one small round) is part of the test suite.
Host benchmarks need root and Docker and run in tests/host instead."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOST = {"host_bench.py": "tests/host/test_host_bench.py"}  # script: the host test that runs it
SCRIPTS = sorted(p.name for p in (REPO / "benchmarks").glob("*.py"))


def test_host_benchmarks_have_their_host_test():
    for script, test in HOST.items():
        assert script in SCRIPTS and f"benchmarks/{script}" in (REPO / test).read_text()


@pytest.mark.parametrize("script", [s for s in SCRIPTS if s not in HOST])
def test_benchmark_quick_mode_runs(script):
    p = subprocess.run([sys.executable, f"benchmarks/{script}", "--quick"], cwd=REPO, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    assert any(ch.isdigit() for ch in p.stdout), f"{script} printed no figures: {p.stdout!r}"
