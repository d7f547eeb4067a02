"""Every stack value is matched, parsed and echoed by one helper (settings/text.py): whole,
ASCII-only patterns, ASCII numbers without a leading zero, and messages that show at most 100 characters
of a value and never user-info. The structural tests find a way around the helper in settings."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from facts import shared as constants
from settings import text
from settings.decode import Problems, bounded
from settings.schema import KEYS, NESTED_MAX_LENGTH, max_length

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = sorted((ROOT / "settings").glob("*.py"))
HELPER = ROOT / "settings/text.py"
CONFIGURATION = (ROOT / "docs/configuration.md").read_text()


@pytest.mark.parametrize("value", ["kind\n", "ki\nnd", "\nkind", "kind\r", "k\u0663nd", "kind "])
def test_a_pattern_matches_the_whole_value_in_ascii(value):
    assert not text.whole(text.pattern(r"[a-z0-9]+"), value)
    assert not text.whole(text.pattern(r"\w+"), value.replace(" ", "\u00e9"))


@pytest.mark.parametrize("value,number", [("0", 0), ("5001", 5001), ("65535", 65535)])
def test_a_number_is_plain_ascii_decimal(value, number):
    assert text.number(value) == number


@pytest.mark.parametrize("value", ["", "05001", "00", "+5", "-5", " 5", "5 ", "5\n", "\uff15\uff10", "\u00b9",
                                   "\u0665", "1_000", "0x1F", "1e3", "5.0", "9" * 10])
def test_a_number_refuses_other_digits_signs_and_leading_zeros(value):
    assert text.number(value) is None


def test_a_signed_number_takes_a_minus_and_nothing_else():
    assert text.number("-1", signed=True) == -1 and text.number("+1", signed=True) is None
    assert text.number("-01", signed=True) is None


def test_show_clips_a_value_to_100_characters_and_says_how_long_it_was():
    shown = text.show("x" * 100_000)
    assert shown.count("x") == text.ECHO and "100000 characters" in shown


@pytest.mark.parametrize("value", ["admin:PASSWORD@harbor.example.com", "https://admin:PASSWORD@h/x",
                                   "PASSWORD@h:443", "a:PASSWORD@"])
def test_show_never_echoes_user_info(value):
    assert "PASSWORD" not in text.show(value) and "***@" in text.show(value)


def test_show_keeps_an_image_digest():
    ref = "quay.io/brancz/kube-rbac-proxy@sha256:" + "a" * 64
    assert text.show(ref).startswith("'quay.io/brancz/kube-rbac-proxy@sha256:")


@pytest.mark.parametrize("value", ["a\nb", "a\tb", "a\x00b", "a\u200bb", "a\u202eb", "a\u2028b", "a\x7fb"])
def test_a_text_value_with_a_hidden_character_is_refused(value):
    p = Problems()
    assert bounded("clusterName", value, p) is None and p.keys == ["clusterName"]


def test_every_text_field_has_a_length_limit():
    for key in KEYS.values():
        assert (key.max_length > 0) == (key.type == "string"), key.name
    for field in ("workers[3].sriov.pf", "registry.host", "functionImages.anything", "sriovIpam.exclusions[7]",
                  "scenarios[0]", "workers[0].name"):
        assert max_length(field) > 0


def test_the_configuration_reference_shows_each_key_limit():
    for key in KEYS.values():
        row = next(line for line in CONFIGURATION.splitlines() if line.startswith(f"| `{key.name}` |"))
        if key.max_length:
            assert f"| {key.max_length} |" in row, row


def test_the_configuration_reference_states_each_nested_field_limit():
    objects = " ".join(CONFIGURATION.split("\nObjects, with the longest text", 1)[1].split("\n\n", 1)[0].split())
    for field, limit in NESTED_MAX_LENGTH.items():
        leaf = {"functionImages.*": "<reference>", "sriovIpam.exclusions[]": '"FIRST-LAST"',
                "scenarios[]": "`scenarios`"}.get(field, field.rsplit(".", 1)[-1])
        assert re.search(rf"{re.escape(leaf)}\??`? ≤{limit}\b", objects), (field, limit)


def _calls(tree: ast.AST, names: set[str]) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and getattr(n.func, "attr", getattr(n.func, "id", "")) in names]


def test_settings_match_parse_and_echo_values_only_through_the_helper():
    offenders = []
    for path in SETTINGS:
        if path == HELPER:
            continue
        tree = ast.parse(path.read_text())
        rel = path.relative_to(ROOT)
        offenders += [f"{rel}:{n.lineno}: imports re" for n in ast.walk(tree)
                      if isinstance(n, ast.Import) and any(a.name == "re" for a in n.names)
                      or isinstance(n, ast.ImportFrom) and n.module == "re"]
        # A bare match or search lets "x\n" past ^...$; isdigit() takes "１" and "¹".
        offenders += [f"{rel}:{c.lineno}: .{c.func.attr}()" for c in _calls(tree, {
            "match", "search", "fullmatch", "findall", "finditer", "isdigit", "isdecimal", "isnumeric"})]
        # {value!r} prints a whole value (100 KB, a password): text.show() clips and masks it.
        offenders += [f"{rel}:{n.lineno}: !r in a message" for n in ast.walk(tree)
                      if isinstance(n, ast.FormattedValue) and n.conversion == ord("r")]
    assert not offenders, "use settings/text.py:\n" + "\n".join(offenders)


def test_shared_patterns_carry_no_anchor_and_no_unicode_class():
    # Anchors invite .match(); \d, \w, \s and \b mean any script's digits, letters and spaces without re.ASCII.
    patterns = {name: value for name, value in vars(constants).items() if name.endswith("_PATTERN")}
    assert patterns
    for name, value in patterns.items():
        assert not re.search(r"\\[dwsbDWSB]|^\^|\$$", value), name
