"""What the images are built from, and their content-addressed tags (pure, no Pulumi)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from facts.function_catalog import FUNCTION_IMAGES, FunctionImage
from facts.shared import PROJECT_DIR
from settings.model import KIND_BASE_DIR, KIND_GO_VERSION

# The node images' build contexts, beside the NodeImages component that builds them. Their absolute path is
# an input of each node image's build resource, so moving them would rebuild every stack's node images.
DOCKERFILES = PROJECT_DIR / "components" / "dockerfiles"
UBUNTU_BASE = "ubuntu:jammy-20240911.1"
# kind's go-build stage also installs arm64 cross packages (for its multi-arch release). On an Ubuntu
# base they cannot resolve: archive.ubuntu.com has no arm64 indexes (arm64 lives on ports.ubuntu.com).
_ARM64 = (re.compile(r"dpkg --add-architecture arm64\s*&&\s*|\s*&&\s*dpkg --add-architecture arm64\b"),
          re.compile(r"[ \t]+(?:crossbuild-essential-arm64|libseccomp-dev:arm64)\b"))


def content_tag(*parts: object, paths: Iterable[str | Path] = (), big: int = 1 << 20) -> str:
    """A tag that changes exactly when the inputs change: a hash over values and files.

    Files larger than `big` (the NVIDIA installer) count by name, size and mtime, so that a
    preview does not read hundreds of megabytes; a missing path counts by its name only.
    """
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode() + b"\0")
    for root in paths:
        root = Path(root)
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for f in files:
            h.update(str(f.relative_to(root) if root.is_dir() else f.name).encode() + b"\0")
            if not f.exists():
                continue
            st = f.stat()
            if st.st_size > big:
                h.update(f"{st.st_size}:{int(st.st_mtime)}".encode())
            else:
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


def amd64_only(dockerfile: str) -> str:
    """kind's base Dockerfile without its arm64 cross-build packages; everything else unchanged.

    The amd64 image is built for amd64 only, so nothing uses them; the all-in-one's kind patch removes
    the same lines. The text is passed to the build inline: kind's checkout stays as it is.
    """
    for pattern in _ARM64:
        dockerfile = pattern.sub("", dockerfile)
    return dockerfile


@dataclass(frozen=True)
class KindBase:
    """How kind's base image is built from a kind checkout."""

    context: str
    dockerfile: Optional[str]  # amd64_only(kind's Dockerfile); None without the checkout (offline preview)
    go_version: str


def kind_base(kind_source: str) -> KindBase:
    """GO_VERSION comes from the checkout's .go-version, as kind's images/Makefile.common.in reads it."""
    root = Path(kind_source or "kind")
    dockerfile, go_version = root / KIND_BASE_DIR / "Dockerfile", root / KIND_GO_VERSION
    return KindBase(
        context=str(root / KIND_BASE_DIR),
        dockerfile=amd64_only(dockerfile.read_text()) if dockerfile.is_file() else None,
        go_version=(go_version.read_text().splitlines() or [""])[0].strip() if go_version.is_file()
        else f"(from {go_version})")


# CRI-O's deb repositories (github.com/cri-o/packaging README, "Project Layout"; docs/facts.md §8.1): one
# maintained repository per minor under openSUSE's isv:/cri-o, v1.28 onwards. pkgs.k8s.io's addons:/cri-o,
# which served v1.28 to v1.33, was left when the packaging moved (b133393, Feb 2025) and no longer gets
# patch releases (its v1.31 stopped at 1.31.5, cri-o/cri-o#9111).
CRIO_REPOSITORY = "https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v{minor}/deb/"


def crio_repository(crio_version: str) -> str:
    """The deb repository of CRI-O `MAJOR.MINOR` (settings check the format)."""
    major, minor = (int(x) for x in crio_version.split(".")[:2])
    return CRIO_REPOSITORY.format(minor=f"{major}.{minor}")


def function_image_ref(prefix: str, image: FunctionImage, checkout: str) -> str:
    root = Path(checkout) / image.context
    base = FUNCTION_IMAGES[image.base] if image.base else None
    base_tag = function_image_ref(prefix, base, checkout) if base else ""
    return f"{prefix}/{image.name}:{content_tag(image.dockerfile, base_tag, paths=[root])}"
