"""Batch scoring: the score file and store from the champions, the CLI around them, and the pieces they use."""

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from serving.config import RiskSettings, ServingConfig, ValueSettings, load_serving_config
from serving.files import escape_formulas, write_atomically
from serving.scoring import SCORE_COLUMNS, reference_from, rfm_score, risk_bands, value_tiers
from serving.store import ScoreStore

CXMODELS = [str(Path(sys.executable).parent / "cxmodels")]


def test_risk_bands_follow_the_thresholds():
    bands = risk_bands(np.array([0.0, 0.29, 0.3, 0.59, 0.6, 1.0]), RiskSettings(medium=0.3, high=0.6))
    assert bands.tolist() == ["low", "low", "medium", "medium", "high", "high"]


def test_value_tiers_split_at_the_clv_quantiles_and_leave_no_clv_missing():
    clv = np.array([*range(1, 11), np.nan], dtype=float)
    reference = reference_from(pd.DataFrame({"clv": clv, **{c: clv for c in ("days_since_last_purchase",
                                             "purchases_total", "spend_total")}}), ValueSettings(0.5, 0.8))
    assert reference["clv"] == pytest.approx([5.5, 8.2])
    tiers = value_tiers(clv, reference["clv"])
    assert tiers.tolist() == ["low"] * 5 + ["medium"] * 3 + ["high"] * 2 + [None]


def test_rfm_scores_run_from_1_to_5_with_5_the_best():
    edges = [10.0, 20.0, 30.0, 40.0]
    values = np.array([5, 10, 15, 35, 50, np.nan])
    assert rfm_score(values, edges).tolist()[:5] == [1, 1, 2, 4, 5]
    assert rfm_score(values, edges, lower_is_better=True).tolist()[:5] == [5, 5, 4, 2, 1]
    assert np.isnan(rfm_score(values, edges)[-1]) and np.isnan(rfm_score(values, [])).all()


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "scores.csv"
    write_atomically(pd.DataFrame({"a": [1]}), path)

    def broken(self, target, **kwargs):
        open(target, "w").write("half")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(pd.DataFrame({"a": [2]}), path)
    monkeypatch.undo()
    assert pd.read_csv(path)["a"].tolist() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]
    with pytest.raises(ValueError, match=r"must end in \.parquet or \.csv"):
        write_atomically(pd.DataFrame({"a": [1]}), tmp_path / "scores.xlsx")


def test_a_csv_for_spreadsheets_escapes_text_that_would_run_as_a_formula(tmp_path):
    cells = ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "plain", "a=b", None]
    frame = pd.DataFrame({"text": pd.Series(cells, dtype="str"), "number": -1.5})
    assert escape_formulas(pd.DataFrame({"text": ["\rcmd"]}))["text"].tolist() == ["'\rcmd"]
    write_atomically(frame, tmp_path / "safe.csv", for_spreadsheets=True)
    write_atomically(frame, tmp_path / "raw.csv")

    with open(tmp_path / "safe.csv", newline="") as file:
        safe = list(csv.DictReader(file))
    assert [row["text"] for row in safe] == [f"'{cell}" for cell in cells[:5]] + ["plain", "a=b", ""]
    assert {row["number"] for row in safe} == {"-1.5"}  # numbers are not text: written as they are
    with open(tmp_path / "raw.csv", newline="") as file:
        assert [row["text"] for row in csv.DictReader(file)][:2] == cells[:2]


def test_the_serving_config_refuses_unknown_keys_bad_thresholds_and_bad_segments(tmp_path):
    path = tmp_path / "serving.toml"
    for text, message in [("[risk]\nmediun = 0.2", "unknown configuration key 'risk.mediun'"),
                          ("[risk]\nmedium = 0.7\nhigh = 0.6", "0 < medium < high < 1"),
                          ('[segments]\nbig = "clvv > 5"', "clvv"),
                          ('[segments]\nsave_now = "clv > 5"', "save_now")]:
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            load_serving_config(path)
    path.write_text('[segments]\nbig_spenders = "clv > 100 and churn_model_version == \'1\'"')
    assert "big_spenders" in load_serving_config(path).catalog()


def test_the_batch_scores_every_customer_of_the_snapshot_population(world):
    from cxmodels.data import load_dataset
    from cxmodels.features import data_as_of, snapshot_population

    scores = pd.read_parquet(world.folder / "scores.parquet")
    dataset, present = data_as_of(load_dataset(world.folder / "world"))
    assert list(scores.columns) == list(SCORE_COLUMNS)
    assert scores["customer_id"].tolist() == snapshot_population(dataset, present, lapsed=True).tolist()
    active = scores["status"] == "active"
    assert active.tolist() == scores["customer_id"].isin(snapshot_population(dataset, present)).tolist()
    assert 0.05 < (~active).mean() < 0.6  # lapsed: no purchase in the last 365 days
    assert (scores.loc[active, "days_since_last_purchase"] <= 365).all()
    # days_since_last_purchase counts orders a refund cancelled too; the lapsed rule does not
    assert (scores.loc[~active, "days_since_last_purchase"] > 365).mean() > 0.95
    assert (scores["as_of"] == present).all()
    assert scores.loc[active, "churn_probability"].between(0, 1).all()
    assert scores.loc[~active, ["churn_probability", "churn_risk", "reason_1"]].isna().all().all()
    assert (risk_bands(scores.loc[active, "churn_probability"].to_numpy(), ServingConfig().risk)
            == scores.loc[active, "churn_risk"]).all()
    assert scores.loc[active, "reason_1"].notna().mean() > 0.99
    assert scores["clv"].notna().all() and (scores["clv"] >= 0).all()  # every non-contractual customer bought
    assert scores["value_tier"].value_counts(normalize=True)["high"] == pytest.approx(0.2, abs=0.02)
    assert set(scores[["churn_model_version", "clv_model_version"]].drop_duplicates().itertuples(index=False)) \
        == {("1", "1")}


def test_the_batch_is_in_the_store_with_its_segments(world):
    store = ScoreStore(f"sqlite:///{world.folder / 'scores.db'}")
    batch = store.latest_batch()
    stored = store.scores(batch.batch_id)
    written = pd.read_parquet(world.folder / "scores.parquet")
    assert batch.rows == len(written) and stored["customer_id"].tolist() == written["customer_id"].tolist()
    np.testing.assert_allclose(stored["clv"], written["clv"])
    save_now = written["segments"].str.split(";").apply(lambda names: "save_now" in names)
    assert store.segment_counts(batch.batch_id)["save_now"] == save_now.sum()
    assert batch.metadata["reference"]["clv"] and "save_now" in batch.metadata["segments"]


def test_the_command_line_scores_lists_and_exports_a_segment(world, tmp_path):
    out, export = tmp_path / "scores.csv", tmp_path / "at_risk.csv"
    scored = world.run(*CXMODELS, "score", "world", "--out", str(out), "--as-of", "2025-06-01",
                       "--store", f"sqlite:///{tmp_path / 'other.db'}")
    assert "Scored" in scored.stdout and out.exists()
    assert (pd.read_csv(out)["as_of"] == "2025-06-01 00:00:00+00:00").all()
    listed = world.run(*CXMODELS, "segments", "list", "--store", f"sqlite:///{tmp_path / 'other.db'}")
    count = int(next(line.split()[1] for line in listed.stdout.splitlines() if line.startswith("at_risk "))
                .replace(",", ""))
    world.run(*CXMODELS, "segments", "export", "at_risk", "--out", str(export),
              "--store", f"sqlite:///{tmp_path / 'other.db'}")
    members = pd.read_csv(export)
    assert len(members) == count and members["segments"].str.contains("at_risk").all()
    active = members["status"] == "active"
    assert active.any() and members.loc[active, "reason_1"].notna().all()
    assert members.loc[~active, "reason_1"].isna().all()  # lapsed customers get no churn reasons


def test_the_command_line_names_what_is_wrong(world, tmp_path):
    def failing(*args, env=None):
        result = subprocess.run([*CXMODELS, *args], cwd=world.folder, env=env or world.env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 1, result.stderr
        return result.stderr

    store = f"sqlite:///{tmp_path / 'empty.db'}"
    assert "no complete batch" in failing("segments", "list", "--store", store)
    assert "no segment 'nope'" in failing("segments", "export", "nope", "--out", str(tmp_path / "x.csv"))
    assert ".parquet or .csv" in failing("score", "world", "--out", str(tmp_path / "x.json"))
    no_models = {**world.env, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'none.db'}"}
    assert "no champion of 'cxmodels-churn'" in failing("score", "world", "--out", str(tmp_path / "x.csv"),
                                                        "--store", store, env=no_models)
    assert not (tmp_path / "x.csv").exists()


def test_reasons_only_from_the_configured_risk_band_and_probabilities_match_the_explanation(world):
    from cxmodels.data import load_dataset
    from cxmodels.features import build_features, data_as_of, snapshot_population
    from serving.champions import load_champions
    from serving.scoring import score

    champions = load_champions(world.tracking_uri)
    dataset, present = data_as_of(load_dataset(world.folder / "world"))
    everyone = pd.read_parquet(world.folder / "scores.parquet")
    high_only, _ = score(dataset, champions, present, ServingConfig(reasons="high"))
    high = high_only["churn_risk"] == "high"
    assert high.any() and (~high).any()
    assert high_only.loc[high, "reason_1"].notna().all() and high_only.loc[~high, "reason_1"].isna().all()
    pd.testing.assert_series_equal(high_only.loc[high, "reason_1"], everyone.loc[high, "reason_1"])
    features = build_features(dataset, present, champions.feature_config, snapshot_population(dataset, present))
    explained = champions.churn.explain(features[list(champions.churn.feature_names_in_)].head(50))
    active = everyone.set_index("customer_id").loc[features.index[:50], "churn_probability"]
    np.testing.assert_allclose(explained["churn_probability"], active, rtol=1e-9)
    none, _ = score(dataset, champions, present, ServingConfig(reasons="none"))
    assert none["reason_1"].isna().all()
    np.testing.assert_allclose(none["churn_probability"], everyone["churn_probability"], rtol=1e-12)


def test_data_without_a_table_the_model_was_trained_with_is_refused_naming_it(world):
    from dataclasses import replace

    from cxmodels.data import load_dataset
    from cxmodels.features import data_as_of
    from serving.champions import load_champions
    from serving.scoring import score

    champions = load_champions(world.tracking_uri)
    dataset, present = data_as_of(load_dataset(world.folder / "world"))
    with pytest.raises(ValueError, match=r"feature\(s\) this data cannot give: .*table\(s\) \['contacts'\]"):
        score(replace(dataset, contacts=None), champions, present, ServingConfig())
