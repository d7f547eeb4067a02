"""Part of the preflight step: whether a file a stack names is the kind of file its key says, read with a
bound (a path that names /dev/zero or a 4 GiB file must not stall the preview). Each check returns what is
wrong with the file, in words that follow its path, or None."""
from __future__ import annotations

import ssl
from pathlib import Path
from typing import Optional

from .stackfile import parse_yaml
from .text import show

MAX_TEXT = 1024 * 1024  # a CA bundle or a kubeconfig is a few KiB
HEADER = 16 * 1024  # the shell stub at the start of a makeself archive
_PEM_BEGIN = "-----BEGIN "


def _text(path: Path, limit: int = MAX_TEXT) -> tuple[Optional[str], Optional[str]]:
    """(text, None) or (None, why not): at most `limit` bytes of UTF-8 text."""
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as err:
        return None, f"cannot be read: {err.strerror or err}"
    if len(data) > limit:
        return None, f"is larger than {limit // 1024} KiB"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "is not text"


def ca_certificate(path: Path) -> Optional[str]:
    """The registry's CA, mounted into every node and trusted for pushes: PEM certificates, each one a
    parseable X.509 certificate (OpenSSL reads them), and nothing else: no private key, no other block."""
    text, why = _text(path)
    if why:
        return f"{why}, not a PEM CA certificate"
    blocks = [line[len(_PEM_BEGIN):].rstrip("-") for line in text.splitlines() if line.startswith(_PEM_BEGIN)]
    if not blocks:
        return "holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the registry's CA certificate"
    other = next((b for b in blocks if b != "CERTIFICATE"), None)
    if other:
        return (f"holds a {show(other)} block: it is mounted into every node, so it may hold only "
                "the CA's certificate")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=text)
    except (ssl.SSLError, ValueError) as err:
        return f"is not a valid PEM certificate: {' '.join(str(err).split())[:120]}"
    return None


def kubeconfig(path: Path) -> Optional[str]:
    """A kubeconfig with a current context that names one of its contexts, read with the stack file's YAML
    loader (no anchors or aliases, so no expansion bomb)."""
    text, why = _text(path)
    if why:
        return f"{why}, not a kubeconfig"
    try:
        doc = parse_yaml(text)
    except ValueError as err:
        return f"is not a kubeconfig: {err}"
    if not isinstance(doc, dict) or doc.get("kind", "Config") != "Config" or not isinstance(doc.get("contexts"), list):
        return "is not a kubeconfig (a YAML mapping of kind: Config with clusters, contexts and users)"
    current = doc.get("current-context")
    if not isinstance(current, str) or not current:
        return "has no current-context; set one (kubectl config use-context NAME --kubeconfig FILE)"
    if not any(isinstance(c, dict) and c.get("name") == current for c in doc["contexts"]):
        return f"names the current-context {show(current)}, which is not among its contexts"
    return None


def nvidia_installer(path: Path) -> Optional[str]:
    """An NVIDIA driver installer (NVIDIA-Linux-<arch>-<version>.run) is a makeself archive: a /bin/sh stub,
    then the compressed payload. NVIDIA's makeself (1.6.0-nv*) writes `label="NVIDIA ..."` and the startup
    script `nvidia-installer` into the stub, within its first few KiB. Checked there, so that a file that is
    not the installer (a text file renamed .run, /etc/shadow) is refused before it is copied into the GPU
    worker's image build and run as root; the payload's checksums are the installer's own to verify."""
    try:
        with path.open("rb") as f:
            head = f.read(HEADER)
    except OSError as err:
        return f"cannot be read: {err.strerror or err}"
    first, _, rest = head.partition(b"\n")
    if not (first.startswith(b"#!") and first[2:].strip() in (b"/bin/sh", b"/bin/bash")):
        return "is not an NVIDIA .run installer (it does not start with #!/bin/sh, as a makeself archive does)"
    if b'\nlabel="NVIDIA ' not in b"\n" + rest or b"nvidia-installer" not in rest:
        return ("is a shell script but not NVIDIA's driver installer (no label=\"NVIDIA ...\" and "
                "nvidia-installer in its makeself header); give NVIDIA-Linux-<arch>-<version>.run as downloaded")
    return None
