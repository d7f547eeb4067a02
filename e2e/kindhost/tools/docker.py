"""STAND-IN `docker push` of the kind-host twin: the twin's registries serve only GET /v2/ (no blobs), so
a push to one of them checks what a push needs (the image is in Docker's store, the registry answers) and
records the tag in the twin's registry catalog (state.py registry.json), where the docker-build stand-in
finds pushed images; a push anywhere else is the real Docker CLI's. Every other command never reaches
this module (tools/docker.sh.in passes it to the real CLI)."""
from __future__ import annotations

import hashlib
import os
import sys
import urllib.request

from e2e.kindhost import rootfs, state


def _registry(ref: str) -> str:
    first = ref.split("/", 1)[0]
    return first if "/" in ref and ("." in first or ":" in first or first == "localhost") else ""


def _answers(registry: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{registry}/v2/", timeout=5) as r:
            return r.status == 200 and r.headers.get("Docker-Distribution-API-Version") is None
    except OSError:
        return False


def main(real: str, argv: list[str]) -> int:
    args = [a for i, a in enumerate(argv) if not (a.startswith("--config") or (i and argv[i - 1] == "--config"))]
    ref = args[args.index("push") + 1] if "push" in args and args.index("push") + 1 < len(args) else ""
    registry = _registry(ref)
    if not registry or not _answers(registry):
        os.execv(real, [real, *argv])
    image = rootfs.image_id(ref)
    if not image:
        print(f"An image does not exist locally with the tag: {ref.rsplit(':', 1)[0]}", file=sys.stderr)
        return 1
    digest = "sha256:" + hashlib.sha256(f"{image}\0{ref}".encode()).hexdigest()
    with state.locked_json("registry.json") as registries:
        registries.setdefault(registry, {})[ref] = digest
    print(f"The push refers to repository [{ref.rsplit(':', 1)[0]}]\n{ref.rsplit(':', 1)[-1]}: digest: {digest} size: 0")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
