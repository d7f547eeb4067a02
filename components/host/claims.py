"""Host claims: which stack holds which GPU and which PFs, in one locked JSON file shared by stacks."""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from .errors import Refused

DEFAULT_DIR = "/var/lib/openkasugai-aio"


@contextmanager
def _locked(claims_dir: str):
    Path(claims_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(claims_dir) / "claims.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # stacks on one host run `pulumi up` concurrently
        path = Path(claims_dir) / "claims.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        yield data
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
        os.replace(tmp, path)  # atomic: a crash never leaves half a file


def load(claims_dir: str) -> dict:
    path = Path(claims_dir) / "claims.json"
    return json.loads(path.read_text()) if path.exists() else {}


def holder(claims_dir: str, key: str) -> dict | None:
    """key is 'gpu:<pci>' or 'pf:<name>'."""
    return load(claims_dir).get(key)


def check(claims_dir: str, key: str, stack: str) -> str | None:
    """The reason a claim by stack would be refused, or None."""
    return refusal(holder(claims_dir, key), key, stack, claims_dir)


def refusal(held: dict | None, key: str, stack: str, claims_dir: str) -> str | None:
    """check() on a holder already read (one read of the file per operation)."""
    if held and held.get("stack") != stack:
        return (f"{key} is held by stack {held['stack']!r} (worker {held.get('worker')!r}); "
                f"run `pulumi destroy` in that stack first, or edit {claims_dir}/claims.json if it is gone")
    return None


def claim(claims_dir: str, key: str, stack: str, **data) -> None:
    with _locked(claims_dir) as claims:
        held = claims.get(key)
        if held and held.get("stack") != stack:
            raise Refused(f"failed to claim {key} for stack {stack!r}: held by stack "
                          f"{held['stack']!r}; run `pulumi destroy` in that stack first")
        claims[key] = {**(held or {}), **data, "stack": stack}


def update(claims_dir: str, key: str, stack: str, **data) -> None:
    with _locked(claims_dir) as claims:
        if key in claims and claims[key].get("stack") == stack:
            claims[key].update(data)


def release(claims_dir: str, key: str, stack: str) -> None:
    with _locked(claims_dir) as claims:
        if key in claims and claims[key].get("stack") == stack:
            del claims[key]
