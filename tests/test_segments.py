"""Segments: each built-in on hand-made score frames, user segments, every error, assign and check_catalog."""

import numpy as np
import pandas as pd
import pytest

from cxmodels.segments import (BUILTIN_SEGMENTS, Segment, SegmentError, assign, check_catalog, members,
                               segment_catalog)

# the score frame's columns and dtypes (serving spec)
SCORE_DTYPES = {
    "customer_id": "str", "as_of": "datetime64[ns, UTC]", "status": "str", "churn_probability": "float64", "churn_risk": "str",
    "reason_1": "str", "reason_2": "str", "reason_3": "str", "p_alive": "float64", "expected_purchases": "float64",
    "expected_purchases_low": "float64", "expected_purchases_high": "float64", "expected_order_value": "float64",
    "clv": "float64", "clv_low": "float64", "clv_high": "float64", "value_tier": "str", "days_since_last_purchase": "float64",
    "purchases_total": "float64", "spend_total": "float64", "mean_order_value": "float64", "nps_latest": "float64",
    "nps_category": "str", "r_score": "float64", "f_score": "float64", "m_score": "float64", "segments": "str",
    "churn_model_version": "str", "clv_model_version": "str",
}
CATALOG = segment_catalog()


def scores(**columns) -> pd.DataFrame:
    """A score frame with the given columns (lists of equal length; None is missing), every other column missing."""
    n = len(next(iter(columns.values())))
    return pd.DataFrame({name: pd.Series(columns.get(name, [None] * n), dtype=dtype)
                         for name, dtype in SCORE_DTYPES.items()})


def member_rows(frame: pd.DataFrame, name: str) -> list[int]:
    return list(np.flatnonzero(members(frame, CATALOG[name])))


def test_builtins_come_first_in_order_with_names_and_descriptions():
    assert list(CATALOG)[:16] == ["save_now", "keep_close", "reward_loyalty", "retain", "nurture", "grow", "let_go",
                                  "automate", "maintain", "win_back", "champions", "loyal", "at_risk", "hibernating",
                                  "lost", "high_value_detractors"]
    assert list(CATALOG.values()) == list(BUILTIN_SEGMENTS)
    assert CATALOG["save_now"].description.startswith("High value, high churn risk:")
    assert all(segment.description and segment.expression for segment in BUILTIN_SEGMENTS)
    check_catalog(CATALOG, SCORE_DTYPES)
    check_catalog(CATALOG, list(SCORE_DTYPES))


GRID = {"save_now": ("high", "high"), "keep_close": ("high", "medium"), "reward_loyalty": ("high", "low"),
        "retain": ("medium", "high"), "nurture": ("medium", "medium"), "grow": ("medium", "low"),
        "let_go": ("low", "high"), "automate": ("low", "medium"), "maintain": ("low", "low")}


@pytest.mark.parametrize("name", GRID)
def test_risk_value_grid(name):
    cells = list(GRID.values())
    frame = scores(value_tier=[value for value, _ in cells] + [None, "high", None],
                   churn_risk=[risk for _, risk in cells] + ["high", None, None])
    assert member_rows(frame, name) == [cells.index(GRID[name])]


RFM = [  # (r, f, m) and the RFM segment of that customer, None for none
    ((5, 5, 5), "champions"), ((4, 4, 4), "champions"),
    ((4, 5, 3), "loyal"), ((3, 4, 5), "loyal"), ((5, 4, 1), "loyal"),
    ((3, 3, 5), None), ((5, 1, 1), None), ((4, 3, 5), None),
    ((2, 3, 1), "at_risk"), ((1, 5, 5), "at_risk"),
    ((2, 2, 5), "hibernating"), ((2, 1, 1), "hibernating"),
    ((1, 2, 1), "lost"), ((1, 1, 5), "lost"),
    ((None, 5, 5), None), ((5, 5, None), None), ((1, None, 1), None), ((None, None, None), None),
]


@pytest.mark.parametrize("name", ["champions", "loyal", "at_risk", "hibernating", "lost"])
def test_rfm_segments(name):
    r, f, m = zip(*(rfm for rfm, _ in RFM))
    frame = scores(r_score=r, f_score=f, m_score=m)
    assert member_rows(frame, name) == [i for i, (_, segment) in enumerate(RFM) if segment == name]


def test_win_back_takes_lapsed_customers_of_high_past_value_out_of_the_grid():
    frame = scores(status=["lapsed", "lapsed", "active", "lapsed"], m_score=[5, 3, 5, 4],
                   value_tier=["low", "low", "low", "high"], churn_risk=[None, None, "high", None])
    assert member_rows(frame, "win_back") == [0, 3]
    assert member_rows(frame, "let_go") == [2]  # a lapsed customer has no churn risk: in no cell of the grid


def test_high_value_detractors():
    frame = scores(value_tier=["high", "high", "medium", "high", None, "high"],
                   nps_category=["detractor", "passive", "detractor", None, "detractor", "promoter"])
    assert member_rows(frame, "high_value_detractors") == [0]


def test_members_is_a_bool_series_aligned_with_the_frame():
    frame = scores(value_tier=["high", "low"], churn_risk=["high", "high"]).set_index("customer_id", drop=False)
    frame.index = ["b", "a"]
    result = members(frame, CATALOG["save_now"])
    assert result.dtype == bool and result.name == "save_now"
    assert result.to_dict() == {"b": True, "a": False}


def test_user_segments_from_configuration():
    catalog = segment_catalog({"big_spenders": "spend_total > 1000",
                               "unhappy-2": {"expression": "nps_latest <= 6", "description": "Unhappy lately."}})
    assert list(catalog)[-2:] == ["big_spenders", "unhappy-2"]
    assert catalog["big_spenders"] == Segment("big_spenders", "User-defined: spend_total > 1000", "spend_total > 1000")
    assert catalog["unhappy-2"].description == "Unhappy lately."
    assert segment_catalog({"only": {"expression": "clv > 1"}})["only"].description == "User-defined: clv > 1"
    check_catalog(catalog, SCORE_DTYPES)
    frame = scores(spend_total=[2000.0, 10.0, None], nps_latest=[3.0, None, 9.0])
    assert list(members(frame, catalog["big_spenders"])) == [True, False, False]
    assert list(members(frame, catalog["unhappy-2"])) == [True, False, False]


@pytest.mark.parametrize(("expression", "expected"), [
    ('churn_risk != "low"', [True, False, False, True, False]),
    ('not (churn_risk == "low")', [True, False, False, True, False]),
    ('churn_risk not in ["low"]', [True, False, False, True, False]),
    ("~(churn_probability < 0.5)", [True, False, False, False, True]),
    # a customer missing any column the expression reads is out, even when `or` would not need it
    ('churn_risk == "high" or churn_probability > 0.5', [True, False, False, False, False]),
    ("churn_probability.isna() or churn_risk.isna()", [False] * 5),
])
def test_missing_values_never_make_a_member(expression, expected):
    frame = scores(churn_risk=["high", None, "low", "high", None], churn_probability=[0.9, None, 0.1, None, 0.9])
    assert list(members(frame, Segment("s", "", expression))) == expected


def test_user_expressions_can_use_methods_of_columns():
    frame = scores(churn_probability=[0.1, 0.5, 0.9, None, 0.7], reason_1=["Days since a", "b", None, "Days", "x"])
    top = Segment("top", "", "churn_probability.rank(pct=True) > 0.75")
    days = Segment("days", "", 'reason_1.str.startswith("Days")')
    assert list(np.flatnonzero(members(frame, top))) == [2]
    assert list(np.flatnonzero(members(frame, days))) == [0, 3]


@pytest.mark.parametrize("name", ["Big", "1st", "has space", "semi;colon", "", "naïve", 7])
def test_invalid_names(name):
    with pytest.raises(SegmentError, match=r"segment name .* is not valid: use lowercase letters"):
        segment_catalog({name: "clv > 1"})


def test_a_user_name_may_not_clash_with_a_built_in():
    with pytest.raises(SegmentError, match=r"segment name 'champions' is a built-in segment; choose another name"):
        segment_catalog({"champions": "clv > 1"})


@pytest.mark.parametrize(("definition", "message"), [
    (3, r"segment 'bad': the expression must be a string, got 3"),
    (["clv > 1"], r"segment 'bad': the expression must be a string, got \['clv > 1'\]"),
    ({"description": "no expression"}, r"segment 'bad': the expression must be a string, got None"),
    ({"expression": "clv > 1", "colour": "red"}, r"segment 'bad': unknown keys \['colour'\]; expected 'expression'"),
    ({"expression": "clv > 1", "description": 5}, r"segment 'bad': the description must be a string, got 5"),
])
def test_invalid_definitions(definition, message):
    with pytest.raises(SegmentError, match=message):
        segment_catalog({"bad": definition})


KNOWN = "known columns: customer_id, as_of, status, churn_probability, churn_risk"


@pytest.mark.parametrize(("expression", "problem"), [
    ("clv >", "does not parse: invalid syntax"),
    ("spend > 100", f"uses an unknown column 'spend'; {KNOWN}"),
    ("@threshold < clv", "does not parse: The '@' prefix is not allowed"),
    ("clv", "does not give true or false for each customer (it gives float64 values)"),
    ("clv * 2", "does not give true or false for each customer (it gives float64 values)"),
    ("clv.sum() > 0", "does not give true or false for each customer (it gives np.False_)"),
    ("1 > 0", "does not give true or false for each customer (it gives True)"),
    ("flag = clv > 1", "cannot be evaluated: cannot assign without a target object"),
    ("", "cannot be evaluated: expr cannot be an empty string"),
    ("import os", "cannot be evaluated: 'Import' nodes are not implemented"),
    ("clv.__class__", "may not use names with double underscores"),
])
def test_invalid_expressions_are_named_with_the_problem(expression, problem):
    catalog = segment_catalog({"bad": expression})
    expected = f"segment 'bad': expression {expression!r} {problem}"
    with pytest.raises(SegmentError) as error:
        check_catalog(catalog, SCORE_DTYPES)
    assert str(error.value).startswith(expected)
    with pytest.raises(SegmentError, match="segment 'bad'"):
        assign(scores(clv=[1.0]), catalog)


def test_check_catalog_with_column_names_only():
    check_catalog(segment_catalog({"s": 'reason_1.str.contains("days") and clv > 1'}), list(SCORE_DTYPES))
    with pytest.raises(SegmentError, match=r"segment 's': expression 'clv' does not give true or false .*object"):
        check_catalog({"s": Segment("s", "", "clv")}, list(SCORE_DTYPES))


def test_check_catalog_names_the_built_in_that_needs_a_missing_column():
    columns = [column for column in SCORE_DTYPES if column != "nps_category"]
    with pytest.raises(SegmentError, match=r"segment 'high_value_detractors': .* unknown column 'nps_category'"):
        check_catalog(CATALOG, columns)


def test_a_type_error_only_data_reveals_is_a_segment_error_at_scoring():
    segment = Segment("s", "", "value_tier > 1")
    check_catalog({"s": segment}, SCORE_DTYPES)
    with pytest.raises(SegmentError, match=r"segment 's': expression 'value_tier > 1' cannot be evaluated"):
        members(scores(value_tier=["high"]), segment)


def test_assign_joins_names_in_catalog_order():
    frame = scores(value_tier=["high", "low", None, "high"], churn_risk=["high", "low", "high", "low"],
                   nps_category=["detractor", None, "detractor", "promoter"],
                   r_score=[5, 1, 1, None], f_score=[5, 1, 1, None], m_score=[5, 1, 1, None])
    frame.index = ["w", "x", "y", "z"]
    result = assign(frame, CATALOG)
    assert result.to_dict() == {"w": "save_now;champions;high_value_detractors", "x": "maintain;lost", "y": "lost",
                                "z": "reward_loyalty"}
    assert result.name == "segments" and result.dtype == "str"
    reordered = {name: CATALOG[name] for name in ["high_value_detractors", "champions", "save_now"]}
    assert assign(frame, reordered).tolist() == ["high_value_detractors;champions;save_now", "", "", ""]
    assert assign(frame, {}).tolist() == ["", "", "", ""]
    assert assign(frame.iloc[:0], CATALOG).tolist() == []


def test_assign_matches_a_row_by_row_join_with_more_than_64_segments():
    rng = np.random.default_rng(6)
    n = 500
    frame = scores(clv=rng.uniform(0, 100, n), churn_probability=np.where(rng.random(n) < 0.2, np.nan, rng.random(n)),
                   value_tier=rng.choice(["low", "medium", "high"], n), churn_risk=rng.choice(["low", "high"], n))
    catalog = segment_catalog({f"over_{i}": f"clv > {i} and churn_probability > 0.3" for i in range(0, 100, 2)}
                              | {f"under_{i}": f"clv < {i}" for i in range(0, 100, 5)})
    assert len(catalog) > 64
    flags = pd.DataFrame({segment.name: members(frame, segment) for segment in catalog.values()})
    expected = [";".join(flags.columns[row]) for row in flags.to_numpy()]
    assert assign(frame, catalog).tolist() == expected
