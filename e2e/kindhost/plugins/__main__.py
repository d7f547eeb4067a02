"""python -m e2e.kindhost.plugins NAME [engine address] [flags]: serve the stand-in plugin NAME."""
from __future__ import annotations

import sys

from . import command, docker, docker_build
from .install import wanted
from .protocol import serve

RESOURCES = {"command": command.RESOURCES, "docker-build": docker_build.RESOURCES, "docker": docker.RESOURCES}

if __name__ == "__main__":
    serve(sys.argv[1], wanted(sys.argv[1]), RESOURCES[sys.argv[1]], sys.argv[2:])
