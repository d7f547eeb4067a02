"""python -m e2e.kindhost.controller CLUSTER_STATE: the controller stand-in (e2e/standin.py) against one
simulated cluster of the twin's kind, until `kind delete cluster` stops it (SIGTERM). In a real cluster
the controller runs in it; here it runs beside it, started with it. Its errors go to its log."""
from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from e2e.simcluster.cluster import Cluster
from e2e.standin import ControllerStandIn


def main(state: str) -> None:
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    standin = ControllerStandIn(Cluster(Path(state)).api())
    standin.__enter__()  # its watch threads are daemons: the process ends without waiting for them
    done.wait()
    errors = [e for e in standin.errors if "the stand-in stopped" not in e]  # the API going away is no error
    for error in errors:
        print(f"controller stand-in: {error}", flush=True)
    os._exit(1 if errors else 0)


if __name__ == "__main__":
    main(sys.argv[1])
