"""Two training runs on a small simulated world, in a temporary tracking store."""

import json
import os
import subprocess
import sys

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from cxmodels.simulate import simulate, write_world
from training.config import load_config
from training.pipeline import train
from training.registry import CHALLENGER, CHAMPION, CHURN_MODEL, CLV_MODEL

SMALL = {"snapshots": {"count": 3}, "churn": {"n_estimators": 40, "learning_rate": 0.1, "early_stopping_rounds": 10}}
FIGURES = 7


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("training")
    write_world(simulate(2000, seed=3), root / "world")
    uri = f"sqlite:///{root / 'store' / 'mlflow.db'}"
    (root / "store").mkdir()
    config = load_config(None, report_dir=str(root / "reports"), **SMALL)
    first, second = (train(root / "world", config, tracking_uri=uri, progress=False) for _ in range(2))
    return uri, first, second


def test_two_runs_give_two_versions_and_the_rule_sets_the_aliases(runs):
    uri, first, second = runs
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    for name in (CHURN_MODEL, CLV_MODEL):
        assert sorted(int(v.version) for v in client.search_model_versions(f"name='{name}'")) == [1, 2]
        assert client.get_model_version_by_alias(name, CHAMPION).version in ("1", 1)
        assert client.get_model_version_by_alias(name, CHALLENGER).version in ("2", 2)
    assert all(p.promoted and p.champion_version is None for p in first.promotions)
    # same data, config and seed: the same scores, which do not beat the champion
    assert all(not p.promoted and p.champion_version == "1" and p.champion_score == pytest.approx(p.score, abs=1e-12)
               for p in second.promotions)


def test_same_data_config_and_seed_give_the_same_metrics(runs):
    _, first, second = runs
    assert {k: v for k, v in second.metrics.items() if not k.startswith("champion_")} == first.metrics


def test_the_run_logs_parameters_metrics_and_model_metadata(runs):
    uri, first, _ = runs
    run = MlflowClient(tracking_uri=uri).get_run(first.run_id)
    for key in ("data_fingerprint", "cxmodels_version", "git_commit", "features", "snapshots.horizon_days",
                "test_as_of", "train_as_of", "churn.learning_rate", "clv.model_used"):
        assert key in run.data.params
    assert {"churn_roc_auc", "clv_normalized_gini", "clv_purchases_rmse"} <= set(run.data.metrics)
    mlflow.set_tracking_uri(uri)
    info = mlflow.models.get_model_info(f"models:/{CHURN_MODEL}/1")
    assert info.metadata["features"] == run.data.params["features"].split(", ")
    assert info.signature is not None and info.metadata["cxmodels_version"] == run.data.params["cxmodels_version"]


def test_the_champions_load_by_alias_in_a_fresh_process(runs):
    uri = runs[0]
    script = (
        "import json, mlflow\n"
        "out = {}\n"
        "for name in ('cxmodels-churn', 'cxmodels-clv'):\n"
        "    model = mlflow.pyfunc.load_model(f'models:/{name}@champion')\n"
        "    out[name] = list(model.predict(model.input_example).columns)\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=os.environ | {"MLFLOW_TRACKING_URI": uri},
                          capture_output=True, text=True, timeout=120, check=True)
    columns = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"churn_probability", "reason_1"} <= set(columns[CHURN_MODEL])
    assert columns[CLV_MODEL] == ["customer_id", "p_alive", "expected_purchases", "expected_purchases_low",
                                  "expected_purchases_high", "expected_order_value", "clv", "clv_low", "clv_high"]


def test_the_report_is_self_contained_and_holds_the_figures(runs):
    uri, first, _ = runs
    text = first.report_path.read_text()
    assert text.count("data:image/png;base64,") == FIGURES
    assert "cxmodels-churn" in text and "churn_roc_auc" in text
    logged = MlflowClient(tracking_uri=uri).list_artifacts(first.run_id, "figures")
    assert len(logged) == FIGURES


def test_the_report_holds_the_holdout_table_by_calibration_frequency(runs):
    uri, first, _ = runs
    text = first.report_path.read_text()
    assert "CLV holdout purchases by calibration frequency" in text and "predicted_total" in text
    assert "Churn by experience on the held-out snapshot" in text and "first_contact_resolution" in text
    client = MlflowClient(tracking_uri=uri)
    path = client.download_artifacts(first.run_id, "tables/CLV_holdout_purchases_by_calibration_frequency.csv")
    import pandas as pd

    table = pd.read_csv(path, index_col=0)
    assert list(table.index[:2]) == ["0", "1"] and table.index[-1] == "all"
    buckets = table.drop(index="all")
    assert table.loc["all", "customers"] == buckets["customers"].sum()
    assert table.loc["all", "actual_total"] == pytest.approx(buckets["actual_total"].sum())
    assert 0.5 < table.loc["all", "ratio"] < 2  # a sane fit on the simulated world
    assert "CLV without and with the customers covariates on the held-out period" in text
    path = client.download_artifacts(first.run_id,
                                     "tables/CLV_without_and_with_the_customers_covariates_on_the_held-out_period.csv")
    covariates = pd.read_csv(path, index_col=0)
    assert list(covariates.index) == [f"{model} {variant}" for model in ("BG/NBD", "Pareto/NBD")
                                      for variant in ("without covariates", "with plan, region")]
    log_likelihood = covariates["log_likelihood"].to_numpy()
    assert log_likelihood[1] >= log_likelihood[0] and log_likelihood[3] >= log_likelihood[2]  # nested models
    assert (covariates["holdout_mae"] > 0).all()
