"""Kubeconfigs of the simulated cluster, certificates embedded (the file stands alone)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

CONTEXT = "openkasugai-aio-e2e"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write(path: Path, port: int, pki: Path, user: str) -> None:
    """JSON is YAML: kubectl, client-go and pulumi-kubernetes all read it."""
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": CONTEXT,
        "clusters": [{"name": CONTEXT, "cluster": {"server": f"https://127.0.0.1:{port}",
                                                   "certificate-authority-data": _b64(pki / "ca.crt")}}],
        "users": [{"name": user, "user": {"client-certificate-data": _b64(pki / f"{user}.crt"),
                                          "client-key-data": _b64(pki / f"{user}.key")}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": user}}],
    }
    path.write_text(json.dumps(config, indent=2) + "\n")
    path.chmod(0o600)
