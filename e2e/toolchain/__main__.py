"""Build the e2e toolchain into its cache folder, or verify the one already built.

Usage: e2e/toolchain/build [--check] [--keep-go-cache]
  --check: verify only, fail if anything is missing.
  --keep-go-cache: keep the Go build cache (about 9 GB) that a build fills; by default it is removed
  once everything is built, since only the finished tools are reused.
One progress line per item with its time, then the total. A failure exits 1 whatever CI says.
The floor tools (items.FLOOR_ITEMS: kubectl) go into a cache folder of their own, after the others.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import shutil
import sys
import time

from e2e.toolchain import ToolchainError, cache_root, go_version, locate, locate_floor
from e2e.toolchain.items import UNAVAILABLE
from e2e.toolchain.recipes import Builder


def _line(index: int, total: int, item, status: str, seconds: float) -> None:
    label = f"{item.name} {item.version}"
    print(f"[{index:2}/{total}] {label:<44} {status:<18} {seconds:8.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="e2e/toolchain/build", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the cache only; build nothing")
    parser.add_argument("--keep-go-cache", action="store_true", help="keep the Go build cache after a build")
    args = parser.parse_args(argv)
    try:
        chains = (locate(), locate_floor())
        for chain in chains:
            chain.home.mkdir(parents=True, exist_ok=True)
        with open(cache_root() / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return _run(chains, args.check, args.keep_go_cache)
    except ToolchainError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1


def _run(chains, check_only: bool, keep_go_cache: bool) -> int:
    print(f"e2e toolchain ({go_version()}) at {' and '.join(str(c.home) for c in chains)}", flush=True)
    started = time.monotonic()
    total = sum(len(chain.items) for chain in chains)
    built = index = 0
    for chain in chains:
        builder = Builder(chain)
        manifest = chain.manifest()
        for item in chain.items:
            index += 1
            t0 = time.monotonic()
            if manifest.get(item.name, {}).get("version") == item.version:
                builder.verify(item)
                _line(index, total, item, "cached, verified", time.monotonic() - t0)
                continue
            if check_only:
                raise ToolchainError(f"{item.name} {item.version} is not built: run e2e/toolchain/build")
            builder.build(item)
            builder.verify(item)
            seconds = time.monotonic() - t0
            manifest[item.name] = {"version": item.version, "seconds": round(seconds, 1)}
            chain.manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
            built += 1
            _line(index, total, item, "built", seconds)
    for piece, why in UNAVAILABLE.items():
        print(f"not built: {piece}: {why}")
    go_cache = cache_root() / "go-build"
    if built and not keep_go_cache and go_cache.exists():
        shutil.rmtree(go_cache)
        print(f"removed the Go build cache {go_cache} (--keep-go-cache keeps it)")
    print(f"total {time.monotonic() - started:.1f} s ({built} built, {total - built} cached)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
