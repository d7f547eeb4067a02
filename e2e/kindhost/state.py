"""The twin's own state folder (OPENKASUGAI_TWIN_STATE), shared by the stand-in plugins and host tools:
the faults a step injects, what the stand-in registries hold, the simulated clusters kind made."""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

ENV = "OPENKASUGAI_TWIN_STATE"


class TwinError(Exception):
    pass


def folder() -> Path:
    value = os.environ.get(ENV)
    if not value:
        raise TwinError(f"{ENV} is not set: the stand-ins run only inside the kind-host twin (e2e/kindhost)")
    return Path(value)


def fault(name: str) -> str | None:
    """The fault a step injected under `name` (e.g. "image-build": a tag substring), or None."""
    try:
        return json.loads((folder() / "faults.json").read_text()).get(name)
    except FileNotFoundError:
        return None


def set_faults(state: Path, faults: dict[str, str]) -> None:
    _replace(state / "faults.json", json.dumps(faults))


def _replace(path: Path, text: str) -> None:
    """Readers take these files without the lock: they must see the old content or the new, never a file
    half written (a parallel build's check reading a truncated registry.json: the likely cause of a twin
    `up` that failed in CI after 49 creates, where the function images build side by side)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text)
    os.replace(partial, path)


@contextmanager
def locked_json(name: str):
    """A JSON mapping in the state folder, read and written under a lock (plugins run in parallel)."""
    path = folder() / name
    with open(folder() / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text()) if path.exists() else {}
        yield data
        _replace(path, json.dumps(data, indent=2, sort_keys=True))


def read_json(name: str) -> dict:
    try:
        return json.loads((folder() / name).read_text())
    except FileNotFoundError:
        return {}
