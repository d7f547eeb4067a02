"""tests/program/test_hostile_values.py, continued with the values that slipped past the validators: every
key path of every stack, set to its own value with a trailing newline, with full-width or superscript
digits, and 100 KB long. Each is refused naming the key, in a line that shows at most 100 characters of
the value and never a secret; only a path or free text may hold another script's digits (a file of
that name is a different file, a password any text)."""
from __future__ import annotations

import pytest

from settings import paths
from tests.program.test_hostile_values import STACKS, _base, _problems, _set, key_paths

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
VARIANTS = {
    "newline-suffixed": lambda v: v + "\n",
    "full-width": lambda v: v.translate(FULL_WIDTH) if v != v.translate(FULL_WIDTH) else v + "１",
    "superscript": lambda v: v.translate(SUPERSCRIPT) if v != v.translate(SUPERSCRIPT) else v + "¹",
    "100 KB": lambda v: (v or "x") * (100_000 // max(1, len(v)) + 1),
}
# Where a character outside ASCII is a value of its own: paths, the password, the Harbor user.
FREE_TEXT = {*paths.FOLDER_KEYS, *paths.FILE_KEYS, "registryPassword", "registry.username"}


def _value_at(base: dict, path: str):
    """The stack's own value at `path`, as text; None when it has none there."""
    node = base
    for part in path.replace("]", "").replace("[", ".").split("."):
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    if isinstance(node, bool):
        return "true" if node else "false"
    return node if isinstance(node, str) else str(node) if isinstance(node, int) else None


# Values for the keys no stack sets (tried where their parent exists).
SAMPLES = {"hugepages1Gi": "16", "registry.caSha256": "0123456789abcdef" * 4}


def _cases():
    for stack in STACKS:
        base = _base(stack)
        for path in key_paths():
            value = _value_at(base, path)
            if value is None and path in SAMPLES and _set(base, path, SAMPLES[path]) is not None:
                value = SAMPLES[path]
            if value is not None:
                yield stack, path, value


CASES = list(_cases())


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_key_refuses_hidden_foreign_and_huge_text(variant):
    accepted, unnamed, loud = [], [], []
    for stack, path, value in CASES:
        base, hostile = _base(stack), VARIANTS[variant](value)
        problems = _problems(stack, _set(base, path, hostile))
        top = path.split(".")[0].split("[")[0]
        if not problems:
            if not (variant in ("full-width", "superscript") and (path in FREE_TEXT or top in FREE_TEXT)):
                accepted.append(f"{stack}: {path} = {hostile[:40]!r}")
            continue
        if not any(p.startswith((path, top)) for p in problems):
            unnamed.append(f"{stack}: {path}: {problems}")
        loud += [f"{stack}: {path}: {p[:120]}" for p in problems
                 if len(p) > 500 or (len(hostile) > 100 and hostile[:101] in p)
                 or ("[secret]" in p and path == "registryPassword")]
    assert not accepted, f"{variant} values accepted:\n" + "\n".join(accepted)
    assert not unnamed, "refused without naming the key:\n" + "\n".join(unnamed)
    assert not loud, "a problem echoes more than 100 characters or a secret:\n" + "\n".join(loud)


def test_every_key_path_is_tried():
    assert {path for _, path, _ in CASES} == set(key_paths())
