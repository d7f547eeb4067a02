"""The kind binary loads and validates the kind configs the program renders (no node is created)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from e2e.kindcheck import check

REPO = Path(__file__).resolve().parents[2]
STACKS = {"dev": ["--stack", "dev"], "cpu-only": ["--config-file", "tests/stacks/cpu-only.yaml"]}


def _render(args: list[str], out: Path) -> Path:
    done = subprocess.run([sys.executable, "-m", "preview", *args, "--out", str(out), "--quiet"],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return out / "kind-config.yaml"


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_kind_accepts_the_rendered_config(stack, toolchain, tmp_path):
    config = _render(STACKS[stack], tmp_path)
    verdict = check(toolchain.tool("kind"), config)
    assert verdict.accepted, f"kind rejects the {stack} stack's kind config:\n{verdict.config_error}"


@pytest.mark.parametrize("mutation, message", [
    (lambda text: text.replace("role: worker", "role: wroker", 1), "role"),
    (lambda text: text.replace("networking:", "networking:\n  podSubnetz: 10.0.0.0/16", 1), "podSubnetz"),
])
def test_a_config_kind_rejects_is_reported_with_kinds_message(mutation, message, toolchain, tmp_path):
    config = _render(STACKS["cpu-only"], tmp_path)
    config.write_text(mutation(config.read_text()))
    verdict = check(toolchain.tool("kind"), config)
    assert not verdict.accepted
    assert message in verdict.config_error
