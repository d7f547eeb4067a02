"""Wall time of the offline dev preview beside its floor, process start included.

Goal: the full dev stack in <= 1.0 s and <= 2.5 x the SDK import floor on a quiet machine.
Three figures, N runs each (default 7), run in turns so that all three see the same machine:
- `python -m preview --stack dev` as a user runs it: with whatever upstream material this
  clone's cache holds (none in a fresh clone: the controller, add-ons and scenarios are then not rendered);
- the whole dev stack rendered and written the same way, with the tests' own controller checkout and
  stand-in add-on bundles (tests/harness.py, written once by this script) in place of the fetched material,
  as harness.run() renders it: every resource a kind-host preview has;
- the floor: `python -c "import ..."` of the third-party modules the program imports (found in its source)
  that the full preview loads: the SDKs alone, nothing of ours.
The median wall time of each (and of the CPU time the process used, which load disturbs less), the ratio of
the full preview to the floor, and the load average around the runs.
Each command runs once first, unmeasured, with Python's bytecode cache on (as a user's second run has
it; PYTHONDONTWRITEBYTECODE is dropped for the children).
`venv/bin/python benchmarks/preview_bench.py [--runs N]`. `--quick` (one run each) is what the test suite
runs, so that a broken benchmark fails it.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S, GOAL_RATIO = 1.0, 2.5
_PROGRAM = ("__main__.py", "facts", "settings", "renderers", "host", "components", "preview", "scenarios")
# harness.run("dev") with the fixtures this script wrote (the stand-in bundles' pins in place of upstream's),
# written and left as the preview CLI does.
_FULL = """import dataclasses, json, sys
from pathlib import Path
from preview import output
from preview.__main__ import finish
from preview.engine import run_program
from renderers.platform import manifests
overrides, pins = json.loads(sys.argv[2]), json.loads(sys.argv[3])
manifests.BUNDLES = tuple(dataclasses.replace(b, sha256=pins[b.name]) for b in manifests.BUNDLES)
result = run_program("dev", None, overrides)
output.write(result, Path(sys.argv[1]), result.outputs.get("kindConfig"))
loaded = [m for m in json.loads(sys.argv[4]) if m in sys.modules]
print(json.dumps(loaded))
print(f"{len(result.registrations)} resources")
finish(0)
"""


def program_imports() -> list[str]:
    """Every third-party module the program's source imports (module level or in a function)."""
    found = set()
    for top in _PROGRAM:
        for path in [ROOT / top] if top.endswith(".py") else (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module] if isinstance(node, ast.ImportFrom) and not node.level else [])
                found |= {n for n in names if n.split(".")[0] not in {*sys.stdlib_module_names, *_PROGRAM}}
    return sorted(found)


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(argv: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one run, and what it printed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start, cpu = time.perf_counter(), _cpu()
    p = subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, _cpu() - cpu, p.stdout


def _summary(runs: list[tuple[float, float]]) -> str:
    wall = [w for w, _ in runs]
    return (f"median {statistics.median(wall):.2f} s (min {min(wall):.2f}, max {max(wall):.2f}; "
            f"CPU {statistics.median(c for _, c in runs):.2f} s)")


def main(runs: int = 7) -> None:
    sys.path.insert(0, str(ROOT))
    from tests import harness  # writes the tests' checkout and the stand-in bundles (removed at exit)
    overrides = {"controllerCheckout": str(harness.CONTROLLER_CHECKOUT), "addonManifests": str(harness.ADDON_MANIFESTS)}
    pins = {b.name: b.sha256 for b in harness.STAND_IN_PINS}
    with tempfile.TemporaryDirectory() as out:
        user = [sys.executable, "-m", "preview", "--stack", "dev", "--out", f"{out}/user", "--quiet"]
        full = [sys.executable, "-c", _FULL, f"{out}/full", json.dumps(overrides), json.dumps(pins),
                json.dumps(program_imports())]
        _, _, printed = _run(full)  # unmeasured: writes the bytecode cache, finds what the program loads
        loaded = json.loads(printed.splitlines()[-2])
        floor = [sys.executable, "-c", f"import {', '.join(loaded)}"]
        _run(user), _run(floor)
        load_before = os.getloadavg()
        times: dict[str, list[tuple[float, float]]] = {"user": [], "full": [], "floor": []}
        said: dict[str, str] = {}
        for _ in range(runs):
            for what, argv in (("floor", floor), ("full", full), ("user", user)):
                seconds, cpu, printed = _run(argv)
                times[what].append((seconds, cpu))
                said[what] = (printed.strip().splitlines() or [""])[-1].split(" written")[0]
        load_after = os.getloadavg()
    median = {what: statistics.median(w for w, _ in runs) for what, runs in times.items()}
    ratio = median["full"] / median["floor"]
    met = median["full"] <= GOAL_S and ratio <= GOAL_RATIO
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; {runs} runs each, in turns")
    print(f"dev preview as this clone has it ({said['user']}): {_summary(times['user'])}")
    print(f"dev preview, every resource ({said['full']}; tests' checkout, stand-in bundles): "
          f"{_summary(times['full'])}")
    print(f"import floor ({', '.join(loaded)}): {_summary(times['floor'])}")
    print(f"ratio full / floor: {ratio:.2f}; goal <= {GOAL_S:.1f} s and <= {GOAL_RATIO} x floor: "
          f"{'met' if met else 'NOT met'}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="one run of each: proves the script works")
    a = ap.parse_args()
    main(1 if a.quick else a.runs)
