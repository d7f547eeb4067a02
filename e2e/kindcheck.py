"""Have the kind binary load and validate a kind config without creating any node.

`kind create cluster --config F` loads F with kind's strict decoder, defaults it and validates it,
and only then logs `Creating cluster "NAME" ...` and provisions (pkg/cluster/internal/create:
validateProvider, fixupOptions, alreadyExists, Config.Validate, the log line, p.Provision). Given
`--image` with a reference that cannot resolve, provisioning stops at its first step (pulling the
node image), before the docker network and the privileged node containers. So: the log line
present and the pull of SENTINEL failing = config accepted; kind stopping before the line = config
rejected (or docker unusable, told apart by kind's provider messages).
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# RFC 2606: .invalid never resolves, so the pull fails at once and no node is ever created.
SENTINEL = "kind-config-check.invalid/never-pulled:stop-before-nodes"
_CREATING = re.compile(r'Creating cluster ".+" \.\.\.')  # logged right after Config.Validate passed
_PROVIDER_ERRORS = ("failed to get docker info", "Cannot connect to the Docker daemon",
                    "executable file not found", "already exist for a cluster with the name")


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    config_error: str  # kind's own message when rejected


class KindCheckError(Exception):
    """kind could not judge the config (docker unusable, or it went further than it should)."""


def _create(kind: Path, config: Path, name: str | None) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="kindcheck-") as tmp:
        argv = [str(kind), "create", "cluster", "--config", str(config), "--image", SENTINEL, "--retain=false",
                "--kubeconfig", str(Path(tmp) / "kubeconfig")]
        if name:
            argv += ["--name", name]
        return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)


def check(kind: Path, config: Path) -> Verdict:
    done = _create(kind, config, None)
    out = done.stdout + done.stderr
    if "already exist for a cluster with the name" in out:
        # A real cluster of that name lives here: check the rest of the config under another name.
        done = _create(kind, config, "kindcheck-e2e")
        out = done.stdout + done.stderr
    if done.returncode == 0:
        raise KindCheckError(f"kind created a cluster from {config}; it should have stopped at the image pull")
    if _CREATING.search(out):
        if f'failed to pull image "{SENTINEL}"' in out:
            return Verdict(True, "")
        raise KindCheckError(f"kind accepted {config} but stopped for another reason:\n{out.strip()}")
    if any(marker in out for marker in _PROVIDER_ERRORS):
        raise KindCheckError(f"kind could not reach docker, so {config} was not checked:\n{out.strip()}")
    errors = [line for line in out.splitlines() if line.strip()]
    return Verdict(False, "\n".join(errors[-10:]))
