"""e2e/cluster up|down|env [--state DIR] [--workers node-a,node-b] [--control-plane NAME]

up: start a simulated cluster (kwok nodes) from the e2e toolchain; env: print `export KUBECONFIG=...`;
down: stop it and remove its state folder.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path

from e2e.simcluster.cluster import Cluster
from e2e.simcluster.errors import ClusterError
from e2e.toolchain import ToolchainError, locate

STATE_ENV = "OPENKASUGAI_E2E_CLUSTER"


def default_state() -> Path:
    return Path(os.environ.get(STATE_ENV) or Path(tempfile.gettempdir()) / "openkasugai-aio-e2e-cluster")


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise argparse.ArgumentTypeError("--workers needs at least one node name")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="e2e/cluster", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("up", "down", "env"))
    parser.add_argument("--state", type=Path, default=None, help=f"state folder (default ${STATE_ENV} or "
                                                                 f"{default_state()})")
    parser.add_argument("--workers", type=_names, default=("node-a", "node-b"),
                        help="comma-separated worker node names (the stack's workers)")
    parser.add_argument("--control-plane", default="control-plane",
                        help="name of the tainted control-plane node ('' for none)")
    args = parser.parse_args(argv)
    cluster = Cluster((args.state or default_state()).resolve(), args.workers, args.control_plane)
    try:
        if args.command == "up":
            cluster.up(locate())
            print(f"export KUBECONFIG={shlex.quote(str(cluster.kubeconfig))}")
        elif args.command == "down":
            cluster.down()
        else:
            for key, value in cluster.env().items():
                print(f"export {key}={shlex.quote(value)}")
    except (ClusterError, ToolchainError) as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
