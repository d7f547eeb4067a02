"""Turns raw config values (strings from the CLI, or YAML values) into typed Python values."""
from __future__ import annotations

import difflib
import json
from typing import Any, Iterable


class Problems(list):
    """Collects every problem with the stack config, each naming its key."""

    def add(self, key: str, message: str) -> None:
        self.append(f"{key}: {message}")


def suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def decode(key: str, typ: str, raw: Any, problems: Problems) -> Any:
    """Decode one value of declared type `typ`; a problem is recorded and None returned on failure."""
    value = raw
    if isinstance(raw, str) and typ in ("array", "object", "integer", "boolean"):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
    want = {"string": str, "array": list, "object": dict, "boolean": bool}.get(typ)
    if typ == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(key, f"must be an integer, got {raw!r}")
            return None
        return value
    if typ == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # YAML turns 1.31 into a float; the CLI would hand over the text
    if not isinstance(value, want):
        problems.add(key, f"must be {'an' if typ in ('array', 'object') else 'a'} {typ}, got {raw!r}")
        return None
    return value


def check_keys(key: str, value: dict, allowed: Iterable[str], problems: Problems) -> None:
    allowed = list(allowed)
    for k in value:
        if k not in allowed:
            problems.add(f"{key}.{k}", f"unknown key (known: {', '.join(allowed)}){suggest(k, allowed)}")
