"""python -m preview --stack NAME --out DIR [--config-file PATH]: preview without a CLI or cluster.

Exit codes: 0 written; 2 invalid stack config (one line per problem on stderr); 1 any other failure.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from pulumi.errors import RunError

from facts.shared import PROJECT_DIR
from settings import SettingsError

from . import output
from .engine import run_program


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m preview", description=__doc__.splitlines()[0])
    ap.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default dev)")
    ap.add_argument("--config-file", type=Path, help="a stack config file to use instead of Pulumi.<stack>.yaml")
    ap.add_argument("--out", type=Path, default=Path("out/preview"), help="output folder (default out/preview)")
    ap.add_argument("--strict", action="store_true",
                    help="require the kind-host's files (driver, CA, sources) as `pulumi up` does")
    ap.add_argument("--fetch", action="store_true",
                    help="fetch upstream material missing from the cache (controller, add-ons, kind, Kubernetes)")
    ap.add_argument("--quiet", action="store_true", help="do not print the resource tree")
    args = ap.parse_args(argv)
    if args.config_file and not args.config_file.is_file():
        what = "is a folder, not a stack file" if args.config_file.is_dir() else "not found"
        print(f"--config-file: {args.config_file} {what}", file=sys.stderr)
        return 2
    if not args.config_file and not (PROJECT_DIR / f"Pulumi.{args.stack}.yaml").is_file():
        # Without its file a stack name would silently preview Pulumi.yaml's defaults.
        print(f"--stack: no {PROJECT_DIR / f'Pulumi.{args.stack}.yaml'}; pass --config-file PATH "
              f"(or create the stack: pulumi stack init {args.stack})", file=sys.stderr)
        return 2
    try:
        result = run_program(args.stack, args.config_file, strict=args.strict, fetch=args.fetch)
    except SettingsError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return 2
    except RunError as err:  # config that only the checkout or the scenarios can judge
        print(err, file=sys.stderr)
        return 2
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        print(output.tree(result))
    count = output.write(result, args.out, result.outputs.get("kindConfig"))
    print(f"{len(result.registrations)} resources, {count} Kubernetes manifests written to {args.out}")
    return 0


def finish(code: int) -> NoReturn:
    """Exit without the interpreter's teardown of the SDK's objects and threads (about 0.1 s of a preview):
    by now every file is written and closed, and nothing registered at exit matters to the preview."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    finish(main())
