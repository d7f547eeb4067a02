"""Host claims: which stack holds which GPU, PF, hugepage pool and host-wide names, in locked JSON files.

One set of claims per host. A stack keeps its claims in its claims folder (hostClaimsDir; by default the
host's folder, constants.CLAIMS_DIR under the root it acts on), but every claim is checked against
the claims of every folder in use on that host: the host's folder lists each other folder that holds
claims (folders.json), and every write holds the host folder's lock. So a stack cannot opt out of the
exclusion by pointing hostClaimsDir elsewhere, and the folder of its choice still works.
"""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable

from facts.shared import CLAIMS_DIR, gpu_claim_key, pf_claim_key  # noqa: F401  (claim keys live with the claims)

from .errors import ClaimsError, Refused

FILE = "claims.json"
INDEX = "folders.json"  # in the host's folder: the other folders that hold claims


def host_folder(root: str) -> str:
    """The host's claims folder for an operation on `root` (a fake root has its own, inside it)."""
    return os.path.realpath(os.path.join(root, CLAIMS_DIR.lstrip("/")))


def _repair(path: Path) -> str:
    return (f"it records which stack holds which device, as {{\"pf:NAME\": {{\"stack\": ...}}}}; "
            f"repair it by hand, or, if no stack holds devices on this host, move it aside "
            f"(mv {path} {path}.broken)")


def _read(claims_dir: str) -> dict:
    """The claims of one folder, checked: a broken file is an error naming it, never a traceback."""
    path = Path(claims_dir) / FILE
    try:
        text = path.read_text()
    except (FileNotFoundError, NotADirectoryError):
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


def _indexed(host: str) -> list[str]:
    path = Path(host) / INDEX
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except (OSError, ValueError) as err:
        raise ClaimsError(f"failed to read {path}, the list of this host's claims folders: {err}; repair it "
                          f"(a JSON list of folders) or remove it, then run `pulumi up` in each stack") from err
    if not isinstance(data, list) or not all(isinstance(f, str) and os.path.isabs(f) for f in data):
        raise ClaimsError(f"failed to read {path}, the list of this host's claims folders: not a list of "
                          "absolute paths; repair it or remove it, then run `pulumi up` in each stack")
    return data


def folders(claims_dir: str, root: str) -> list[str]:
    """Every claims folder in use on the host of `root`, this stack's first."""
    own, host = os.path.realpath(claims_dir), host_folder(root)
    out = [own]
    for f in [host, *_indexed(host)]:
        if f not in out:
            out.append(f)
    return out


def everything(claims_dir: str, *, root: str) -> dict[str, dict]:
    """Every claim on the host, each with the file it is in ("file"); this folder's win a tie."""
    out: dict[str, dict] = {}
    for folder in folders(claims_dir, root):
        for key, held in _read(folder).items():
            out.setdefault(key, {**held, "file": str(Path(folder) / FILE)})
    return out


def load(claims_dir: str) -> dict:
    """This folder's claims alone, as written (a broken file raises ClaimsError)."""
    return _read(claims_dir)


def holder(claims_dir: str, key: str, *, root: str) -> dict | None:
    """key is 'gpu:<pci>', 'pf:<name>', ...; the holder in any of the host's claims folders."""
    return everything(claims_dir, root=root).get(key)


def refusal(held: dict | None, key: str, stack: str, claims_dir: str) -> str | None:
    """Why a claim of key by stack is refused, given its holder (read once per operation), or None."""
    if held and held.get("stack") != stack:
        return (f"{key} is held by stack {held['stack']!r} (worker {held.get('worker')!r}); "
                f"run `pulumi destroy` in that stack first, or edit {held.get('file') or Path(claims_dir) / FILE} "
                "if it is gone")
    return None


def check(claims_dir: str, key: str, stack: str, *, root: str) -> str | None:
    """The reason a claim by stack would be refused, or None."""
    return refusal(holder(claims_dir, key, root=root), key, stack, claims_dir)


def _lock(stack: ExitStack, folder: str, host: bool) -> None:
    path = Path(folder) / FILE
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        lock = stack.enter_context(open(Path(folder) / "claims.lock", "w"))
    except OSError as err:
        fix = (f"run as root, or create it once for your user (sudo install -d -o $USER {folder}): every stack "
               "on the host claims through it, whatever its hostClaimsDir" if host
               else "run as root, or pass --claims-dir / set hostClaimsDir to a folder you can write")
        raise ClaimsError(f"failed to open the claims file {path}: {err.strerror or err}; {fix}") from err
    fcntl.flock(lock, fcntl.LOCK_EX)  # stacks on one host run `pulumi up` concurrently


def _write(path: Path, data) -> None:
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
        os.replace(tmp, path)  # atomic: a crash never leaves half a file
    except OSError as err:
        raise ClaimsError(f"failed to write the claims file {path}: {err.strerror or err}") from err


@contextmanager
def _locked(claims_dir: str, root: str):
    """All the host's claims, {folder: claims}, under the host folder's lock (then this folder's, which
    is what writers before the index took); what the block leaves in them is written back."""
    own, host = os.path.realpath(claims_dir), host_folder(root)
    with ExitStack() as locks:
        _lock(locks, host, True)
        if own != host:
            _lock(locks, own, False)
        # A listed folder that is gone holds no claims: it drops out of the list at this write.
        found = {f: _read(f) for f in folders(own, root) if f == own or os.path.isdir(f)}
        before = {f: json.dumps(d, sort_keys=True) for f, d in found.items()}
        yield found
        for folder, data in found.items():
            if json.dumps(data, sort_keys=True) != before[folder]:
                _write(Path(folder) / FILE, data)
        index = sorted(f for f, data in found.items() if f != host and data)
        if index != sorted(_indexed(host)):
            _write(Path(host) / INDEX, index)


def _merged(found: dict[str, dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for folder, data in found.items():
        for key, held in data.items():
            out.setdefault(key, {**held, "file": str(Path(folder) / FILE)})
    return out


def claim(claims_dir: str, key: str, stack: str, *, root: str,
          conflicts: Callable[[dict], str | None] | None = None, **data) -> None:
    """Take key for stack (again: its data updated), in this stack's folder. Refused when another stack
    holds it in any of the host's folders, or when conflicts(all claims) names a reason; under the lock,
    so two stacks never both pass."""
    with _locked(claims_dir, root) as found:
        every = _merged(found)
        held = every.get(key)
        if held and held.get("stack") != stack:
            raise Refused(f"failed to claim {key} for stack {stack!r}: held by stack "
                          f"{held['stack']!r} ({held['file']}); run `pulumi destroy` in that stack first")
        why = conflicts(every) if conflicts else None
        if why:
            raise Refused(f"failed to claim {key} for stack {stack!r}: {why}")
        mine = {k: v for k, v in (held or {}).items() if k != "file"}
        for folder_claims in found.values():  # moved folders: the claim lives in this stack's folder only
            folder_claims.pop(key, None)
        found[os.path.realpath(claims_dir)][key] = {**mine, **data, "stack": stack}


def update(claims_dir: str, key: str, stack: str, *, root: str, **data) -> None:
    with _locked(claims_dir, root) as found:
        for folder_claims in found.values():
            if key in folder_claims and folder_claims[key].get("stack") == stack:
                folder_claims[key].update(data)


def release(claims_dir: str, key: str, stack: str, *, root: str) -> None:
    with _locked(claims_dir, root) as found:
        for folder_claims in found.values():
            if key in folder_claims and folder_claims[key].get("stack") == stack:
                del folder_claims[key]
