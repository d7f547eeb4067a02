"""The one filesystem every image of the twin is made from: busybox (the host tests' node image, as
tests/host/conftest.py makes it), imported with `docker import`. Node containers run it unprivileged,
the stand-in registry serves /v2/ from it; what the real images would hold is never claimed."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile

APPLETS = ("sh", "sleep", "cat", "mkdir", "chown", "chmod", "rm", "ls", "test", "true", "false", "echo", "env",
           "httpd", "ip", "id", "mv", "cp", "ln", "touch", "grep", "sed", "stat", "printf", "tr")
LABEL = "io.openkasugai-aio.twin"  # every image and container the twin makes carries it


class RootfsError(Exception):
    pass


def tar_bytes(files: dict[str, bytes] | None = None) -> bytes:
    busybox = shutil.which("busybox") or "/bin/busybox"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(busybox, arcname="bin/busybox")
        for name in APPLETS:
            info = tarfile.TarInfo(f"bin/{name}")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
        for path, data in sorted((files or {}).items()):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def import_image(tag: str, labels: dict[str, str] | None = None, cmd: list[str] | None = None,
                 files: dict[str, bytes] | None = None) -> str:
    """Import the busybox filesystem as `tag`; returns the image id (sha256:...)."""
    changes = [f"LABEL {json.dumps(k)}={json.dumps(v)}" for k, v in {LABEL: "1", **(labels or {})}.items()]
    if cmd:
        changes.append(f"CMD {json.dumps(cmd)}")
    argv = ["docker", "import"] + [a for c in changes for a in ("--change", c)] + ["-", tag]
    done = subprocess.run(argv, input=tar_bytes(files), capture_output=True)
    if done.returncode != 0:
        raise RootfsError(f"failed to import {tag}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode().strip()


def image_id(ref: str) -> str | None:
    done = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", ref], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def remove(refs: list[str]) -> None:
    if refs:
        subprocess.run(["docker", "image", "rm", *refs], capture_output=True)


def tag(source: str, target: str) -> None:
    subprocess.run(["docker", "tag", source, target], capture_output=True, check=True)
