"""The README's commands, word for word, in a clone of the current commit with nothing beside it.

The clone gets no OPENKASUGAI_AIO_REFERENCE and no CI: it is a newcomer's machine, so the only skips
allowed are the upstream-conformance tests, naming that variable. The inner test run leaves this test
out (tests/conftest.py), so it does not recurse. pip's cache keeps the venv set-up quick.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import INNER_RUN_ENV
from tests.harness import REFERENCE_ENV

ROOT = Path(__file__).resolve().parents[2]
# The README's test command includes the host tier, which uses Docker: this test is not a pure one.
pytestmark = pytest.mark.runs_host_tier
README = (ROOT / "README.md").read_text()


def _run(argv, cwd, env, timeout=1800):
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_readme_set_up_preview_and_tests_pass_in_a_lone_clone(tmp_path):
    clone = tmp_path / "clone"  # tmp_path holds nothing else: no ../shared
    head = _run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], ROOT, None).stdout.strip()
    for argv in (["git", "init", "-q", str(clone)],
                 ["git", "-C", str(clone), "fetch", "-q", "--depth", "1", f"file://{ROOT}", head],
                 ["git", "-C", str(clone), "-c", "advice.detachedHead=false", "checkout", "-q", "FETCH_HEAD"]):
        assert _run(argv, tmp_path, None).returncode == 0, argv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clone"]
    env = {k: v for k, v in os.environ.items()
           if k not in (REFERENCE_ENV, "CI", "VIRTUAL_ENV", "PYTHONPATH") and not k.startswith("PYTEST")}

    set_up = re.search(r"```sh\n(.*?)```", README, flags=re.S).group(1)
    done = _run(["bash", "-euo", "pipefail", "-c", set_up], clone, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (clone / "out/preview/resources.json").is_file()
    assert "warning: controllerCheckout:" in done.stderr

    test_command = re.search(r"```sh\n(\./venv/bin/python -m pytest)\n```", README).group(1)
    tests = _run(["bash", "-euo", "pipefail", "-c", test_command], clone, {**env, INNER_RUN_ENV: "1"})
    tail = tests.stdout[-6000:]
    assert tests.returncode == 0, tail
    skips = [line for line in tests.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips, "the upstream-conformance tests skip without the reference data"
    host_skips = [s for s in skips if "tests/host/" in s and not os.environ.get("CI")]  # no root/Docker here
    assert all(REFERENCE_ENV in s for s in skips if s not in host_skips), skips
