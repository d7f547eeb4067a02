"""The host benchmark still runs: its quick mode, under root and Docker like the other host tests."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.host
REPO = Path(__file__).resolve().parents[2]


def test_host_bench_quick_mode_runs_and_prints_its_table(host_ready):
    p = subprocess.run([sys.executable, "benchmarks/host_bench.py", "--quick"], cwd=REPO,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    rows = [line.split() for line in p.stdout.splitlines() if line.split()[:1] == ["2"]]
    assert [r[1] for r in rows] == ["attach", "detach"], p.stdout
    assert all(float(x) > 0 for r in rows for x in (r[2], r[3], r[5])), p.stdout
