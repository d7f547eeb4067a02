"""Hand the GPU's kernel driver from the host to a Kind worker and back; never forced."""
from __future__ import annotations

from . import modules as mods, probe
from .errors import HostOpError, Refused
from .runner import missing

PERSISTENCED = "nvidia-persistenced"


def _persistenced(root: str) -> list[int]:
    return [p["pid"] for p in mods.processes(root) if p["comm"] == PERSISTENCED]


def _module_of(path: str) -> str:
    # Each open device file counts against the module that owns the device node.
    if path.startswith("/dev/nvidia-uvm"):
        return "nvidia_uvm"
    return "nvidia_modeset" if path.startswith("/dev/nvidia-modeset") else "nvidia"


def holders(root: str = "/", ignore_persistenced: bool = True) -> list[str]:
    """Everything that would make an unload fail, as sentences; empty means free.
    nvidia-persistenced is ignored by default because unload stops it first."""
    loaded, out = mods.loaded(root), []
    skip = set(_persistenced(root)) if ignore_persistenced else set()
    files: dict[str, int] = {}
    for h in mods.device_holders(root):
        for f in h["files"]:
            files[_module_of(f)] = files.get(_module_of(f), 0) + 1
        if h["pid"] not in skip:
            out.append(f"process {h['pid']} ({h['comm']}) holds {', '.join(h['files'])}")
    for name in mods.NVIDIA_ORDER:
        m = loaded.get(name)
        if not m:
            continue
        foreign = [u for u in m.users if u not in mods.NVIDIA_ORDER]
        if foreign:
            out.append(f"module {name} is used by {', '.join(foreign)}")
        rest = m.refcount - len(m.users) - files.get(name, 0)
        if rest > 0:
            out.append(f"module {name} has {rest} more user(s) (a display server, a console, or the kernel)")
    return out


def status(root: str = "/") -> dict:
    loaded = mods.loaded(root)
    return {"gpus": probe.gpus(root),
            "modules": {n: {"refcount": loaded[n].refcount, "users": list(loaded[n].users),
                            "srcversion": mods.srcversion(n, root)} for n in mods.NVIDIA_ORDER if n in loaded},
            "persistenced": bool(_persistenced(root)),
            "holders": holders(root)}


def check_unload(runner, root: str = "/") -> list[str]:
    """Refused (nothing changed) unless unload may run: a GPU, nothing holding it, and every tool that
    unload or its undo needs in the runner's root. The modules to unload, in order."""
    if not probe.gpus(root):
        raise Refused("failed to unload the GPU driver: no NVIDIA GPU (PCI vendor 10de) on this host")
    found = holders(root)
    if found:
        raise Refused("failed to unload the GPU driver, it is in use: " + "; ".join(found)
                      + ". Stop those first (nothing was changed)")
    loaded = mods.loaded(root)
    todo = [n for n in mods.NVIDIA_ORDER if n in loaded]
    _require(runner, (["rmmod", "modprobe"] if todo else []) + (["systemctl"] if _persistenced(root) else []),
             f"unload {todo[-1] if todo else 'the GPU driver'}")
    return todo


def unload(runner, root: str = "/") -> dict:
    """Stop persistenced, unload the nvidia modules in order. Held: refuse, change nothing."""
    todo = check_unload(runner, root)
    record = {"unloaded": [], "persistenced": bool(_persistenced(root)),
              "srcversion": mods.srcversion("nvidia", root)}
    try:
        if record["persistenced"]:
            runner.run(["systemctl", "stop", PERSISTENCED])
        for name in todo:
            mods.unload(name, runner)
            record["unloaded"].append(name)
    except Exception as err:
        back = _load_back(record, runner)
        if back:
            raise HostOpError(f"failed to unload the GPU driver: {err}; loading it back failed too: {back}; "
                              "run `python -m host gpu status` and load what is missing with "
                              "modprobe") from err
        raise HostOpError(f"failed to unload the GPU driver: {err}; the host driver was loaded back") from err
    return record


def _require(runner, tools: list[str], action: str) -> None:
    why = missing(runner, tools) if tools else None
    if why:
        raise Refused(f"failed to {action}: {why}; nothing was changed")


def _load_back(record: dict, runner) -> str:
    """Undo a partial unload, every step tried; what failed, or "" when all went back."""
    steps = [(f"modprobe {n}", lambda n=n: mods.load(n, runner)) for n in reversed(record["unloaded"])]
    if record["persistenced"]:
        steps.append((f"systemctl start {PERSISTENCED}", lambda: runner.run(["systemctl", "start", PERSISTENCED])))
    failed = []
    for what, step in steps:
        try:
            step()
        except Exception as err:  # noqa: BLE001 - each failure is reported, the other steps still run
            failed.append(f"{what}: {err}")
    return "; ".join(failed)


def drift(record: dict, root: str = "/", worker_running: bool = False) -> list[str]:
    """The host's own nvidia module is loaded again while the GPU worker is not running.

    While the worker runs it holds the device with the driver it loaded at boot, and srcversion cannot
    tell that build from the host's: the kernel hashes only the module's own sources (scripts/mod/
    sumversion.c, docs/facts.md §8.6), so the same driver version built twice has the same srcversion.
    Unloading then would pull the driver from under the worker; a different version already loaded when
    the worker boots is refused by the worker itself (nvidia-load-modules)."""
    if not record.get("unloaded") or worker_running:
        return []
    src = mods.srcversion("nvidia", root)
    if "nvidia" in mods.loaded(root) and src and src == record.get("srcversion"):
        return [f"the host's nvidia module (srcversion {src}) is loaded again"]
    return []


def restore(record: dict, runner, root: str = "/") -> dict:
    """After the cluster is gone: unload the nvidia modules loaded now (the worker's, or an identical build
    that srcversion cannot tell apart: docs/facts.md §8.6) and load the host's own from /lib/modules with its modprobe
    options, then restart persistenced if it ran. Modules held by a process are left alone when they are
    the host's version (the host uses its driver again) and refused otherwise (nothing is changed). Every
    tool the change needs is looked for in the runner's root first."""
    unloaded = list(record.get("unloaded") or [])
    if not unloaded and not record.get("persistenced"):
        return {"changed": False}
    loaded = mods.loaded(root)
    present = [n for n in mods.NVIDIA_ORDER if n in loaded]
    found = holders(root, ignore_persistenced=False) if present else []
    if found:
        if not record.get("srcversion") or mods.srcversion("nvidia", root) != record["srcversion"]:
            raise Refused("failed to restore the host GPU driver, the worker's driver is in use: "
                          + "; ".join(found) + ". Delete the Kind cluster first (nothing was changed)")
        present = []
    restart = bool(record.get("persistenced")) and not _persistenced(root)
    _require(runner, (["rmmod"] if present else []) + (["modprobe"] if unloaded else [])
             + (["systemctl"] if restart else []), f"load {unloaded[-1] if unloaded else 'nvidia'}")
    for name in present:
        mods.unload(name, runner)
    loaded = mods.loaded(root)
    for name in reversed(unloaded):
        if name not in loaded:
            mods.load(name, runner)
    if restart:
        runner.run(["systemctl", "start", PERSISTENCED])
    return {"changed": True, "unloaded_worker": present}
