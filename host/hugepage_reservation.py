"""Host operation `hugepages`: reserve N 1 GiB hugepages through sysfs before the Kind cluster exists.

The Kind nodes share the host's pool (each kubelet advertises all of it), so the pool is reserved once
per host. Rule for stacks sharing a host: one stack holds the pool (claim `hugepages:1G` in the claims
file, like the GPU); another stack is refused and sets hugepages1Gi: 0 with fpgaAgents: false, using the pool as it is."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from facts.shared import CLAIMS_DIR, HUGEPAGES_1G_POOL

from . import claims, records, validate
from .contract import HostContext, Operation
from .errors import HostOpError, Refused

POOL = HUGEPAGES_1G_POOL
CLAIM = "hugepages:1G"


@dataclass(frozen=True)
class HugepageSpec:
    stack: str
    pages: int
    claims_dir: str = CLAIMS_DIR
    root: str = "/"  # sysfs lives under root/sys (tests give a fake tree)


def from_settings(s) -> HugepageSpec | None:
    if not s.uses_kind or not s.hugepages_1g:
        return None  # 0 leaves the pool alone; an external cluster's pool is on its nodes
    return HugepageSpec(stack=s.stack, pages=s.hugepages_1g, claims_dir=s.host_claims_dir, root=s.host_root)


def _pool(ctx: HostContext) -> Path:
    return Path(ctx.root) / POOL


def _count(ctx: HostContext, name: str) -> int:
    path = _pool(ctx) / name
    try:
        return int(path.read_text().strip() or 0)
    except (OSError, ValueError) as err:
        raise HostOpError(f"failed to read {path}: {getattr(err, 'strerror', None) or err}") from err


def _write(ctx: HostContext, pages: int) -> None:
    path = _pool(ctx) / "nr_hugepages"
    try:
        path.write_text(f"{pages}\n")
    except OSError as err:
        raise HostOpError(f"failed to set {path} to {pages}: {err.strerror or err}; run as root") from err


def check(spec: HugepageSpec, record: dict | None, ctx: HostContext) -> list[tuple[str, str]]:
    # ctx.runner is unused here: the pool is sysfs alone.
    if validate.stack(spec.stack):
        return [("stack", validate.stack(spec.stack))]
    if isinstance(spec.pages, bool) or not isinstance(spec.pages, int) or spec.pages < 1:
        return [("pages", f"{spec.pages!r} is not an integer >= 1")]
    if not (_pool(ctx) / "nr_hugepages").exists():
        return [("pages", f"this host has no 1 GiB hugepages (no {_pool(ctx)}): the CPU or kernel lacks "
                          "them; set hugepages1Gi: 0 and fpgaAgents: false")]
    held = claims.check(ctx.claims_dir, CLAIM, spec.stack, root=ctx.root)
    return [("claims_dir", held + "; or set hugepages1Gi: 0 and fpgaAgents: false in this stack to share the "
                                                  "pool as it is")] \
        if held else []


def apply(spec: HugepageSpec, record: dict | None, ctx: HostContext) -> dict:
    """At least spec.pages in the pool; a kernel that grants fewer gets the old count back."""
    record = _record(record)
    problems = check(spec, None, ctx)
    if problems:
        raise Refused(f"failed to reserve {spec.pages} 1 GiB hugepages: " + "; ".join(r for _, r in problems))
    have = _count(ctx, "nr_hugepages")
    before = record["before"] if record else have
    claims.claim(ctx.claims_dir, CLAIM, spec.stack, root=ctx.root, worker="host")
    try:
        if have < spec.pages:
            _write(ctx, spec.pages)
            got = _count(ctx, "nr_hugepages")
            if got < spec.pages:
                _write(ctx, have)
                raise Refused(f"failed to reserve {spec.pages} 1 GiB hugepages: the kernel gave {got} (memory "
                              f"is fragmented or short); the count was put back to {have}. Reserve them at boot "
                              f"(hugepagesz=1G hugepages={spec.pages}) or lower hugepages1Gi")
    except BaseException:
        if not record:
            claims.release(ctx.claims_dir, CLAIM, spec.stack, root=ctx.root)
        raise
    rec = {"before": before, "pages": spec.pages}
    claims.update(ctx.claims_dir, CLAIM, spec.stack, root=ctx.root, record=rec)
    return rec


def _record(record: dict | None) -> dict | None:
    return records.checked(record, records.HUGEPAGES, CLAIM, records.STATE) if record else None


def status(spec: HugepageSpec, record: dict, ctx: HostContext) -> dict:
    have = _count(ctx, "nr_hugepages") if (_pool(ctx) / "nr_hugepages").exists() else 0
    free = _count(ctx, "free_hugepages") if (_pool(ctx) / "free_hugepages").exists() else 0
    drift = [f"the host has {have} 1 GiB hugepages, {spec.pages} reserved (changed by hand?)"] \
        if have < spec.pages else []
    return {"present": True, "pages": have, "free": free, "drift": drift}


def release(spec: HugepageSpec, record: dict, ctx: HostContext) -> None:
    """Back to the count found before the first apply, if apply raised it."""
    record = _record(record)
    before = (record or {}).get("before", 0)
    if record and (_pool(ctx) / "nr_hugepages").exists() and _count(ctx, "nr_hugepages") > before:
        in_use = _count(ctx, "nr_hugepages") - _count(ctx, "free_hugepages")
        if in_use > before:
            raise Refused(f"failed to restore {before} 1 GiB hugepages: {in_use} are in use; delete the Kind "
                          "cluster (or what maps them) first (nothing was changed)")
        _write(ctx, before)
    claims.release(ctx.claims_dir, CLAIM, spec.stack, root=ctx.root)


OPERATION = Operation(
    name="hugepages", spec=HugepageSpec, from_settings=from_settings,
    summary="reserve hugepages1Gi 1 GiB hugepages in the host's pool; the previous count is restored on destroy",
    check=check, apply=apply, status=status, release=release,
    keys={"pages": "hugepages1Gi"})  # the stack key each spec field comes from, so doctor names what to fix
