from datetime import date

import pytest

from guidance.conditions import (
    CONDITION_NAMES,
    ConditionError,
    FactFunction,
    MonthInterval,
    ScoreRange,
    check_names,
    compile_condition,
    json_value,
)

T, F, U = True, False, None


def value_of(text, **names):
    return compile_condition(text).evaluate(names)[0]


@pytest.mark.parametrize(
    ("a", "b", "conjunction", "disjunction"),
    [
        (T, T, T, T),
        (T, F, F, T),
        (T, U, U, T),
        (F, T, F, T),
        (F, F, F, F),
        (F, U, F, U),
        (U, T, U, T),
        (U, F, F, U),
        (U, U, U, U),
    ],
)
def test_kleene_and_or_truth_tables(a, b, conjunction, disjunction):
    assert value_of("a and b", a=a, b=b) is conjunction
    assert value_of("a or b", a=a, b=b) is disjunction


@pytest.mark.parametrize(("a", "negation"), [(T, F), (F, T), (U, U)])
def test_kleene_not(a, negation):
    assert value_of("not a", a=a) is negation


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("x < 5", {"x": 4}, T),
        ("x < 5", {"x": 5}, F),
        ("x <= 5", {"x": 5}, T),
        ("x > 5", {"x": None}, U),
        ("x == 'IVa'", {"x": None}, U),
        ("x != 'IVa'", {"x": "IVb"}, T),
        ("1 <= x < 5", {"x": 5}, F),
        ("1 <= x < 5", {"x": 1}, T),
        ("x < y < 5", {"x": None, "y": 7}, F),  # chained: UNKNOWN and FALSE is FALSE
        ("x < y < 5", {"x": None, "y": 3}, U),
        ("x in ('a', 'b')", {"x": "b"}, T),
        ("x in ('a', 'b')", {"x": "c"}, F),
        ("x in ['a', 'b']", {"x": None}, U),
        ("x not in ('a', 'b')", {"x": "c"}, T),
        ("x is None", {"x": None}, T),
        ("x is not False", {"x": None}, T),
        ("x is not False", {"x": False}, F),
        ("x is True", {"x": None}, F),
        ("missing(x)", {"x": None}, T),
        ("missing(x)", {"x": 0}, F),
        ("known(x)", {"x": None}, F),
        ("x > -1", {"x": 0}, T),
        ("unknown('board judgement')", {}, U),
        ("board_inputs.resectability == 'unresectable'", {"board_inputs.resectability": "unresectable"}, T),
    ],
)
def test_condition_values(text, names, expected):
    assert value_of(text, **names) is expected


def test_unknown_result_names_what_is_missing():
    condition = compile_condition("a and (b or board_inputs.resectability == 'upfront_resectable') and c > 3")

    value, missing = condition.evaluate({"a": True, "b": False, "board_inputs.resectability": None, "c": None})

    assert value is None
    assert missing == ("board_inputs.resectability", "c")


def test_false_result_names_nothing():
    assert compile_condition("a and b").evaluate({"a": None, "b": False}) == (False, ())


def test_unknown_label_is_reported_as_missing():
    assert compile_condition("a and unknown('board judgement')").evaluate({"a": True}) == (None, ("board judgement",))


@pytest.mark.parametrize(
    ("end", "op", "months", "expected"),
    [
        (date(2024, 1, 10), ">=", 12, T),  # exactly 12 months (§1.1 example)
        (date(2024, 1, 9), ">=", 12, F),
        (date(2024, 1, 10), ">", 12, F),
        (date(2024, 1, 11), ">", 12, T),
        (date(2024, 1, 10), "<", 12, F),
        (date(2024, 1, 9), "<", 12, T),
        (date(2024, 1, 10), "<=", 12, T),
        (date(2024, 1, 10), "==", 12, T),
        (date(2023, 10, 10), ">", 9, F),
        (date(2023, 10, 11), ">", 9, T),
    ],
)
def test_interval_comparisons_are_made_on_dates(end, op, months, expected):
    interval = MonthInterval(date(2023, 1, 10), end)

    assert value_of(f"interval {op} N", interval=interval, N=months) is expected
    assert (
        value_of(f"N {op.replace('<', '#').replace('>', '<').replace('#', '>')} interval", interval=interval, N=months)
        is expected
    )


def test_interval_at_month_end_uses_last_day_of_target_month():
    interval = MonthInterval(date(2024, 1, 31), date(2024, 2, 29))

    assert value_of("i >= 1", i=interval) is True
    assert json_value(interval) == 1


def test_interval_refuses_fractional_months():
    with pytest.raises(ConditionError, match="whole number of months"):
        value_of("i >= 9.5", i=MonthInterval(date(2023, 1, 1), date(2024, 1, 1)))


@pytest.mark.parametrize(
    ("low", "high", "expected"), [(3, 3, T), (2, 2, F), (2, 3, U), (3, 5, T), (1, 2, F), (2, 4, U)]
)
def test_score_range_compares_in_three_values(low, high, expected):
    value, missing = compile_condition("fong_crs >= 3").evaluate({"fong_crs": ScoreRange(low, high)})

    assert value is expected
    assert missing == (("fong_crs",) if expected is None else ())


def test_fact_function_unknown_names_its_missing_fact():
    below = FactFunction(lambda mm: None, "largest_metastasis_mm")

    assert compile_condition("all_metastases_below(P)").evaluate({"all_metastases_below": below, "P": 30}) == (
        None,
        ("largest_metastasis_mm",),
    )


def test_used_records_names_and_function_calls():
    used = {}
    below = FactFunction(lambda mm: mm > 10, "largest_metastasis_mm")

    compile_condition("a and all_metastases_below(P)").evaluate(
        {"a": True, "all_metastases_below": below, "P": 30}, used
    )

    assert used == {"a": True, "P": 30, "all_metastases_below(P)": True}


def test_unknown_name_at_evaluation_raises():
    with pytest.raises(ConditionError, match="unknown name 'ACC_X'"):
        compile_condition("a < ACC_X").evaluate({"a": 1})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a and and b", "syntax error at column 7"),
        ("a +", "syntax error at the end"),
        ("", "empty"),
        ("a + 1 > 2", "arithmetic is not allowed at column 1"),
        ("open('x')", "function 'open' is not allowed"),
        ("__import__('os')", "function '__import__' is not allowed"),
        ("a.__class__ is None", None),
        ("x[0]", "subscript is not allowed"),
        ("x in y", "needs a tuple or list"),
        ("x in (y, 1)", "only constants"),
        ("x is 3", "only allowed with None, True or False"),
        ("lambda: 1", "lambda is not allowed"),
        ("(a, b)", "only allowed after 'in'"),
        ("missing(a, b)", "exactly one argument"),
        ("known(x=a)", "no keyword arguments"),
        ("missing", "is a function"),
        ("b'x' == a", "constant b'x' is not allowed"),
        ("a if b else c", "conditional expression is not allowed"),
        ("-a > 1", "only 'not' and a minus before a number"),
    ],
)
def test_compile_condition_refuses_with_location(text, message):
    if message is None:  # dotted names are plain lookups, never attribute access
        condition = compile_condition(text)
        assert condition.names == ("a.__class__",)
        return
    with pytest.raises(ConditionError, match=message):
        compile_condition(text)


def test_multi_line_condition_reports_line_and_column():
    with pytest.raises(ConditionError, match="line 2, column 1"):
        compile_condition("a and\nb[0]")


def test_check_names_suggests_close_names():
    messages = check_names("ki67_pc < 20 and board_inputs.resectabilty is None and nonsense_xyz", CONDITION_NAMES)

    assert messages == [
        "unknown name 'ki67_pc' (did you mean 'ki67_pct'?)",
        "unknown name 'board_inputs.resectabilty' (did you mean 'board_inputs.resectability'?)",
        "unknown name 'nonsense_xyz'",
    ]


def test_check_names_reports_syntax_errors():
    assert check_names("a and", CONDITION_NAMES) == [
        "syntax error at the end of the condition: invalid syntax "
        "(suggestion: the condition ends after an operator: something is missing after it)"
    ]


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("frail && metastases_present", "write 'and' instead of '&&'"),
        ("frail || metastases_present", "write 'or' instead of '||'"),
        ("!frail", "write 'not' instead of '!'"),
        ("ecog = 2", "compare with '=='"),
        ("ecog ≥ 2", "write '>=' instead of '≥'"),
        ("frail AND metastases_present", "lower case"),
        ("(frail and metastases_present", "a ')' is missing"),
        ("n_status == 'N1", "a quote is not closed"),
        ("frail and", "ends after an operator"),
        ("n_status == ‘N1’", "straight quotes"),
    ],
)
def test_syntax_errors_come_with_a_suggestion(text, suggestion):
    with pytest.raises(ConditionError) as raised:
        compile_condition(text)

    assert "suggestion: " in str(raised.value) and suggestion in str(raised.value)
    assert "Perhaps you forgot a comma" not in str(raised.value)


def test_lower_case_constants_suggest_the_constant():
    assert check_names("frail == true", CONDITION_NAMES) == ["unknown name 'true' (did you mean True?)"]


def test_check_names_accepts_known_names_and_functions():
    assert check_names("metastases_present and all_metastases_below(30) and missing(ecog)", CONDITION_NAMES) == []
