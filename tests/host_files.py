"""Stand-ins for the kind-host files that settings check by content (settings/contents.py):
the registry's CA (a real, self-signed test certificate whose key was never kept) and the head of an
NVIDIA driver installer (the makeself stub NVIDIA's .run files start with, without a payload)."""
from __future__ import annotations

from pathlib import Path

CA_CERTIFICATE = (Path(__file__).resolve().parent / "stacks" / "external-ca.crt").read_text()
NVIDIA_RUN_STUB = """#! /bin/sh
CRCsum=0000000000
MD5=00000000000000000000000000000000
skip=12
label="NVIDIA Accelerated Graphics Driver for Linux-x86_64 550.90.12"
version_string=550.90.12
script=./nvidia-installer
targetdir=NVIDIA-Linux-x86_64-550.90.12
# a stand-in for the tests: the stub's first lines, no payload
exit 1
"""


def write_ca(path: Path) -> Path:
    path.write_text(CA_CERTIFICATE)
    return path


def write_nvidia_run(path: Path) -> Path:
    path.write_text(NVIDIA_RUN_STUB)
    return path
