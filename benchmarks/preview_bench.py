"""Wall time of the offline dev preview (goal: <= 2 s on a 2-core machine).

Runs `python -m components.preview --stack dev` as a user would, N times, and prints the figures.
"""
from __future__ import annotations

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
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
