"""The NVIDIA installer given by gpuDriverFile, in a folder of its own in the cache.

The GPU node image takes the installer's folder as a named build context, and the build tool hashes and
sends a whole context on every build: given in place (`~/NVIDIA-...run`, or `work/` beside the video
folder as the reference stack has it) that is the user's home or the videos. So `pulumi up` links (or, across
filesystems, copies) the file into `<cache>/gpu-driver/<sha256>/`, named as given, and builds from there.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .fetch import sha256_file


class StageError(Exception):
    pass


def staged(key: str, driver: str, cache: Path) -> str:
    """The path of the installer's own copy in `cache` (made when missing; the same content is reused);
    a failure is a StageError naming `key`, like a failed fetch."""
    source = Path(driver)
    digest = sha256_file(source)
    dest = Path(cache) / "gpu-driver" / digest[:16] / source.name
    if dest.is_file() and dest.stat().st_size == source.stat().st_size and sha256_file(dest) == digest:
        return str(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        part.unlink(missing_ok=True)
        try:
            os.link(source, part)
        except OSError:  # another filesystem, or links not allowed there
            shutil.copyfile(source, part)
        os.replace(part, dest)
    except OSError as err:
        raise StageError(f"{key}: could not place {source} in {dest.parent} for the GPU image build: "
                         f"{err.strerror or err}; set sourceCache to a writable folder") from err
    return str(dest)
