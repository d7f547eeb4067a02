"""e2e/run --report DIR [--skip-host]: see e2e/fullstack/run.py. Exit 0 passed, 1 failed, 2 bad arguments."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from e2e.cli.journey import JourneyError
from e2e.cli.session import CliError
from e2e.engine import diagnostics
from e2e.fullstack.bundles import BundleError
from e2e.fullstack.floor import FloorError
from e2e.fullstack.run import E2eError, Report, full_stack, host_steps
from e2e.kindhost.run import kind_host
from e2e.simcluster.errors import ClusterError
from e2e.toolchain import ToolchainError, locate, locate_floor
from e2e.toolchain import items


def toolchain_versions() -> dict[str, str]:
    """As the toolchain manifest states them; a piece that cannot be built says why."""
    return {"pulumi": items.PULUMI, "kube-apiserver": items.KUBERNETES,
            "pulumi-resource-kubernetes": items.KUBERNETES_PROVIDER,
            "pulumi-resource-command": "not built: " + items.UNAVAILABLE["pulumi-resource-command 1.2.1"],
            "etcd": items.ETCD, "kwok": items.KWOK, "kind": items.KIND}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="e2e/run", description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, required=True, help="folder for report.json and the work files")
    parser.add_argument("--skip-host", action="store_true", help="leave out the host-device steps (need root)")
    args = parser.parse_args(argv)
    try:
        chain = locate()
        for built in (chain, locate_floor()):
            if not built.complete():
                raise ToolchainError(f"the e2e toolchain is not built at {built.home}: run e2e/toolchain/build")
    except ToolchainError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    report = Report(toolchain_versions())
    work = args.report.resolve() / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cache = Path(os.environ.get("OPENKASUGAI_E2E_BUNDLES") or Path.home() / ".cache/openkasugai-aio/e2e-bundles")
    failed = ""
    try:
        full_stack(chain, work, report, cache)
        if not args.skip_host:
            host_steps(report, work / "host-steps.json")
            kind_host(chain, work / "kindhost", cache, report.kindhost)
    except (E2eError, ClusterError, BundleError, FloorError, JourneyError, CliError) as err:
        failed = str(err)
    except Exception as err:  # noqa: BLE001 - an engine failure (CommandError): its diagnostics, not a traceback
        failed = diagnostics(f"{type(err).__name__}: {err}")
    (args.report / "report.json").write_text(json.dumps(
        {"toolchain": report.toolchain, "steps": report.steps, "api_objects_left": report.api_objects_left,
         "floor": report.floor, "cli": report.cli, **report.kindhost,
         **({"failed": failed} if failed else {})}, indent=2) + "\n")
    if failed:
        print(f"ERROR: {failed[-4000:]}", file=sys.stderr)
        return 1
    print(f"e2e: passed; {args.report / 'report.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
