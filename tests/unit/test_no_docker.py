"""No unit or program test reaches Docker: tests/conftest.py gives them a `docker` that fails loudly and no
Engine API socket, and fails any test that used either. These prove the guard is in place."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from host import containers
from host.errors import HostOpError
from host.runner import for_root


def test_the_docker_on_path_of_a_unit_test_fails_loudly_and_is_recorded(docker_guard):
    assert shutil.which("docker") == str(docker_guard.folder / "docker")
    done = subprocess.run(["docker", "info"], capture_output=True, text=True)
    assert done.returncode == 99 and "called from a unit or program test" in done.stderr
    assert docker_guard.calls() == ["docker info"]
    docker_guard.forget()  # this test called it on purpose


def test_a_container_lookup_from_a_unit_test_reaches_no_docker(docker_guard):
    with pytest.raises(HostOpError, match="failed to inspect container kind-worker"):
        containers.container_pid("kind-worker", for_root("/"))  # no API socket: the CLI, which fails
    assert docker_guard.calls() == ["docker inspect --type container -- kind-worker"]
    docker_guard.forget()
