"""Benchmark: attach/detach of 2 PFs x N VFs via the CLI and in-process, against raw pyroute2 moves.

Run as root with Docker: `venv/bin/python benchmarks/host_bench.py [--vfs 8 64] [--rounds 3]`; it holds
the host lock (/tmp/aio-host.lock) and makes and removes its own uniquely named veths and containers;
`--quick` (one round of 2 VFs per PF) is what the host tests run, so that a broken benchmark fails them.
The floor is the same links moved with bare `IPRoute.link("set", net_ns_pid=...)` in the same run;
the goal is in-process <= 1.1 x floor. Uses the host tests' veth stand-ins and fake sysfs tree.
It prints the figures and whether each met the goal; a missed goal is reported, never an error
(exit 0), since single runs on a shared host are noisy."""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyroute2 import IPRoute  # noqa: E402

from host import sriov  # noqa: E402
from tests import hostlock  # noqa: E402
from tests.host_context import ctx  # noqa: E402
# Names unique to this run, made and removed here only (tests/host/conftest.py).
from tests.host.conftest import WORKERS, FakeSriov, Workers, import_image, pf_name, pid_of, vf_name  # noqa: E402

GOAL = 1.1  # in-process / floor


def _pids() -> dict[str, int]:
    pids = {w: pid_of(w) for w in WORKERS}
    missing = [w for w, pid in pids.items() if not pid]
    if missing:
        raise SystemExit(f"failed to start the worker stand-ins {', '.join(missing)}")
    return pids


def _names(i: int, n: int) -> list[str]:
    return [vf_name(i, v) for v in range(n)] + [pf_name(i)]


def floor(pids: dict[str, int], n: int) -> tuple[float, float]:
    """Raw pyroute2: the same 2 x (n + 1) links into the workers and back."""
    t0 = time.perf_counter()
    with IPRoute() as ipr:
        for i, w in enumerate(WORKERS):
            for name in _names(i, n):
                idx = ipr.link_lookup(ifname=name)
                assert idx, f"{name} not on the host"
                ipr.link("set", index=idx[0], net_ns_pid=pids[w])
    t1 = time.perf_counter()
    for i, w in enumerate(WORKERS):
        with IPRoute(netns=f"/proc/{pids[w]}/ns/net") as ns:
            for name in _names(i, n):
                ns.link("set", index=ns.link_lookup(ifname=name)[0], net_ns_pid=os.getpid())
    return t1 - t0, time.perf_counter() - t1


def specs(root: str, claims_dir: str, n: int) -> list[sriov.SriovSpec]:
    return [sriov.SriovSpec(stack="bench", worker=w, pf=pf_name(i), vfs=n, address=f"192.168.{10 + i}.1/24",
                            claims_dir=claims_dir, root=root) for i, w in enumerate(WORKERS)]


def in_process(ss: list[sriov.SriovSpec]) -> tuple[float, float]:
    t0 = time.perf_counter()
    for s in ss:
        sriov.attach(s, None, ctx(s))
    t1 = time.perf_counter()
    for s in ss:
        sriov.detach(s, None, ctx(s))
    return t1 - t0, time.perf_counter() - t1


def via_cli(ss: list[sriov.SriovSpec]) -> tuple[float, float]:
    def run(action: str) -> float:
        t = time.perf_counter()
        for s in ss:
            subprocess.run([sys.executable, "-m", "host", "sriov", action, "--worker", s.worker,
                            "--pf", s.pf, "--vfs", str(s.vfs), "--address", s.address, "--stack", s.stack,
                            "--claims-dir", s.claims_dir, "--root", s.root],
                           check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1])
        return time.perf_counter() - t
    return run("attach"), run("detach")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vfs", type=int, nargs="+", default=[8, 64])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one round of 2 VFs per PF: proves the script runs")
    args = ap.parse_args()
    if args.quick:
        args.vfs, args.rounds = [2], 1
        print("quick mode: one small round; the figures say nothing about the goal", flush=True)
    with hostlock.held():
        bench(args)


def bench(args) -> None:
    image = import_image()
    print(f"{'VFs/PF':>6} {'op':>6} {'floor ms':>9} {'in-proc ms':>10} {'ratio':>6} {'cli ms':>8} {'ratio':>6}  "
          f"goal (in-proc <= {GOAL} x floor)", flush=True)
    for n in args.vfs:
        with tempfile.TemporaryDirectory() as tmp:
            fake, workers = FakeSriov(Path(tmp) / "sysroot"), Workers(image)
            try:
                for i in range(2):
                    fake.pf(i, vfs=n, total=max(64, n))
                workers.start()
                pids = _pids()
                ss = specs(str(fake.root), f"{tmp}/claims", n)
                res = {"floor": [], "inproc": [], "cli": []}
                for _ in range(args.rounds):  # interleaved, so drift in host load hits all three
                    res["floor"].append(floor(pids, n))
                    res["inproc"].append(in_process(ss))
                    res["cli"].append(via_cli(ss))
                for k, op in enumerate(("attach", "detach")):
                    f, p, c = (statistics.median(r[k] for r in res[x]) * 1000 for x in ("floor", "inproc", "cli"))
                    goal = "met" if p / f <= GOAL else f"missed by {p - GOAL * f:.1f} ms ({p / f - GOAL:+.2f})"
                    print(f"{n:>6} {op:>6} {f:>9.1f} {p:>10.1f} {p / f:>6.2f} {c:>8.1f} {c / f:>6.2f}  {goal}",
                          flush=True)
            finally:
                workers.remove()
                fake.cleanup()


if __name__ == "__main__":
    main()
