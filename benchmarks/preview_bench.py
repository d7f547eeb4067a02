"""Wall time of the offline dev preview (goal: <= 2 s on a 2-core machine).

Runs `python -m components.preview --stack dev` as a user would, N times (default 5), and prints the
figures: `venv/bin/python benchmarks/preview_bench.py [--runs N]`. `--quick` (one run) is what the
test suite runs, so that a broken benchmark fails it.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 2.0


def main(runs: int = 5) -> None:
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "components.preview", "--stack", "dev", "--out", out, "--quiet"],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    print(f"dev preview, {runs} runs (process start included): "
          f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s; "
          f"goal <= {GOAL_S:.1f} s: {'met' if statistics.median(times) <= GOAL_S else 'NOT met'}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one run: proves the script works")
    a = ap.parse_args()
    main(1 if a.quick else a.runs)
