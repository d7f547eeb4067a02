"""Runs the whole program under the SDK's mock engine for a stack config (tests' entry point)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from components.preview import output
from components.preview.engine import PROJECT_DIR, Result, run_program

STACKS = Path(__file__).resolve().parent / "stacks"
REFERENCE = PROJECT_DIR.parent / "shared" / "reference"
CONTROLLER_CHECKOUT = REFERENCE / "openkasugai-controller"


def kind_host_checkout(root: Path) -> Path:
    """A controller checkout as a kind-host has it: the reference YAML plus the function Dockerfiles."""
    from components.imagespec import FUNCTION_IMAGES
    checkout = root / "controller"
    checkout.mkdir()
    for top in ("src", "test"):
        (checkout / top).symlink_to(CONTROLLER_CHECKOUT / top)
    for image in FUNCTION_IMAGES.values():
        dockerfile = checkout / image.context / image.dockerfile
        dockerfile.parent.mkdir(parents=True, exist_ok=True)
        dockerfile.write_text(f"FROM {image.base_ref or 'ubuntu:22.04'}\n")
    return checkout


def kind_checkout(root: Path) -> Path:
    """A kind checkout as the base image needs it: images/base/Dockerfile and .go-version."""
    kind = root / "kind"
    (kind / "images/base").mkdir(parents=True, exist_ok=True)
    (kind / "images/base/Dockerfile").write_text("ARG GO_VERSION\n")
    (kind / ".go-version").write_text("1.22.6\n")
    return kind


def run(stack: str = "dev", overrides: Optional[dict] = None) -> Result:
    """`stack` is a Pulumi.<stack>.yaml of the project, or a file name in tests/stacks/."""
    config_file = STACKS / f"{stack}.yaml"
    return run_program(stack, config_file if config_file.exists() else None, overrides)


def manifests(result: Result) -> list[dict]:
    return [output.manifest(r) for r in result.registrations if output.is_object(r)]


def names_of(result: Result, type_suffix: str) -> list[str]:
    return [r.name for r in result.by_type(type_suffix)]
