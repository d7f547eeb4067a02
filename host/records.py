"""Records of host operations read back before use: from the claims file (the CLI) or from the stack's
state (the providers). Every value that reaches a command, a path or a write (a module name, a PCI
address, an interface name, a count) is checked against its pattern first; a bad record is one error
naming where it came from, never a traceback or an option smuggled into rmmod/modprobe."""
from __future__ import annotations

import re
from pathlib import Path

from facts.shared import (CONTAINER_NAME_PATTERN, IFNAME_PATTERN, KERNEL_MODULE_PATTERN, MAC_PATTERN,
                                  PCI_ADDRESS_PATTERN, gpu_claim_key)

from .errors import RecordError
from .modules import NVIDIA_ORDER

STATE = "the stack's state"


def source_of(claims_dir: str, claims_file: str = "claims.json") -> str:
    """How a record read from the claims file names its source."""
    return str(Path(claims_dir) / claims_file)


def _pattern(pattern: str, what: str):
    def check(v):
        if isinstance(v, str) and re.fullmatch(pattern, v, re.ASCII) and v not in (".", ".."):
            return v
        raise ValueError(what)
    return check


def _count(low: int = 0):
    def check(v):
        # Pulumi hands numbers back as floats: 8.0 is 8, 8.5 and True are no counts.
        if not isinstance(v, bool) and isinstance(v, (int, float)) and v == int(v) and int(v) >= low:
            return int(v)
        raise ValueError(f"an integer >= {low}")
    return check


def _optional(check):
    return lambda v: None if v is None else check(v)


def _list(check):
    def each(v):
        if not isinstance(v, list):
            raise ValueError("a list")
        out = []
        for i, x in enumerate(v):
            try:
                out.append(check(x))
            except _Bad as err:
                raise _Bad(f"[{i}].{err.field}", err.value, err.what) from None
            except ValueError as err:
                raise _Bad(f"[{i}]", x, str(err)) from None
        return out
    return each


def _nvidia_module(v):
    # Only the modules unload() takes out are ever loaded back: a record cannot name another module.
    if MODULE(v) in NVIDIA_ORDER:
        return v
    raise ValueError(f"one of the NVIDIA modules {', '.join(NVIDIA_ORDER)}")


def _bool(v):
    if isinstance(v, bool):
        return v
    raise ValueError("true or false")


IFNAME = _pattern(IFNAME_PATTERN, "an interface name")
PCI = _pattern(PCI_ADDRESS_PATTERN, "a PCI address like 0000:17:00.0")
MODULE = _pattern(KERNEL_MODULE_PATTERN, "a kernel module name")
MAC = _pattern(MAC_PATTERN, "a MAC address")
CONTAINER = _pattern(CONTAINER_NAME_PATTERN, "a container name")
ROLE = _pattern(r"pf|vf[0-9]{1,4}", "pf or vfN")
SRCVERSION = _pattern(r"[0-9A-Za-z]{1,64}", "a module srcversion")
TEXT = _pattern(r"[ -~]{0,200}", "printable text")


def _link(v):
    if not isinstance(v, dict):
        raise ValueError("a mapping of name, role, pci, perm_mac, mac")
    return _fields(v, {"name": (IFNAME, True), "role": (ROLE, True), "pci": (_optional(PCI), False),
                       "perm_mac": (_optional(MAC), False), "mac": (_optional(MAC), False)})


# field: (check, required); fields not listed are kept as they are and never used.
GPU = {"unloaded": (_list(_nvidia_module), False), "persistenced": (_bool, False), "srcversion": (_optional(SRCVERSION), False),
       "claim": (_optional(_pattern(gpu_claim_key(PCI_ADDRESS_PATTERN), "gpu:<PCI address>")), False)}
SRIOV = {"pf": (IFNAME, True), "pf_pci": (_optional(PCI), False), "worker": (CONTAINER, True),
         "pid": (_count(0), True), "vfs": (_count(0), True), "address": (_optional(TEXT), False),
         "numvfs_before": (_count(0), True), "links": (_list(_link), True)}
HUGEPAGES = {"before": (_count(0), True), "pages": (_count(1), False)}


class _Bad(Exception):
    def __init__(self, field: str, value, what: str):
        super().__init__(field)
        self.field, self.value, self.what = field, value, what


def _fields(record: dict, fields: dict) -> dict:
    out = dict(record)
    for name, (check, required) in fields.items():
        if name not in record:
            if required:
                raise _Bad(name, None, "present")
            continue
        try:
            out[name] = check(record[name])
        except _Bad as err:
            raise _Bad(f"{name}{err.field}", err.value, err.what) from None
        except ValueError as err:
            raise _Bad(name, record[name], str(err)) from None
    return out


def checked(record, fields: dict, what: str, source: str) -> dict:
    """record with its fields checked (counts as ints); RecordError naming `what` and `source` if bad."""
    try:
        if not isinstance(record, dict):
            raise _Bad("record", record, "a mapping")
        return _fields(record, fields)
    except _Bad as bad:
        shown = "missing" if bad.what == "present" else f"{str(bad.value)[:100]!r}, not {bad.what}"
        if source == STATE:
            fix = ("repair it with `pulumi stack export` and `pulumi stack import`, or, once the device is "
                   "back on the host, remove the resource with `pulumi state delete URN`")
        else:
            fix = f"repair that entry in {source} by hand, or remove it once the device is back on the host"
        raise RecordError(f"failed to read the record of {what} in {source}: {bad.field} is {shown}; "
                          f"{fix}") from None
