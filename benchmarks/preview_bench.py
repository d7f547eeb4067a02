"""Wall time of the offline dev preview (goal: <= 2 s on a 2-core machine), process start included.

Two figures, N runs each (default 5):
- `python -m components.preview --stack dev` as a user runs it: with whatever upstream material this
  clone's cache holds (none in a fresh clone: the controller, add-ons and scenarios are then not rendered);
- the whole dev stack rendered and written the same way, with the tests' own controller checkout and
  stand-in add-on bundles (tests/harness.py) in place of the fetched material: every resource a kind-host
  preview has.
`venv/bin/python benchmarks/preview_bench.py [--runs N]`. `--quick` (one run each) is what the test suite
runs, so that a broken benchmark fails it.
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
_FULL = """import sys
from pathlib import Path
from components.preview import output
from tests.harness import run
result = run("dev")
output.write(result, Path(sys.argv[1]), result.outputs.get("kindConfig"))
print(f"{len(result.registrations)} resources")
"""


def _time(argv: list[str], runs: int) -> tuple[list[float], str]:
    times, last = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        last = p.stdout.strip().splitlines()[-1]
    return times, last


def _report(what: str, times: list[float], last: str) -> None:
    median = statistics.median(times)
    print(f"{what}, {len(times)} runs: median {median:.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
          f"({last.split(' written')[0]}); goal <= {GOAL_S:.1f} s: {'met' if median <= GOAL_S else 'NOT met'}")


def main(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as out:
        _report("dev preview as this clone has it", *_time(
            [sys.executable, "-m", "components.preview", "--stack", "dev", "--out", out, "--quiet"], runs))
        _report("dev preview, every resource (tests' checkout, stand-in bundles)", *_time(
            [sys.executable, "-c", _FULL, out], runs))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one run of each: proves the script works")
    a = ap.parse_args()
    main(1 if a.quick else a.runs)
