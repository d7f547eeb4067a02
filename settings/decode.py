"""Turns raw config values (strings from the CLI, or YAML values) into typed Python values."""
from __future__ import annotations

import difflib
import json
from typing import Any, Iterable, Optional

from .schema import KEYS, OTHER_NAMESPACES, PROJECT, max_length
from .text import ECHO, hidden_character, number, show

# The booleans YAML 1.2 (and so `pulumi config` and a stack file) writes; yes/no/on/off are text there.
BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
NUMBER_HINT = "YAML reads an unquoted 1.30 as the number 1.3; quote it (\"1.30\")"


class Problems(list):
    """Collects every problem with the stack config, each naming its key; past SHOWN lines only counts
    them (a mapping of 10,000 unknown keys is one mistake, not a screenful)."""

    SHOWN = 50

    def __init__(self):
        super().__init__()
        self.keys: list[str] = []
        self.hidden = 0

    def add(self, key: str, message: str) -> None:
        if len(key) > ECHO:  # a key name the user wrote (an unknown key) is a value too
            key = f"{key[:ECHO]}..."
        self.keys.append(key)
        if len(self) < self.SHOWN:
            self.append(f"{key}: {message}")
        else:
            self.hidden += 1

    def lines(self) -> list[str]:
        return list(self) + ([f"({self.hidden} more problems not shown)"] if self.hidden else [])

    def extend_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            key, _, message = line.partition(": ")
            self.add(key, message)

    def failed(self, *keys: str) -> bool:
        """Whether a key (or anything inside it: key.x, key[i]) already has a problem; rules that
        build on it stay quiet then, so that one root cause prints one line."""
        return any(k == key or k.startswith((f"{key}.", f"{key}[")) for k in self.keys for key in keys)


def suggest(name: str, known: Iterable[str]) -> str:
    if len(name) > ECHO:
        return ""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {show(close[0])}?" if close else ""


def what(value: Any) -> str:
    """The YAML/JSON kind of a value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {show(value)}"
    if isinstance(value, str):
        return f"the text {show(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def decode(key: str, typ: str, raw: Any, problems: Problems) -> Any:
    """Decode one top-level value of declared type `typ`. None means unset (a YAML or JSON null), as
    does a failure, which is recorded."""
    value = raw
    if isinstance(raw, str) and typ in ("integer", "boolean") and raw != "null":
        return _typed_text(key, typ, raw, problems)
    # The CLI hands every value over as text, a list or a mapping as JSON: for a text key too.
    if isinstance(raw, str) and (typ != "string" or raw[:1] in ("[", "{")):
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):  # JSONDecodeError, or an integer of more than 4300 digits
            value = raw
        if typ == "string" and not isinstance(value, (list, dict)):
            value = raw
    if value is None:
        return None
    if typ == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(key, f"must be an integer, got {what(value)}{_hint(value)}")
            return None
        return value
    if typ == "string":
        return scalar_text(key, value, problems)
    want = {"array": list, "object": dict, "boolean": bool}[typ]
    if not isinstance(value, want):
        article = "an" if typ in ("array", "object") else "a"
        problems.add(key, f"must be {article} {typ}, got {what(value)}{_hint(value)}")
        return None
    return value


def _typed_text(key: str, typ: str, raw: str, problems: Problems) -> Any:
    """An integer or boolean as the CLI hands it over: its canonical text only (5001, true), so that neither
    JSON's white space ("5001\n") nor another script's digits or a leading zero pass."""
    value = number(raw, digits=18, signed=True) if typ == "integer" else BOOLEANS.get(raw)
    if value is not None:
        return value
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        parsed = raw
    # JSON of the right type in another form (" 5001\n") is named as the text it is.
    shown = what(raw if isinstance(parsed, (int, bool)) and not isinstance(parsed, float) else parsed)
    problems.add(key, f"must be {'an' if typ == 'integer' else 'a'} {typ}, got {shown}{_hint(raw)}")
    return None


def _hint(value: Any) -> str:
    """Why a text that looks like a number or a boolean is not one (YAML 1.1 habits)."""
    if not isinstance(value, str):
        return ""
    if value.lower() in ("yes", "no", "on", "off", "y", "n"):
        return "; write true or false (Pulumi reads YAML 1.2, where yes/no/on/off are text)"
    if value[:1] == "0" and value[1:2].isascii() and value[1:2].isalnum():
        return "; write the number in plain decimal, without a leading zero (YAML 1.1 reads 010 as 8, 0x10 as 16)"
    return ""


def scalar_text(key: str, value: Any, problems: Problems) -> Optional[str]:
    """A string value: text as is, an integer as its digits; a float, a boolean or a structure is a
    problem (YAML has changed the text: 1.30 -> 1.3, yes -> true)."""
    if isinstance(value, str):
        return bounded(key, value, problems)
    if isinstance(value, int) and not isinstance(value, bool):
        return bounded(key, str(value), problems)
    if isinstance(value, float):
        problems.add(key, f"must be text, got {what(value)}: {NUMBER_HINT}")
        return None
    problems.add(key, f"must be text, got {what(value)}")
    return None


def bounded(key: str, value: str, problems: Problems) -> Optional[str]:
    """Every text value passes here: at most its key's length (schema), nothing that hides text."""
    hidden = hidden_character(value)
    if hidden:
        secret = key in KEYS and KEYS[key].secret  # a secret is never echoed, not even clipped
        problems.add(key, f"{'the value' if secret else show(value)} holds {hidden}; remove it")
        return None
    limit = max_length(key)
    if len(value) > limit:
        problems.add(key, f"is {len(value)} characters long; it holds at most {limit}")
        return None
    return value


def text(item: dict, name: str, key: str, problems: Problems, default: Optional[str] = "") -> Optional[str]:
    """Field `name` of an object as text; absent or null gives `default`, a wrong type None (recorded)."""
    value = item.get(name)
    if value is None:
        return default
    return scalar_text(key, value, problems)


def check_keys(key: str, value: dict, allowed: Iterable[str], problems: Problems) -> None:
    allowed = list(allowed)
    for k in value:
        if k not in allowed:
            problems.add(f"{key}.{k}", f"unknown key (known: {', '.join(allowed)}){suggest(str(k), allowed)}")


def foreign_namespace(namespace: str) -> Optional[str]:
    """Why a config key's namespace is wrong (None for the project's and the known others'): a stack
    file's `OpenKasugai-AIO:` or `openkasugai_aio:` would otherwise be ignored with all its values."""
    if namespace == PROJECT or namespace in OTHER_NAMESPACES:
        return None
    if namespace.lower().replace("_", "-") == PROJECT or suggest(namespace.lower(), [PROJECT]):
        return f"the namespace {show(namespace)} is not this project's; did you mean '{PROJECT}'?"
    return (f"unknown namespace {show(namespace)}: a key is {PROJECT}:<key> (or of "
            f"{', '.join(OTHER_NAMESPACES)}){suggest(namespace, OTHER_NAMESPACES)}")
