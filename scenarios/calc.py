"""The calc scenarios' expected results and the check of the receiver's log (pure).

The arithmetic mirrors cpufunc_calcapp (main.go): each operator folds the inputs left to right and
yields 0 for fewer than two inputs; `average` is the mean of the four results before it; floats
follow IEEE 754 like Go's (x/0 is ±Inf, 0/0 is NaN) instead of raising.
"""
from __future__ import annotations

import math
import re
from typing import Iterable, Optional, Sequence

DEFAULT_INPUTS = (1.0, 2.0, 3.0, 4.0, 5.0)


def _div(a: float, b: float) -> float:
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _fold(inputs: Sequence[float], op) -> float:
    if len(inputs) < 2:
        return 0.0
    res = inputs[0]
    for v in inputs[1:]:
        res = op(res, v)
    return res


def expected_calc_results(inputs: Iterable[float]) -> dict[str, float]:
    """{'plus': 15.0, 'minus': -13.0, 'multiply': 120.0, 'divide': 0.00833.., 'average': 30.50..} for 1..5."""
    xs = [float(x) for x in inputs]
    out = {"plus": _fold(xs, lambda a, b: a + b), "minus": _fold(xs, lambda a, b: a - b),
           "multiply": _fold(xs, lambda a, b: a * b), "divide": _fold(xs, _div)}
    out["average"] = sum(out.values()) / 4
    return out


# The receiver logs its request either as JSON ("operator":"plus","value":15) or, because protobuf
# messages are fmt.Stringers that zap prints as text, as prototext (operator:\"plus\" value:15).
# A zero value is omitted in both, so a result without `value` counts as 0.
_RESULT = re.compile(r'operator\W{0,6}?(?P<op>[a-z_]+)\\?"(?P<rest>[^}]*)\}')
_VALUE = re.compile(r'value\\?"?\s*:\s*(?P<v>[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+|[Ii]nf|NaN))')


def parse_results(line: str) -> dict[str, float]:
    found = {}
    for m in _RESULT.finditer(line):
        v = _VALUE.search(m.group("rest"))
        found[m.group("op")] = float(v.group("v")) if v else 0.0
    return found


def last_results(log: str) -> tuple[Optional[str], dict[str, float]]:
    """The last log line that carries results, and those results."""
    for line in reversed(log.splitlines()):
        results = parse_results(line)
        if results:
            return line, results
    return None, {}


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_calc_log(log: str, inputs: Iterable[float]) -> list[str]:
    """Mismatches between the receiver's log and the expected results; empty when all agree."""
    expected = expected_calc_results(inputs)
    line, got = last_results(log)
    if line is None:
        return ["the receiver logged no results (no line with operator/value pairs)"]
    problems = [f"{op}: expected {want!r}, got {got[op]!r}" if op in got else f"{op}: missing, expected {want!r}"
                for op, want in expected.items() if op not in got or not _same(got[op], want)]
    return problems


def format_expected(inputs: Iterable[float]) -> str:
    return ", ".join(f"{op} {v:.10g}" for op, v in expected_calc_results(inputs).items())
