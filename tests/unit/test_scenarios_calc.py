"""Expected calc results (pure) and the receiver-log check, as table tests."""
import math

import pytest

from scenarios.calc import check_calc_log, expected_calc_results, format_expected, parse_results


@pytest.mark.parametrize("inputs,expected", [
    ([1, 2, 3, 4, 5], {"plus": 15, "minus": -13, "multiply": 120, "divide": 1 / 120,
                       "average": (15 - 13 + 120 + 1 / 120) / 4}),
    ([10, 2], {"plus": 12, "minus": 8, "multiply": 20, "divide": 5, "average": 11.25}),
    ([7], {"plus": 0, "minus": 0, "multiply": 0, "divide": 0, "average": 0}),  # calcapp needs two inputs
    ([], {"plus": 0, "minus": 0, "multiply": 0, "divide": 0, "average": 0}),
    ([-1.5, 0.5], {"plus": -1, "minus": -2, "multiply": -0.75, "divide": -3, "average": -1.6875}),
])
def test_expected_results(inputs, expected):
    got = expected_calc_results(inputs)
    assert list(got) == ["plus", "minus", "multiply", "divide", "average"]
    for op, want in expected.items():
        assert math.isclose(got[op], want, rel_tol=1e-12, abs_tol=1e-15), op


def test_the_issue_numbers():
    got = expected_calc_results([1, 2, 3, 4, 5])
    assert got["divide"] == pytest.approx(0.008333333, rel=1e-6)
    assert got["average"] == pytest.approx(30.502083, rel=1e-6)


@pytest.mark.parametrize("inputs,op,check", [
    ([1, 0], "divide", lambda v: v == math.inf),
    ([-1, 0], "divide", lambda v: v == -math.inf),
    ([0, 0], "divide", math.isnan),
])
def test_division_by_zero_follows_ieee_like_go(inputs, op, check):
    assert check(expected_calc_results(inputs)[op])


JSON_LINE = ('2025-04-01T00:00:00.000Z\tINFO\tcalcapp/main.go:288\tstart call Do\t{"req": {"inputs":[1,2,3,4,5],'
             '"results":[{"operator":"plus","value":15},{"operator":"minus","value":-13},'
             '{"operator":"multiply","value":120},{"operator":"divide","value":0.008333333333333333},'
             '{"operator":"average","value":30.502083333333335}]}}')
TEXT_LINE = ('2025-04-01T00:00:00.000Z\tINFO\tcalcapp/main.go:288\tstart call Do\t{"req": "inputs:1  inputs:2 '
             'inputs:3 inputs:4 inputs:5 results:{operator:\\"plus\\"  value:15} results:{operator:\\"minus\\" '
             'value:-13} results:{operator:\\"multiply\\" value:120} results:{operator:\\"divide\\" '
             'value:0.008333333333333333} results:{operator:\\"average\\" value:30.502083333333335}"}')


@pytest.mark.parametrize("line", [JSON_LINE, TEXT_LINE])
def test_parse_both_log_encodings(line):
    assert parse_results(line) == pytest.approx(expected_calc_results([1, 2, 3, 4, 5]))


def test_zero_values_are_omitted_by_the_encoders():
    line = 'start call Do {"req": {"inputs":[7],"results":[{"operator":"plus"},{"operator":"minus"}]}}'
    assert parse_results(line) == {"plus": 0.0, "minus": 0.0}


@pytest.mark.parametrize("log,inputs,problems", [
    (JSON_LINE, [1, 2, 3, 4, 5], []),
    ("start gRPC server\n" + TEXT_LINE + "\n", [1, 2, 3, 4, 5], []),
    (JSON_LINE, [1, 2, 3, 4, 6], ["plus: expected 16.0, got 15.0", "minus: expected -14.0, got -13.0"]),
    (JSON_LINE.replace('{"operator":"average","value":30.502083333333335}', ""), [1, 2, 3, 4, 5],
     ["average: missing"]),
    ("start gRPC server\n", [1, 2, 3, 4, 5], ["the receiver logged no results"]),
    (JSON_LINE.replace("15}", "14}") + "\n" + JSON_LINE, [1, 2, 3, 4, 5], []),  # the last line counts
])
def test_check_calc_log(log, inputs, problems):
    got = check_calc_log(log, inputs)
    for want in problems:
        assert any(p.startswith(want) for p in got), (want, got)
    if not problems:
        assert got == []


def test_format_expected():
    assert format_expected([1, 2, 3, 4, 5]) == \
        "plus 15, minus -13, multiply 120, divide 0.008333333333, average 30.50208333"
