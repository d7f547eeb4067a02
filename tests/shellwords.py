"""Splits a command line the way a POSIX shell does, keeping for every character whether the shell
takes it literally. Tests use it to prove that a value pasted into a command stays one word and
runs nothing: each of its characters must be literal and all of them in the same word."""
from __future__ import annotations

import subprocess

# Unquoted, these start an expansion, a glob, a comment or an operator; everything else is literal.
ACTIVE = set("$`*?[]~{}#!")
OPERATORS = set(";&|()<>\n")


class ShellSyntaxError(ValueError):
    pass


def words(cmd: str) -> list[list[tuple[str, bool]]]:
    """The command's words, each a list of (character, literal). An operator is a word of its own
    whose one character is not literal; an expansion's `$` or backquote is never literal."""
    out: list[list[tuple[str, bool]]] = []
    cur: list[tuple[str, bool]] | None = None
    i, n = 0, len(cmd)

    def add(ch: str, literal: bool) -> None:
        nonlocal cur
        cur = [] if cur is None else cur
        cur.append((ch, literal))

    def end() -> None:
        nonlocal cur
        if cur is not None:
            out.append(cur)
        cur = None

    while i < n:
        c = cmd[i]
        if c == "'":
            j = cmd.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError(f"unterminated single quote at {i}: {cmd!r}")
            cur = [] if cur is None else cur
            for ch in cmd[i + 1:j]:
                add(ch, True)
            i = j + 1
        elif c == '"':
            cur = [] if cur is None else cur
            i += 1
            while True:
                if i >= n:
                    raise ShellSyntaxError(f"unterminated double quote: {cmd!r}")
                ch = cmd[i]
                if ch == '"':
                    i += 1
                    break
                if ch == "\\" and i + 1 < n and cmd[i + 1] in '$`"\\\n':
                    add(cmd[i + 1], True)
                    i += 2
                    continue
                add(ch, ch not in "$`")  # expansions stay live inside double quotes
                i += 1
        elif c == "\\":
            if i + 1 >= n:
                raise ShellSyntaxError(f"trailing backslash: {cmd!r}")
            add(cmd[i + 1], True)
            i += 2
        elif c in " \t":
            end()
            i += 1
        elif c in OPERATORS:
            end()
            out.append([(c, False)])
            i += 1
        else:
            add(c, c not in ACTIVE)
            i += 1
    end()
    return out


def literal_occurrences(cmd: str, value: str, marker: str) -> tuple[int, int]:
    """(how often value appears inside one word with every character literal, how often marker, a
    part of value that is there only once, appears in the command's words at all)."""
    found, seen = 0, 0
    for word in words(cmd):
        text = "".join(ch for ch, _ in word)
        seen += text.count(marker)
        start = text.find(value)
        while start >= 0:
            found += all(lit for _, lit in word[start:start + len(value)])
            start = text.find(value, start + 1)
    return found, seen


def bash_parses(cmd: str) -> str | None:
    """None when `bash -n` accepts the command, else bash's complaint."""
    p = subprocess.run(["bash", "-n", "-c", cmd], capture_output=True, text=True)
    return None if p.returncode == 0 else p.stderr.strip()
