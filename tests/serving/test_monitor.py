"""`cxmodels monitor` on simulated worlds against the champion trained on the test world (2,000 customers,
seed 1): a fresh sample of the same world is fine, a world with more support cases and fewer logins needs
retraining, data that stopped arriving is a data problem; realised performance of earlier batches."""

import fcntl
import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from cxmodels.simulate import simulate, write_world
from serving.config import MonitorSettings, ServingConfig
from serving.monitor import DATA_PROBLEM, FINE, RETRAIN, run_monitor
from serving.store import ScoreStore
from service_world import BIN, World, start_service

CHANGED = {"contact_factor": 3.0, "engagement_factor": 0.4}  # three times the support cases, 40% of the logins


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    """A fresh sample of the test world (seed 2) and a changed one (seed 3), as dataset folders."""
    folder = tmp_path_factory.mktemp("worlds")
    write_world(simulate(2000, seed=2), folder / "fresh")
    write_world(simulate(2000, seed=3, **CHANGED), folder / "changed")
    return folder


def monitor(world, data_dir, tmp_path, store: str | None = None):
    config = ServingConfig(monitor=MonitorSettings(report_dir=str(tmp_path / "reports")))
    return run_monitor(data_dir, config=config, tracking_uri=world.tracking_uri,
                       store_url=store or f"sqlite:///{tmp_path / 'no-store.db'}")


def test_a_fresh_sample_of_the_same_world_is_fine(world, worlds, tmp_path):
    result = monitor(world, worlds / "fresh", tmp_path)
    assert result.verdict == FINE, result.summary()
    drift = result.report["drift"]
    assert max(d["psi"] for name, d in drift.items() if name not in ("tenure_days", "T")) < 0.25
    assert result.report["arrival"]["problems"] == [] and result.report["new_categories"] == {}
    written = json.loads(result.json_path.read_text())
    assert written["verdict"] == FINE and set(written["drift"]) == set(drift)
    assert "cxmodels monitor as of" in result.html_path.read_text()
    client = MlflowClient(world.tracking_uri, world.tracking_uri)
    version = client.get_model_version("cxmodels-churn", result.report["champions"]["churn_model_version"])
    logged = client.get_logged_model(version.model_id or version.source.removeprefix("models:/"))
    assert {"verdict", "max_feature_psi", "churn_score_psi"} <= {metric.key for metric in logged.metrics}


def test_more_support_cases_and_fewer_logins_recommend_retraining(world, worlds, tmp_path):
    result = monitor(world, worlds / "changed", tmp_path)
    assert result.verdict == RETRAIN, result.summary()
    worst = list(result.report["drift"])[:10]
    assert any("session" in name or "events" in name or "active_days" in name for name in worst)
    assert any("case" in name or "contact" in name for name in result.report["drift"]
               if result.report["drift"][name]["psi"] >= 0.25)


def test_a_table_that_stopped_arriving_is_a_data_problem(world, worlds, tmp_path):
    stopped = tmp_path / "stopped"
    tables = {name: pd.read_parquet(worlds / "fresh" / f"{name}.parquet")
              for name in ("customers", "transactions", "contacts", "surveys", "events")}
    end = tables["transactions"]["timestamp"].max().normalize() + pd.Timedelta(days=1)
    tables["events"] = tables["events"][tables["events"]["timestamp"] < end - pd.Timedelta(days=7)]
    stopped.mkdir()
    for name, frame in tables.items():
        frame.to_parquet(stopped / f"{name}.parquet", index=False)

    result = monitor(world, stopped, tmp_path)
    assert result.verdict == DATA_PROBLEM and "events stopped arriving" in result.summary()


def test_realised_performance_of_a_batch_whose_horizon_has_passed(world, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'scores.db'}"
    present = pd.read_parquet(world.folder / "scores.parquet")["as_of"].iloc[0]
    world.python(f"from serving.batch import run_batch; run_batch('world', {str(tmp_path / 'old.parquet')!r}, "
                 f"as_of={str(present - pd.Timedelta(days=120))!r}, store_url={store_url!r})")
    result = monitor(world, world.folder / "world", tmp_path, store_url)
    (batch,) = result.report["realised"]["batches"]
    assert result.verdict == FINE, result.summary()
    assert batch["roc_auc"] > result.report["realised"]["held_out_roc_auc"] - 0.05 and batch["top_decile_lift"] > 1.5
    assert batch["calibration_error"] < 0.1

    store = ScoreStore(store_url)
    scores = store.scores()
    shuffled = scores.assign(churn_probability=np.random.default_rng(0).permutation(scores["churn_probability"]))
    store.write_batch(shuffled, store.batch().metadata)  # scores that say nothing about who churned
    decayed = monitor(world, world.folder / "world", tmp_path, store_url)
    assert decayed.verdict == RETRAIN and "realised ROC-AUC" in decayed.summary()


def cxmodels(world, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "cxmodels"), *args], cwd=world.folder, env=world.env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
def test_the_commands_exit_with_the_verdict_and_retrain_says_nothing_to_do(world, worlds, tmp_path):
    store = ["--store", f"sqlite:///{tmp_path / 'no-store.db'}"]
    checked = cxmodels(world, "monitor", str(worlds / "fresh"), *store)
    assert checked.returncode == 0 and checked.stdout.startswith("fine: "), checked.stderr
    skipped = cxmodels(world, "retrain", str(worlds / "fresh"), "--if-needed", "--lock", str(tmp_path / "lock"), *store)
    assert skipped.returncode == 3 and "Nothing to do: the champion is fine" in skipped.stdout, skipped.stderr
    with open(tmp_path / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        locked = cxmodels(world, "retrain", str(worlds / "fresh"), "--lock", str(tmp_path / "lock"))
    assert locked.returncode == 4 and "holds the lock" in locked.stderr and "Traceback" not in locked.stderr
    (tmp_path / "broken").mkdir()
    broken = cxmodels(world, "monitor", str(tmp_path / "broken"))
    assert broken.returncode == 2 and "Traceback" not in broken.stderr


@pytest.mark.slow
def test_retrain_trains_promotes_and_reloads_the_running_service(world, worlds, tmp_path):
    folder = tmp_path / "copy"  # a registry of its own: the champions of the shared world stay
    shutil.copytree(world.folder, folder, ignore=shutil.ignore_patterns("service.log", "scores-*"))
    copy = World(folder, folder / "serving.toml", f"sqlite:///{folder / 'scores.db'}", folder / "scores.parquet")
    service = start_service(copy)
    try:
        with service.client() as client:
            before = client.get("/version").json()
        retrained = cxmodels(copy, "retrain", str(worlds / "changed"), "--if-needed", "--service-url", service.url,
                             "--store", f"sqlite:///{tmp_path / 'no-store.db'}", "--lock", str(tmp_path / "lock"))
        assert retrained.returncode == 0, retrained.stdout + retrained.stderr
        assert retrained.stdout.startswith("Monitor: retraining recommended")
        assert "promoted to champion" in retrained.stdout and "Service reloaded" in retrained.stdout
        with service.client() as client:
            after = client.get("/version").json()
        # a challenger is promoted only when it beats its champion: the service serves exactly the promoted ones
        promoted = {name for name in ("churn", "clv") for line in retrained.stdout.splitlines()
                    if line.startswith(f"cxmodels-{name} v") and "promoted to champion" in line}
        assert promoted, retrained.stdout
        for name in ("churn", "clv"):
            key = f"{name}_model_version"
            assert (int(after[key]) > int(before[key])) == (name in promoted), (key, before, after, retrained.stdout)
    finally:
        service.process.terminate()
        service.process.wait(30)
