"""Which scenarios a stack may select: pure checks that the settings loader reports as config errors."""
from __future__ import annotations

import difflib

from scenarios.catalog import CATALOG

from .text import show

# What each need asks of the stack's workers, in words a config error can show.
_NEED_HINT = {
    "GPU": "no worker has gpu: true",
    "SR-IOV": "no worker has sriov set (workers[].sriov: {pf, vfs, address})",
}


def validate_selection(names: list[str], has_gpu: bool, has_sriov: bool, multi_worker: bool,
                       n_workers: int, has_video_dir: bool = True) -> list[str]:
    """Problems with the `scenarios` list and `multiWorker`, one line each; empty when all is well.

    has_video_dir: whether videoDir is set; send-video-tool mounts it, so video scenarios need it.
    """
    problems: list[str] = []
    have = {"GPU": has_gpu, "SR-IOV": has_sriov}
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(f"scenarios: {show(name)} is listed twice; list each scenario once")
            continue
        seen.add(name)
        scenario = CATALOG.get(name)
        if scenario is None:
            close = difflib.get_close_matches(name, list(CATALOG), n=1, cutoff=0.5) if len(name) < 100 else []
            hint = f"; did you mean {show(close[0])}?" if close else ""
            problems.append(f"scenarios: unknown scenario {show(name)}, must be one of: "
                            f"{', '.join(CATALOG)}{hint}")
            continue
        for need in scenario.needs:
            if not have[need]:
                problems.append(f"scenarios: {name} needs {'a ' if need == 'GPU' else ''}{need}, "
                                f"but {_NEED_HINT[need]}; add it or drop {name}")
        if scenario.video and not has_video_dir:
            problems.append(f"scenarios: {name} streams a video from send-video-tool, but videoDir is not "
                            "set; set videoDir to a folder with H.264 .mp4 files or drop " + name)
    if multi_worker and n_workers < 2:
        problems.append(f"multiWorker: spreads each scenario over two workers, but {n_workers} "
                        "worker(s) are configured; add a second worker or set multiWorker: false")
    return problems
