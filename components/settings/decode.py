"""Turns raw config values (strings from the CLI, or YAML values) into typed Python values."""
from __future__ import annotations

import difflib
import json
from typing import Any, Iterable, Optional

NUMBER_HINT = "YAML reads an unquoted 1.30 as the number 1.3; quote it (\"1.30\")"


class Problems(list):
    """Collects every problem with the stack config, each naming its key."""

    def __init__(self):
        super().__init__()
        self.keys: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.keys.append(key)
        self.append(f"{key}: {message}")

    def extend_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            key, _, message = line.partition(": ")
            self.add(key, message)

    def failed(self, *keys: str) -> bool:
        """Whether a key (or anything inside it: key.x, key[i]) already has a problem; rules that
        build on it stay quiet then, so that one root cause prints one line."""
        return any(k == key or k.startswith((f"{key}.", f"{key}[")) for k in self.keys for key in keys)


def suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def what(value: Any) -> str:
    """The YAML/JSON kind of a value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def decode(key: str, typ: str, raw: Any, problems: Problems) -> Any:
    """Decode one top-level value of declared type `typ`. None means unset (a YAML or JSON null), as
    does a failure, which is recorded."""
    value = raw
    # The CLI hands every value over as text, a list or a mapping as JSON: for a text key too.
    if isinstance(raw, str) and (typ != "string" or raw[:1] in ("[", "{")):
        try:
            value = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            value = raw
        if typ == "string" and not isinstance(value, (list, dict)):
            value = raw
    if value is None:
        return None
    if typ == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(key, f"must be an integer, got {what(value)}")
            return None
        return value
    if typ == "string":
        return scalar_text(key, value, problems)
    want = {"array": list, "object": dict, "boolean": bool}[typ]
    if not isinstance(value, want):
        problems.add(key, f"must be {'an' if typ in ('array', 'object') else 'a'} {typ}, got {what(value)}")
        return None
    return value


def scalar_text(key: str, value: Any, problems: Problems) -> Optional[str]:
    """A string value: text as is, an integer as its digits; a float, a boolean or a structure is a
    problem (YAML has changed the text: 1.30 -> 1.3, yes -> true)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        problems.add(key, f"must be text, got {what(value)}: {NUMBER_HINT}")
        return None
    problems.add(key, f"must be text, got {what(value)}")
    return None


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
