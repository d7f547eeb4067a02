"""How kind's answer is classified: config accepted, config rejected, or docker unusable (no verdict)."""
from __future__ import annotations

import pytest

from e2e.kindcheck import SENTINEL, KindCheckError, check


def _fake_kind(tmp_path, stderr: str, rc: int = 1):
    script = tmp_path / "kind"
    script.write_text(f"#!/bin/sh\ncat >&2 <<'EOF'\n{stderr}\nEOF\nexit {rc}\n")
    script.chmod(0o755)
    config = tmp_path / "kind-config.yaml"
    config.write_text("kind: Cluster\n")
    return script, config


def test_stopping_at_the_sentinel_pull_after_creating_means_accepted(tmp_path):
    kind, config = _fake_kind(tmp_path, f'Creating cluster "kind" ...\nERROR: failed to create cluster: '
                                        f'failed to pull image "{SENTINEL}": exit status 1')
    assert check(kind, config).accepted


def test_stopping_before_creating_is_a_rejection_with_kinds_message(tmp_path):
    kind, config = _fake_kind(tmp_path, "ERROR: failed to create cluster: invalid configuration for node 1")
    verdict = check(kind, config)
    assert not verdict.accepted and "invalid configuration for node 1" in verdict.config_error


def test_docker_being_unusable_is_no_verdict(tmp_path):
    kind, config = _fake_kind(tmp_path, "ERROR: failed to create cluster: failed to get docker info: "
                                        "Cannot connect to the Docker daemon")
    with pytest.raises(KindCheckError, match="could not reach docker"):
        check(kind, config)


def test_any_other_failure_after_creating_is_no_verdict(tmp_path):
    kind, config = _fake_kind(tmp_path, 'Creating cluster "kind" ...\nERROR: failed to create cluster: '
                                        'command "docker run --privileged" failed')
    with pytest.raises(KindCheckError, match="stopped for another reason"):
        check(kind, config)
