"""How every stack value is matched, parsed and echoed: the one place that does each, so that no rule can
be bypassed by a trailing newline or a full-width digit, and no error prints a whole value or a secret.

- `pattern()` compiles with re.ASCII and `whole()` matches the whole value (`^...$` lets "x\\n" through,
  and `\\d` or `\\w` without re.ASCII take any script's digits and letters);
- `number()` reads ASCII decimal digits only, without a sign or a leading zero (int() takes "１２" and
  " 12", and YAML 1.1 reads 010 as 8);
- `show()` quotes a value for a message: at most ECHO characters, user-info (`user:password@`) masked.

tests/unit/test_architecture.py finds a pattern, a match or a digit test in settings outside this module.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Optional

ECHO = 100  # characters of a value an error message may show
# Characters a config value never needs; they hide text (a newline, a bidi override, a zero-width space).
_HIDDEN = {"Cc": "a control character", "Cf": "an invisible formatting character", "Cs": "a lone surrogate",
           "Zl": "a line separator", "Zp": "a paragraph separator"}
_USERINFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*://)?)[^/@\s]*@", re.ASCII)
_DECIMAL = re.compile(r"0|[1-9][0-9]*", re.ASCII)


def pattern(regex: str) -> re.Pattern:
    """A pattern for whole(): ASCII classes (\\d is 0-9, \\w is [A-Za-z0-9_], \\s is ASCII white space)."""
    return re.compile(regex, re.ASCII)


def whole(compiled: re.Pattern, value: str) -> bool:
    """Whether `value`, all of it, matches: no trailing newline slips past an anchor."""
    return compiled.fullmatch(value) is not None


def groups(compiled: re.Pattern, value: str) -> Optional[tuple[str, ...]]:
    """The groups of a whole match, or None."""
    m = compiled.fullmatch(value)
    return m.groups() if m else None


def number(value: str, digits: int = 9, signed: bool = False) -> Optional[int]:
    """A decimal number of at most `digits` ASCII digits without a leading zero (nor a sign, unless
    `signed` allows a '-'); else None."""
    magnitude = value[1:] if signed and value.startswith("-") else value
    if len(magnitude) > digits or not whole(_DECIMAL, magnitude):
        return None
    return int(value)


def hidden_character(value: str) -> Optional[str]:
    """What the first character that hides text is (a newline, U+200B...), or None."""
    for i, ch in enumerate(value):
        what = _HIDDEN.get(unicodedata.category(ch))
        if what:
            return f"{what} ({_codepoint(ch)} at position {i + 1})"
    return None


def non_ascii(value: str) -> Optional[str]:
    """The first character outside printable ASCII, described, or None."""
    for i, ch in enumerate(value):
        if not " " <= ch <= "~":
            return f"{_codepoint(ch)} ({unicodedata.name(ch, 'unnamed')}) at position {i + 1}"
    return None


def _codepoint(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def show(value: Any) -> str:
    """`value` quoted for a message: user-info masked, at most ECHO characters of it, its length if cut."""
    text = value if isinstance(value, str) else str(value)
    text = _USERINFO.sub(r"\1***@", text)
    if len(text) > ECHO:
        return f"{text[:ECHO]!r}... ({len(text)} characters)"
    return repr(text) if isinstance(value, str) else text


def clip(path: Any) -> str:
    """A path the program made (resolved, joined) for a message, unquoted: at most ECHO characters."""
    text = str(path)
    return text if len(text) <= ECHO else f"{text[:ECHO]}... ({len(text)} characters)"


def has_userinfo(value: str) -> bool:
    """Whether a host or URL carries `user[:password]@` before its host."""
    return _USERINFO.match(value) is not None
