"""Fetching pinned upstream material into the cache and verifying it: git by commit, files by SHA-256.

Git runs through one argv-list runner (no shell); files come over HTTP(S) with urllib. Everything is
written to a unique `.partial-*` sibling first and renamed into place once verified, so an interrupted
fetch never leaves a folder that looks complete, and two stacks fetching at once do not collide.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional

from host.runner import CommandError, SubprocessRunner

Progress = Callable[[str], None]
GIT = SubprocessRunner(timeout=3600.0)  # a Kubernetes tree takes minutes on a slow line
os.environ.setdefault("GIT_TERMINAL_PROMPT", "0")  # a wrong URL fails instead of asking for a password


class FetchError(Exception):
    """Fetching or verifying failed; the message starts with the stack key that provides the material."""


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def git_head(folder: Path) -> Optional[str]:
    """The commit checked out in `folder`, or None when it is no git checkout."""
    if not (Path(folder) / ".git").exists():
        return None
    res = GIT.run(["git", "-C", str(folder), "rev-parse", "HEAD"], check=False)
    return res.stdout.strip() if res.ok else None


def fetch_git(key: str, url: str, tag: str, commit: str, dest: Path, progress: Progress = stderr_progress) -> Path:
    """A shallow checkout of `tag` at `dest`; the tag must resolve to `commit`."""
    dest = Path(dest)
    progress(f"fetching {key}: {url} {tag} ({commit[:12]}) into {dest}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{dest.name}.partial-", dir=dest.parent))
    git = ["git", "-C", str(tmp)]
    try:
        GIT.run(["git", "init", "-q", str(tmp)])
        GIT.run(git + ["fetch", "-q", "--depth", "1", "--no-tags", url, f"+refs/tags/{tag}:refs/tags/{tag}"])
        got = GIT.run(git + ["rev-parse", f"refs/tags/{tag}^{{commit}}"]).stdout.strip()
        if got != commit:
            raise FetchError(f"{key}: {url} tag {tag} is commit {got}, but {commit} is pinned; "
                             "the tag was moved upstream: give a checkout by path or update the pin")
        GIT.run(git + ["-c", "advice.detachedHead=false", "checkout", "-q", "--detach", commit])
    except CommandError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise FetchError(f"{key}: could not fetch {url} {tag}: {err.result.stderr.strip() or err}") from None
    except FetchError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        tmp.rename(dest)
    except OSError:  # another run put it there first; the resolver verifies whatever is there
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def fetch_file(key: str, url: str, sha256: str, dest: Path, progress: Progress = stderr_progress,
               timeout: float = 120.0) -> Path:
    """Download `url` to `dest`; its SHA-256 must be `sha256`."""
    dest = Path(dest)
    progress(f"fetching {key}: {url} (sha256 {sha256[:12]}) into {dest}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read()
    except (urllib.error.URLError, OSError) as err:
        raise FetchError(f"{key}: could not download {url}: {getattr(err, 'reason', err)}") from None
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        raise FetchError(f"{key}: {url} has SHA-256 {got}, but {sha256} is pinned; not used")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{dest.name}.partial-", dir=dest.parent)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, dest)
    return dest
