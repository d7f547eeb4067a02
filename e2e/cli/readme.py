"""The README's per-developer commands, taken from README.md as written and typed into a shell.

Each `sh` block of the section "Per-developer stacks" is found with the label of the paragraph before
it ("**(a) The full reference environment**" -> "(a)"). A profile's run is what a user types in one
terminal: the login block, the profile's block, then `pulumi preview`; the prebuilt external profile
(the one this machine can run to the end, against the simulated cluster) also runs the section's last
block, `pulumi up` / `pulumi destroy`, as written (the confirmation prompt answered by
PULUMI_SKIP_CONFIRMATIONS, as a user answers it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from e2e.engine import REPO

SECTION = "## Per-developer stacks"
_FENCE = re.compile(r"^```sh\n(.*?)^```\n", re.M | re.S)
_LABEL = re.compile(r"\*\*(\([a-z]\))[^*]*\*\*")


@dataclass(frozen=True)
class Block:
    label: str       # "(a)", "(c)", "login", "run", "(c) prebuilt"
    first_line: int  # 1-based line of README.md where the block's commands start
    text: str

    @property
    def lines(self) -> str:
        return f"{self.first_line}-{self.first_line + self.text.count(chr(10)) - 1}"


def blocks(readme: Path = REPO / "README.md") -> list[Block]:
    """Every sh block of the section, labelled; raises ValueError when the section or a label is missing."""
    text = readme.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start:end if end > 0 else len(text)]
    offset = text[:start].count("\n")
    out, label, last_end = [], "login", 0
    for match in _FENCE.finditer(section):
        before = section[last_end:match.start()]
        labels = _LABEL.findall(before)
        if labels:
            label = labels[-1]
        elif out and "Or, with the function images already in a registry" in before:
            label = f"{label} prebuilt"
        elif out and "pulumi up" in match.group(1) and "pulumi destroy" in match.group(1):
            label = "run"
        first = offset + section[:match.start(1)].count("\n") + 1
        out.append(Block(label, first, match.group(1)))
        last_end = match.end()
    if not out:
        raise ValueError(f"README.md has no sh blocks under {SECTION!r}")
    return out


def by_label(found: list[Block]) -> dict[str, Block]:
    named: dict[str, Block] = {}
    for b in found:
        if b.label in named:
            raise ValueError(f"README.md: two blocks labelled {b.label} under {SECTION!r} "
                             f"(lines {named[b.label].lines} and {b.lines})")
        named[b.label] = b
    return named
