"""KPIs checked by hand on small data, plus invariants on random data and the CLI end to end."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from cxmodels.data.dataset import Dataset
from cxmodels.metrics import KPIS, kpi_table

Z = stats.norm.ppf(0.975)


def utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True, format="ISO8601"))


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame({name: values.reset_index(drop=True) if isinstance(values, pd.Series) else values
                         for name, values in columns.items()})


def purchases(*rows: tuple[str, str], amount: float = 10.0) -> pd.DataFrame:
    ids, stamps = zip(*rows)
    return frame(customer_id=list(ids), timestamp=utc(*stamps), amount=amount)


def answers(survey: str, scores: list[float], at: str = "2024-01-10", customer: str = "a") -> pd.DataFrame:
    return frame(customer_id=customer, timestamp=utc(*[at] * len(scores)), survey=survey, score=np.array(scores, float))


def only(table: pd.DataFrame, kpi: str, **where) -> pd.Series:
    """The single row of one KPI (and period/segment, when given)."""
    rows = table[table["kpi"] == kpi]
    for column, value in where.items():
        rows = rows[rows[column] == (pd.Timestamp(value) if column == "period" else value)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def wilson(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def t_interval(values: list[float], within: tuple[float, float] = (0, np.inf)) -> tuple[float, float]:
    """Student t interval, clipped to the range the values can take."""
    low, high = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    return max(low, within[0]), min(high, within[1])


TX = purchases(("a", "2024-01-02"))


# ---- surveys ---------------------------------------------------------------------------------


def test_nps_of_five_promoters_three_passives_two_detractors():
    scores = [9, 10, 9, 10, 9, 7, 8, 8, 0, 6]
    row = only(kpi_table(Dataset(transactions=TX, surveys=answers("nps", scores))), "nps")
    half = 100 * Z * np.sqrt((0.5 + 0.2 - 0.3**2) / 10)  # trinomial variance, n = 10
    assert row["value"] == pytest.approx(30.0)
    assert row["n"] == 10
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((30 - half, 30 + half))
    assert half == pytest.approx(48.41, abs=0.01)


def test_csat_share_and_mean_and_ces_mean():
    csat, ces = [5, 4, 3, 2, 5], [7, 6, 2, 5]
    surveys = pd.concat([answers("csat", csat), answers("ces", ces)], ignore_index=True)
    table = kpi_table(Dataset(transactions=TX, surveys=surveys))
    share = only(table, "csat_share")
    assert (share["value"], share["n"]) == (pytest.approx(0.6), 5)
    assert (share["ci_low"], share["ci_high"]) == pytest.approx(wilson(3, 5))
    assert (share["ci_low"], share["ci_high"]) == pytest.approx((0.2307, 0.8824), abs=1e-4)
    for kpi, scores, scale in [("csat_mean", csat, (1, 5)), ("ces_mean", ces, (1, 7))]:
        row = only(table, kpi)
        assert (row["value"], row["n"]) == (pytest.approx(np.mean(scores)), len(scores))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(t_interval(scores, scale))


def test_mean_interval_stays_on_the_scale_and_is_nan_for_one_answer():
    surveys = pd.concat([answers("ces", [7, 7, 7, 6]), answers("csat", [4], at="2024-02-01")], ignore_index=True)
    table = kpi_table(Dataset(transactions=TX, surveys=surveys))
    assert only(table, "ces_mean")["ci_high"] == 7
    single = only(table, "csat_mean")
    assert single["value"] == 4 and np.isnan(single["ci_low"]) and np.isnan(single["ci_high"])


# ---- periods and segments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "stamps", "starts"),
    [
        ("week", ["2024-01-07T23:59:59Z", "2024-01-08T00:00:00Z", "2024-01-14T23:00:00-02:00"],
         ["2024-01-01", "2024-01-08", "2024-01-15"]),
        ("month", ["2024-01-31T23:59:59Z", "2024-02-01T01:00:00+02:00", "2024-02-01T00:00:00Z"],
         ["2024-01-01", "2024-01-01", "2024-02-01"]),
        ("quarter", ["2024-03-31T23:59:59Z", "2024-04-01T00:00:00Z", "2024-12-31T23:59:59Z"],
         ["2024-01-01", "2024-04-01", "2024-10-01"]),
    ],
)
def test_periods_follow_the_utc_calendar(by, stamps, starts):
    surveys = frame(customer_id="a", timestamp=utc(*stamps), survey="csat", score=[1.0, 3.0, 5.0])
    table = kpi_table(Dataset(transactions=TX, surveys=surveys), by=by)
    rows = table[table["kpi"] == "csat_mean"]
    counts = rows.groupby("period")["n"].sum()
    expected = pd.Series(starts).value_counts().sort_index()
    assert counts.to_dict() == {pd.Timestamp(day): n for day, n in expected.items()}


def test_segments_put_missing_customers_and_values_in_unknown():
    customers = frame(customer_id=["a", "b", "c"], plan=["gold", "basic", None])
    surveys = pd.concat(
        [answers("csat", [5], customer=c) for c in ["a", "a", "b", "c", "z"]], ignore_index=True
    )  # c has no plan, z is not in customers
    table = kpi_table(Dataset(transactions=TX, customers=customers, surveys=surveys), segment="plan")
    counts = table[table["kpi"] == "csat_mean"].set_index("segment")["n"].to_dict()
    assert counts == {"basic": 1, "gold": 2, "unknown": 2}
    assert set(kpi_table(Dataset(transactions=TX, surveys=surveys))["segment"]) == {"all"}


def test_categorical_customer_ids_give_the_same_table():
    dataset = random_dataset(contractual=False)
    as_categories = Dataset(**{name: t.astype({"customer_id": "category"}) for name, t in dataset.tables.items()})
    expected = kpi_table(dataset, segment="plan", active_days=60)
    pd.testing.assert_frame_equal(kpi_table(as_categories, segment="plan", active_days=60), expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"by": "day"}, "by must be one of"), ({"segment": "tier"}, "not a column of customers")],
)
def test_bad_options_are_named(kwargs, message):
    customers = frame(customer_id=["a"], plan=["gold"])
    with pytest.raises(ValueError, match=message):
        kpi_table(Dataset(transactions=TX, customers=customers), **kwargs)


def test_segment_without_customers_table_is_an_error():
    with pytest.raises(ValueError, match="needs a customers table"):
        kpi_table(Dataset(transactions=TX), segment="plan")


# ---- churn and retention ---------------------------------------------------------------------


def test_contractual_churn_and_retention():
    customers = frame(
        customer_id=list("abcdefh"),
        signup_date=utc("2023-12-01", "2023-12-15", None, "2024-02-05", "2024-02-03", "2023-11-01", "2023-12-01"),
        plan=["gold", "gold", None, "basic", "basic", "gold", "basic"],
    )
    transactions = purchases(("a", "2024-01-01"), ("c", "2024-01-20"), ("h", "2024-02-15"), ("a", "2024-03-31"))
    cancellations = frame(
        customer_id=["b", "e", "f", "h"],
        timestamp=utc("2024-02-10", "2024-02-20", "2024-03-01T00:00:00", "2024-01-10"),
    )
    dataset = Dataset(transactions=transactions, customers=customers, cancellations=cancellations)
    table = kpi_table(dataset)
    # Jan: S = {a,b,f,h}; c first seen Jan 20 is new; h cancels. Feb: S = {a,b,c,f}; d new, b cancels,
    # e signs up and cancels (neither), h buys again but a cancellation is final. Mar: f cancels at Mar 1 00:00.
    expected = {"2024-01-01": (4, 1, 0.75), "2024-02-01": (4, 1, 0.75), "2024-03-01": (4, 1, 0.75)}
    for month, (base, left, retention) in expected.items():
        churn = only(table, "churn_rate", period=month)
        assert (churn["n"], churn["value"]) == (base, pytest.approx(left / base))
        assert (churn["ci_low"], churn["ci_high"]) == pytest.approx(wilson(left, base))
        kept = only(table, "retention_rate", period=month)
        assert (kept["n"], kept["value"]) == (base, pytest.approx(retention))
        assert (kept["ci_low"], kept["ci_high"]) == pytest.approx(wilson(base - left, base))
    by_plan = kpi_table(dataset, segment="plan")
    feb = by_plan[(by_plan["kpi"] == "churn_rate") & (by_plan["period"] == "2024-02-01")]
    assert feb.set_index("segment")["n"].to_dict() == {"gold": 3, "unknown": 1}  # a, b, f; c has no plan


def test_non_contractual_churn_and_retention_with_leavers_and_returners():
    transactions = purchases(
        ("g", "2024-01-01"),  # in the base at Feb 1 (bought within 31 days), gone at Mar 1
        ("a", "2024-01-15"), ("a", "2024-02-15"), ("a", "2024-03-15"), ("a", "2024-03-31"),  # always in
        ("b", "2024-01-10"),  # leaves in Feb
        ("c", "2024-02-20"),  # new in Feb, leaves in Mar
        ("d", "2024-01-05"), ("d", "2024-02-25"),  # lapses Feb 5, back Feb 25: neither left nor new in Feb
        ("f", "2024-01-02"), ("f", "2024-03-10"),  # leaves in Feb, returns (new) in Mar
    )
    refund = purchases(("e", "2024-02-10"), amount=-5.0)  # a refund is not a purchase
    dataset = Dataset(transactions=pd.concat([transactions, refund], ignore_index=True))
    table = kpi_table(dataset, active_days=31)
    # Jan has no full 31-day look-back; Apr is not fully observed: only Feb and Mar are reported.
    assert set(table["period"].dt.strftime("%Y-%m")) == {"2024-02", "2024-03"}
    # Feb: S = {a,b,d,f,g}, E = {a,c,d}, N = {c}, L = {b,f,g}. Mar: S = {a,c,d}, E = {a,f}, N = {f}, L = {c,d}.
    for month, base, churn, retention in [("2024-02-01", 5, 3 / 5, 2 / 5), ("2024-03-01", 3, 2 / 3, 1 / 3)]:
        assert only(table, "churn_rate", period=month)[["n", "value"]].tolist() == [base, pytest.approx(churn)]
        assert only(table, "retention_rate", period=month)["value"] == pytest.approx(retention)


def random_dataset(contractual: bool, customers: int = 300, seed: int = 1) -> Dataset:
    rng = np.random.default_rng(seed)
    ids = np.array([f"{i:04d}" for i in range(customers)])

    def rows(count: int) -> dict:
        stamps = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 500 * 86400, count), "s")
        return {"customer_id": rng.choice(ids, count), "timestamp": stamps}

    tables = {
        "transactions": pd.DataFrame({**rows(3000), "amount": rng.normal(20, 15, 3000)}),
        "customers": pd.DataFrame({"customer_id": ids, "plan": rng.choice(["gold", "basic", None], customers)}),
        "surveys": pd.DataFrame({**rows(600), "survey": rng.choice(["nps", "csat", "ces"], 600),
                                 "score": rng.integers(1, 6, 600).astype(float)}),
        "contacts": pd.DataFrame({**rows(900), "channel": "chat",
                                  "case_id": pd.Series(rng.integers(0, 400, 900).astype(str)).where(rng.random(900) < .7),
                                  "resolved": pd.array(rng.choice([True, False, None], 900), dtype="boolean"),
                                  "handle_time_seconds": rng.exponential(200, 900)}),
        "events": pd.DataFrame({**rows(2000), "event": "login"}),
    }
    if contractual:
        tables["cancellations"] = pd.DataFrame(rows(customers // 3)).drop_duplicates("customer_id")
    return Dataset(**tables)


@pytest.mark.parametrize("contractual", [True, False])
@pytest.mark.parametrize("by", ["week", "month", "quarter"])
def test_invariants_on_random_data(contractual, by):
    dataset = random_dataset(contractual)
    whole = kpi_table(dataset, by=by, active_days=60)
    rates = whole[whole["kpi"].isin(["churn_rate", "retention_rate"])].pivot(index="period", columns="kpi")
    assert len(rates) > 0 and (rates["n"]["churn_rate"] == rates["n"]["retention_rate"]).all()
    assert np.allclose(rates["value"]["retention_rate"], 1 - rates["value"]["churn_rate"])  # CRR = 1 - churn rate
    outside = (whole["ci_low"] > whole["value"] + 1e-12) | (whole["ci_high"] < whole["value"] - 1e-12)
    assert not outside.any()  # NaN bounds (a mean of one answer) count as not outside
    # Segments split every KPI's sample: their sizes add up to the whole.
    split = kpi_table(dataset, by=by, segment="plan", active_days=60)
    assert split.groupby(["kpi", "period"])["n"].sum().to_dict() == whole.set_index(["kpi", "period"])["n"].to_dict()


# ---- contacts and conversion -----------------------------------------------------------------


def test_first_contact_resolution_with_cases_and_loose_contacts():
    contacts = frame(
        customer_id=["a", "a", "b", "c", "c", "d", "e", "e", "f"],
        timestamp=utc("2024-01-05", "2024-01-03", "2024-01-10", "2024-01-12", "2024-01-20", "2024-01-21",
                      "2024-01-31T23:00", "2024-02-02", "2024-02-10"),
        channel="phone",
        case_id=["k1", "k1", "k2", None, None, "k3", "k4", "k4", "k5"],
        resolved=pd.array([True, False, True, True, False, None, False, True, True], dtype="boolean"),
    )
    table = kpi_table(Dataset(transactions=TX, contacts=contacts))
    # Jan: k1 (2 contacts), k2 (1, resolved), c's two loose contacts (resolved, not), k4 (first contact in Jan);
    # k3's resolution is unknown. Feb: k5.
    jan = only(table, "first_contact_resolution", period="2024-01-01")
    assert (jan["n"], jan["value"]) == (5, pytest.approx(2 / 5))
    assert (jan["ci_low"], jan["ci_high"]) == pytest.approx(wilson(2, 5))
    assert only(table, "first_contact_resolution", period="2024-02-01")[["n", "value"]].tolist() == [1, 1.0]
    without_case_ids = kpi_table(Dataset(transactions=TX, contacts=contacts.drop(columns="case_id")))
    assert only(without_case_ids, "first_contact_resolution", period="2024-01-01")[["n", "value"]].tolist() == [
        6, 0.5]  # seven January contacts, one with unknown resolution


def test_a_case_id_reused_by_another_customer_is_another_case():
    contacts = frame(customer_id=["a", "b"], timestamp=utc("2024-01-05", "2024-01-06"), channel="phone",
                     case_id=["k1", "k1"], resolved=pd.array([True, True], dtype="boolean"))
    fcr = only(kpi_table(Dataset(transactions=TX, contacts=contacts)), "first_contact_resolution",
               period="2024-01-01")
    assert fcr[["n", "value"]].tolist() == [2, 1.0]  # two one-contact cases, both resolved


def test_handling_and_response_times():
    handle, wait = [60.0, 120.0, np.nan, 30.0], [10.0, 20.0, 30.0, 40.0]
    contacts = frame(customer_id="a", timestamp=utc(*["2024-01-03"] * 4), channel="phone",
                     handle_time_seconds=handle, wait_time_seconds=wait)
    table = kpi_table(Dataset(transactions=TX, contacts=contacts))
    for kpi, values in [("avg_handling_time_seconds", [60.0, 120.0, 30.0]), ("avg_response_time_seconds", wait)]:
        row = only(table, kpi)
        assert (row["value"], row["n"]) == (pytest.approx(np.mean(values)), len(values))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(t_interval(values))
    assert "first_contact_resolution" not in set(table["kpi"])  # no `resolved` column


def test_conversion_rate():
    events = frame(customer_id=["a", "b", "c", "c", "c"], timestamp=utc("2024-01-02", "2024-01-03", "2024-01-04",
                   "2024-01-05", "2024-02-01"), event="login")
    transactions = pd.concat(
        [purchases(("a", "2024-01-20"), ("c", "2024-02-03"), ("d", "2024-01-04")),  # d has no digital activity
         purchases(("b", "2024-01-10"), amount=-5.0)],  # b only gets a refund
        ignore_index=True,
    )
    table = kpi_table(Dataset(transactions=transactions, events=events))
    jan = only(table, "conversion_rate", period="2024-01-01")
    assert (jan["n"], jan["value"]) == (3, pytest.approx(1 / 3))
    assert (jan["ci_low"], jan["ci_high"]) == pytest.approx(wilson(1, 3))
    assert only(table, "conversion_rate", period="2024-02-01")[["n", "value"]].tolist() == [1, 1.0]


def test_absent_tables_leave_their_kpis_out():
    long_enough = purchases(("a", "2023-01-01"), ("a", "2023-06-01"), ("b", "2024-03-01"))
    kpis = set(kpi_table(Dataset(transactions=long_enough))["kpi"])
    assert kpis == {"churn_rate", "retention_rate"}
    assert kpi_table(Dataset(transactions=TX)).empty  # one day of purchases: no fully observed period
    assert kpi_table(Dataset(transactions=purchases(("a", "2023-01-01"), ("a", "2024-06-01"), amount=-1.0))).empty
    full = kpi_table(random_dataset(contractual=True), active_days=60)
    assert set(full["kpi"]) == set(KPIS) - {"avg_response_time_seconds"}  # no wait_time_seconds column
    assert list(full.columns) == ["period", "segment", "kpi", "value", "n", "ci_low", "ci_high"]


# ---- command line ----------------------------------------------------------------------------


def test_cli_kpis_writes_csv_and_charts(tmp_path):
    pytest.importorskip("cxmodels.data.load", reason="needs cxmodels.data.load_dataset")
    from cxmodels.cli import app

    data = tmp_path / "data"
    data.mkdir()
    for name, table in random_dataset(contractual=False, customers=60).tables.items():
        table.to_csv(data / f"{name}.csv", index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["kpis", str(data), "--by", "month", "--segment", "plan", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "kpis.csv")
    assert list(table.columns) == ["period", "segment", "kpi", "value", "n", "ci_low", "ci_high"]
    assert set(table["segment"]) <= {"gold", "basic", "unknown"}
    assert sorted(p.name for p in out.glob("*.png")) == sorted(f"kpi_{kpi}.png" for kpi in table["kpi"].unique())
    links = pd.read_csv(out / "churn_by_experience.csv")
    assert list(links.columns) == ["experience", "band", "customers", "churned", "churn_rate", "ci_low", "ci_high"]
    assert "churn_by_experience.csv" in result.output
