import hashlib

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm
from sklearn.metrics import roc_auc_score

from cxmodels.data.contract import DTYPES, COLUMN_KINDS, SURVEY_SCALES, TABLES
from cxmodels.simulate import read_truth, simulate, true_churn_probability, write_world
from cxmodels.simulate.dirty import KINDS
from cxmodels.simulate.truth import evolve

DIRTY_FRACTION = 0.05


@pytest.fixture(scope="module")
def world():
    return simulate(3_000, seed=3, contractual=True)


@pytest.fixture(scope="module")
def large_world():
    return simulate(30_000, seed=5)


@pytest.fixture(scope="module")
def dirty_world():
    return simulate(3_000, seed=3, contractual=True, dirty_fraction=DIRTY_FRACTION)


def _file_hashes(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_same_seed_gives_identical_files(tmp_path, file_format):
    for name in ("a", "b"):
        world = simulate(500, seed=7, contractual=True, dirty_fraction=0.02)
        write_world(world, tmp_path / name, file_format=file_format)
    first = _file_hashes(tmp_path / "a")
    assert first == _file_hashes(tmp_path / "b")
    truth = {f"truth/{kind}_truth.parquet" for kind in ("customer", "case", "survey")} | {"truth/dirty_rows.parquet"}
    assert {f"{name}.{file_format}" for name in TABLES} | truth == set(first)


def test_another_seed_gives_another_world(tmp_path):
    write_world(simulate(500, seed=7), tmp_path / "a")
    write_world(simulate(500, seed=8), tmp_path / "b")
    first, second = _file_hashes(tmp_path / "a"), _file_hashes(tmp_path / "b")
    assert all(first[name] != second[name] for name in first if name != "truth/dirty_rows.parquet")


def test_tables_have_contract_columns_and_dtypes(world):
    assert list(world.tables) == list(TABLES)
    for name, table in world.tables.items():
        spec = TABLES[name]
        assert set(spec.columns) <= set(table.columns), name
        assert len(table) > 0, name
        for column in spec.columns:
            assert table[column].dtype == DTYPES[COLUMN_KINDS[column]], (name, column)
    customers = world.tables["customers"]
    assert customers["customer_id"].is_unique
    assert customers["customer_id"].str.fullmatch(r"C\d{7}").all()
    assert {"plan", "region"} <= set(customers.columns)
    for name, table in world.tables.items():
        assert table["customer_id"].isin(customers["customer_id"]).all(), name
        assert not table.duplicated().any(), name


def test_values_follow_the_contract(world):
    surveys = world.tables["surveys"]
    assert set(surveys["survey"]) == set(SURVEY_SCALES)
    for survey, (low, high) in SURVEY_SCALES.items():
        scores = surveys.loc[surveys["survey"] == survey, "score"]
        assert scores.between(low, high).all() and (scores == scores.round()).all()
    contacts = world.tables["contacts"]
    assert (contacts[["handle_time_seconds", "wait_time_seconds"]] >= 0).all().all()
    amount = world.tables["transactions"]["amount"]
    assert np.isfinite(amount).all() and (amount < 0).any() and (amount > 0).mean() > 0.9
    assert surveys["comment"].notna().mean() == pytest.approx(0.2, abs=0.05)


def test_contractual_flag_adds_cancellations():
    assert "cancellations" not in simulate(300, seed=1).tables
    assert "cancellations" in simulate(300, seed=1, contractual=True).tables


def test_rows_fall_inside_each_customers_life(world):
    life = world.truth.set_index("customer_id")[["signup_date", "churn_time"]]
    for name in ("transactions", "contacts", "surveys", "events"):
        rows = world.tables[name].join(life, on="customer_id")
        assert (rows["timestamp"] >= rows["signup_date"]).all(), name
        assert (rows["churn_time"].isna() | (rows["timestamp"] < rows["churn_time"])).all(), name
        assert (rows["timestamp"] < world.end).all(), name


def test_cancellations_are_the_churns(world):
    truth = world.truth
    churned = truth.loc[truth["churn_time"].notna(), ["customer_id", "churn_time"]]
    cancellations = world.tables["cancellations"]
    assert cancellations["customer_id"].is_unique
    merged = churned.merge(cancellations, on="customer_id", how="outer", validate="1:1")
    assert (merged["timestamp"] == merged["churn_time"]).all()
    assert cancellations["reason"].notna().all()


def test_state_times_are_ordered(world):
    truth = world.truth
    both = truth["at_risk_time"].notna() & truth["churn_time"].notna()
    assert (truth.loc[both, "at_risk_time"] <= truth.loc[both, "churn_time"]).all()
    seen = truth["at_risk_time"].notna()
    assert (truth.loc[seen, "signup_date"] <= truth.loc[seen, "at_risk_time"]).all()
    assert (truth["at_risk_time"].notna() == truth["at_risk_cause"].notna()).all()
    assert set(truth["at_risk_cause"].dropna()) == {"drift", "support_case"}


def test_the_triggering_case_is_in_the_contacts_log(world):
    truth = world.truth
    triggered = truth[truth["at_risk_cause"] == "support_case"]
    assert len(triggered) > 0 and triggered["trigger_case_id"].notna().all()
    assert truth.loc[truth["at_risk_cause"] != "support_case", "trigger_case_id"].isna().all()
    first = world.tables["contacts"].groupby("case_id").agg(customer_id=("customer_id", "first"),
                                                            timestamp=("timestamp", "min"))
    found = first.loc[triggered["trigger_case_id"]]
    assert (found["customer_id"].to_numpy() == triggered["customer_id"].to_numpy()).all()
    assert (found["timestamp"].to_numpy() == triggered["at_risk_time"].to_numpy()).all()


def test_friction_shows_in_the_contacts(large_world):
    contacts = large_world.tables["contacts"]
    friction = large_world.truth.set_index("customer_id")["friction"]
    cases = contacts.groupby("case_id").agg(customer_id=("customer_id", "first"), contacts=("channel", "size"),
                                            channels=("channel", "nunique"), resolved=("resolved", "any"))
    high = cases["customer_id"].map(friction) > friction.median()
    assert cases.loc[high, "contacts"].mean() > 1.2 * cases.loc[~high, "contacts"].mean()
    assert cases.loc[high, "channels"].mean() > cases.loc[~high, "channels"].mean()
    assert cases.loc[high, "resolved"].mean() < cases.loc[~high, "resolved"].mean()


def _in_at_risk(world, rows):
    """Whether each row of a table came while its customer was At-risk; (that, Engaged days, At-risk days)."""
    truth = world.truth
    stop = truth["churn_time"].fillna(world.end)
    at_risk = truth["at_risk_time"].fillna(stop)
    days_e = (at_risk - truth["signup_date"]).dt.total_seconds().sum() / 86_400
    days_d = (stop - at_risk).dt.total_seconds().sum() / 86_400
    customer = pd.Index(truth["customer_id"]).get_indexer(rows["customer_id"])
    return rows["timestamp"].to_numpy() >= at_risk.to_numpy()[customer], days_e, days_d


def test_at_risk_customers_buy_and_click_less_and_call_more(world):
    """Per customer-day At-risk: fewer purchases and events, more contacts, more trouble pages, lower scores."""
    transactions = world.tables["transactions"]
    for name, rows, low, high in (("transactions", transactions[transactions["amount"] > 0], 0.3, 0.5),
                                  ("events", world.tables["events"], 0.3, 0.7),
                                  ("contacts", world.tables["contacts"], 2.0, np.inf)):
        in_d, days_e, days_d = _in_at_risk(world, rows)
        assert low < (in_d.sum() / days_d) / ((~in_d).sum() / days_e) < high, name
    events = world.tables["events"]
    in_d = _in_at_risk(world, events)[0]
    trouble = events["event"].isin(["help_center", "billing_page", "cancel_page"]).to_numpy()
    assert trouble[in_d].mean() > 3 * trouble[~in_d].mean()
    surveys = world.tables["surveys"]
    in_d = _in_at_risk(world, surveys)[0]
    for survey in ("nps", "csat"):
        kind = (surveys["survey"] == survey).to_numpy()
        assert surveys["score"][kind & in_d].mean() < surveys["score"][kind & ~in_d].mean() - 0.5, survey


def test_most_at_risk_onsets_follow_a_bad_support_case(large_world):
    truth, contacts = large_world.truth, large_world.tables["contacts"]
    assert (truth["at_risk_cause"].dropna() == "support_case").mean() > 0.65
    cases = contacts.groupby("case_id").agg(contacts=("channel", "size"), resolved=("resolved", "any"))
    triggering = cases.index.isin(truth["trigger_case_id"].dropna())
    assert cases.loc[triggering, "contacts"].mean() > 1.5 * cases.loc[~triggering, "contacts"].mean()
    assert cases.loc[triggering, "resolved"].mean() < 0.5 < cases.loc[~triggering, "resolved"].mean()


def test_write_and_read_truth(tmp_path, dirty_world):
    write_world(dirty_world, tmp_path)
    pd.testing.assert_frame_equal(read_truth(tmp_path), dirty_world.truth)
    pd.testing.assert_frame_equal(read_truth(tmp_path, "case"), dirty_world.case_truth)
    pd.testing.assert_frame_equal(read_truth(tmp_path, "survey"), dirty_world.survey_truth)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "truth" / "dirty_rows.parquet"), dirty_world.dirty)


def test_writing_a_world_removes_a_stale_cancellations_file(tmp_path):
    write_world(simulate(300, seed=1, contractual=True), tmp_path)
    write_world(simulate(300, seed=1), tmp_path)
    assert not (tmp_path / "cancellations.parquet").exists()


@pytest.mark.parametrize(("onset", "direct", "at_risk_churn", "kill_e", "kill_d", "h"), [
    (0.01, 0.001, 0.02, 0.0, 0.0, 90.0),
    (0.01, 0.001, 0.02, 0.05, 0.025, 90.0),
    (0.019, 0.001, 0.02, 0.0, 0.0, 30.0),           # E and D exits equal
    (0.019, 0.001, 0.02 + 1e-9, 0.0, 0.0, 30.0),    # nearly equal
    (0.002, 0.0001, 0.2, 0.8, 0.4, 365.0),          # fast D, heavy killing
    (0.002, 0.0001, 0.01, 0.0, 0.0, 1e-6),          # tiny step
])
def test_evolve_matches_the_matrix_exponential(onset, direct, at_risk_churn, kill_e, kill_d, h):
    generator = np.array([[-(onset + direct + kill_e), onset, direct, kill_e],
                          [0, -(at_risk_churn + kill_d), at_risk_churn, kill_d],
                          [0, 0, 0, 0], [0, 0, 0, 0]])
    for start in ([1.0, 0, 0, 0], [0, 1.0, 0, 0], [0.3, 0.5, 0.2, 0]):
        expected = np.array(start) @ expm(generator * h)
        args = [np.array([v]) for v in (onset, direct, at_risk_churn, kill_e, kill_d)]
        got = evolve(*(np.array([v]) for v in start[:3]), np.array([h]), *args)
        np.testing.assert_allclose(np.concatenate(got), expected[:3], rtol=1e-7, atol=1e-12)


def test_true_churn_probability_covers_the_right_customers(world):
    truth, as_of = world.truth, pd.Timestamp("2024-06-01", tz="UTC")
    contractual = true_churn_probability(truth, as_of, 90)
    no_purchase = true_churn_probability(truth, "2024-06-01", 90, definition="no_purchase")
    signed = truth["signup_date"] < as_of
    alive = signed & ~(truth["churn_time"] < as_of)
    assert list(contractual.index) == list(truth.loc[alive, "customer_id"])
    assert list(no_purchase.index) == list(truth.loc[signed, "customer_id"])
    dead = truth.loc[signed & ~alive, "customer_id"]
    assert (no_purchase[dead] == 1).all()
    for probability in (contractual, no_purchase):
        assert probability.between(0, 1).all()
    longer = true_churn_probability(truth, as_of, 180)
    assert (longer >= contractual - 1e-12).all()
    with pytest.raises(ValueError, match="definition"):
        true_churn_probability(truth, as_of, 90, definition="silence")


def _realized(world, as_of, horizon, definition):
    truth, window_end = world.truth, as_of + pd.Timedelta(days=horizon)
    if definition == "contractual":
        churn = truth.set_index("customer_id")["churn_time"]
        return (churn >= as_of) & (churn < window_end)
    tx = world.tables["transactions"]
    bought = tx.loc[(tx["timestamp"] >= as_of) & (tx["timestamp"] < window_end) & (tx["amount"] > 0), "customer_id"]
    return ~truth.set_index("customer_id").index.to_series().isin(bought)


@pytest.mark.parametrize("definition", ["contractual", "no_purchase"])
@pytest.mark.parametrize("as_of", ["2023-06-01", "2024-03-15", "2025-09-01"])
def test_the_oracle_is_calibrated_and_discriminates(large_world, definition, as_of):
    as_of = pd.Timestamp(as_of, tz="UTC")
    probability = true_churn_probability(large_world.truth, as_of, 90, definition=definition)
    outcome = _realized(large_world, as_of, 90, definition)[probability.index]
    standard_error = np.sqrt((probability * (1 - probability)).sum()) / len(probability)
    assert abs(outcome.mean() - probability.mean()) < 4 * standard_error
    assert roc_auc_score(outcome, probability) > 0.65


def test_churn_rate_is_realistic(large_world):
    truth = large_world.truth
    for as_of in pd.to_datetime(["2023-09-01", "2024-06-01", "2025-06-01"], utc=True):
        alive = (truth["signup_date"] < as_of) & ~(truth["churn_time"] < as_of)
        churned = alive & (truth["churn_time"] < as_of + pd.Timedelta(days=90))
        assert 0.05 <= churned.sum() / alive.sum() <= 0.15


def test_dirty_rows_cover_every_kind(dirty_world):
    dirty = dirty_world.dirty
    assert list(dirty.columns) == ["table", "row", "kind"]
    for name, table in dirty_world.tables.items():
        listed = dirty[dirty["table"] == name]
        assert set(listed["kind"]) == set(KINDS[name]), name
        assert listed["row"].is_unique and listed["row"].between(0, len(table) - 1).all()
        if len(table) > 10_000:
            assert len(listed) / len(table) == pytest.approx(DIRTY_FRACTION, rel=0.1), name


def test_dirty_rows_break_the_rule_they_name(dirty_world):
    customers = set(dirty_world.tables["customers"]["customer_id"])
    for (name, kind), group in dirty_world.dirty.groupby(["table", "kind"]):
        table = dirty_world.tables[name]
        rows = table.iloc[group["row"]]
        time_column = "signup_date" if name == "customers" else "timestamp"
        if kind == "empty_customer_id":
            assert (rows["customer_id"] == "").all()
        elif kind == "unknown_customer_id":
            assert not rows["customer_id"].isin(customers).any()
        elif kind == "unparseable_timestamp":
            assert pd.to_datetime(rows[time_column], errors="coerce", format="ISO8601").isna().all()
        elif kind == "non_finite_amount":
            assert not np.isfinite(pd.to_numeric(rows["amount"], errors="coerce")).any()
        elif kind in ("negative_handle_time", "negative_wait_time"):
            column = kind.removeprefix("negative_") + "_seconds"
            assert (rows[column] < 0).all()
        elif kind == "unreadable_boolean":
            assert ((rows["transferred"] == "maybe") | (rows["resolved"] == "maybe")).all()
        elif kind == "score_out_of_range":
            low = rows["survey"].map(lambda s: SURVEY_SCALES[s][0])
            high = rows["survey"].map(lambda s: SURVEY_SCALES[s][1])
            assert ((rows["score"] < low) | (rows["score"] > high)).all()
        elif kind == "non_integer_nps":
            assert (rows["survey"] == "nps").all() and (rows["score"] % 1 == 0.5).all()
        elif kind == "unknown_survey_type":
            assert not rows["survey"].isin(list(SURVEY_SCALES)).any()
        elif kind == "duplicate_row":
            assert table.duplicated().iloc[group["row"]].all()


def test_dirty_world_keeps_the_clean_rows(world, dirty_world):
    for name, clean in world.tables.items():
        rows = dirty_world.dirty.loc[dirty_world.dirty["table"] == name, "row"]
        kept = dirty_world.tables[name].drop(index=rows).reset_index(drop=True)
        assert len(kept) == len(clean)
        for column in clean.columns:
            values = kept[column]
            if COLUMN_KINDS.get(column) == "datetime":
                values = pd.to_datetime(values, utc=True, format="ISO8601").astype(clean[column].dtype)
            elif column == "amount":
                values = values.astype(float)
            elif column in ("transferred", "resolved"):
                values = values.map({"true": True, "false": False}).astype("boolean")
            pd.testing.assert_series_equal(values, clean[column], check_names=False)


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_simulated_worlds_pass_validation(tmp_path, file_format):
    validate = pytest.importorskip("cxmodels.data.validate")
    clean = simulate(800, seed=4, contractual=True)
    write_world(clean, tmp_path / "clean", file_format=file_format)
    assert validate.validate_dataset(tmp_path / "clean").report.exit_code == 0

    dirty = simulate(800, seed=4, contractual=True, dirty_fraction=DIRTY_FRACTION)
    write_world(dirty, tmp_path / "dirty", file_format=file_format)
    assert validate.validate_dataset(tmp_path / "dirty").report.exit_code == 1
    result = validate.validate_dataset(tmp_path / "dirty", quarantine_dir=tmp_path / "quarantine")
    assert result.report.exit_code == 0
    quarantined = {name: count.quarantined for name, count in result.report.tables.items()}
    assert quarantined == dirty.dirty["table"].value_counts().to_dict()
    assert sum(quarantined.values()) == len(dirty.dirty)
