"""Runs the whole program under the SDK's mock engine for a stack config (tests' entry point)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from components.preview import output
from components.preview.engine import PROJECT_DIR, Result, run_program

STACKS = Path(__file__).resolve().parent / "stacks"
REFERENCE = PROJECT_DIR.parent / "shared" / "reference"
CONTROLLER_CHECKOUT = REFERENCE / "openkasugai-controller"


def run(stack: str = "dev", overrides: Optional[dict] = None) -> Result:
    """`stack` is a Pulumi.<stack>.yaml of the project, or a file name in tests/stacks/."""
    config_file = STACKS / f"{stack}.yaml"
    return run_program(stack, config_file if config_file.exists() else None, overrides)


def manifests(result: Result) -> list[dict]:
    return [output.manifest(r) for r in result.registrations if output.is_object(r)]


def names_of(result: Result, type_suffix: str) -> list[str]:
    return [r.name for r in result.by_type(type_suffix)]
