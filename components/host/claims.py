"""Host claims: which stack holds which GPU and which PFs, in one locked JSON file shared by stacks."""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from components.constants import gpu_claim_key, pf_claim_key  # noqa: F401  (claim keys live with the claims)

from .errors import ClaimsError, Refused

FILE = "claims.json"


def _repair(path: Path) -> str:
    return (f"it records which stack holds which device, as {{\"pf:NAME\": {{\"stack\": ...}}}}; "
            f"repair it by hand, or, if no stack holds devices on this host, move it aside "
            f"(mv {path} {path}.broken)")


def _read(claims_dir: str) -> dict:
    """The claims, checked: a broken file is an error naming it, never a traceback."""
    path = Path(claims_dir) / FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise ClaimsError(f"failed to read the claims file {path}: {err.strerror or err}; "
                          "run as root, or pass --claims-dir / set hostClaimsDir") from err
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as err:
        raise ClaimsError(f"failed to read the claims file {path}: not JSON ({err}); {_repair(path)}") from err
    if not isinstance(data, dict) or not all(isinstance(v, dict) and isinstance(v.get("stack"), str)
                                             for v in data.values()):
        raise ClaimsError(f"failed to read the claims file {path}: not a mapping of device to "
                          f"{{\"stack\": ...}}; {_repair(path)}")
    return data


@contextmanager
def _locked(claims_dir: str):
    path = Path(claims_dir) / FILE
    try:
        Path(claims_dir).mkdir(parents=True, exist_ok=True)
        lock = open(Path(claims_dir) / "claims.lock", "w")
    except OSError as err:
        raise ClaimsError(f"failed to open the claims file {path}: {err.strerror or err}; "
                          "run as root, or pass --claims-dir / set hostClaimsDir") from err
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # stacks on one host run `pulumi up` concurrently
        data = _read(claims_dir)
        yield data
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
            os.replace(tmp, path)  # atomic: a crash never leaves half a file
        except OSError as err:
            raise ClaimsError(f"failed to write the claims file {path}: {err.strerror or err}") from err


def load(claims_dir: str) -> dict:
    return _read(claims_dir)


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
                f"run `pulumi destroy` in that stack first, or edit {Path(claims_dir) / FILE} if it is gone")
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
