"""`train` on a cluster: up to cluster.gather_rows training rows the run of one process (params, metrics,
predictions); above, lightgbm.dask, whose model is registered and scores close to the client's; the CLI flag."""

from dataclasses import replace

import lightgbm as lgb
import mlflow
import numpy as np
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.cluster.churn import _early_stopped, _losses
from cxmodels.features import LABEL_COLUMNS, build_snapshots
from training.config import TrainingConfig
from training.pipeline import model_input, train

AUC_GAP = 0.02  # a sane bound on |ROC-AUC(lightgbm.dask) - ROC-AUC(client)|; measured 0.0001 on this world


@pytest.fixture(scope="module")
def runs(client, world_dirs, tmp_path_factory):
    """(single-process result, cluster result with the default gather_rows), each with its store."""
    folder = tmp_path_factory.mktemp("train")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        alone = train(world_dirs[0], TrainingConfig(), tracking_uri=f"sqlite:///{folder}/alone.db", progress=False)
        clustered = train(world_dirs[1], TrainingConfig(), tracking_uri=f"sqlite:///{folder}/cluster.db",
                          progress=False, client=client)
    return alone, clustered


def _params(result) -> dict:
    params = mlflow.MlflowClient(result.tracking_uri).get_run(result.run_id).data.params
    return {name: value for name, value in params.items() if name != "data_dir"}


def _held_out_input(single, result):
    """The held-out snapshot of `result`'s run as a served model takes it, built in one process."""
    as_of = mlflow.MlflowClient(result.tracking_uri).get_run(result.run_id).data.params["test_as_of"]
    return model_input(build_snapshots(single[0], [as_of], 90).drop(columns=list(LABEL_COLUMNS)))


def _churn_predictions(uri: str, frame):
    """The predictions (probability and reasons) of version 1 of the churn model registered in the store `uri`."""
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return mlflow.pyfunc.load_model("models:/cxmodels-churn/1").predict(frame)


def test_up_to_gather_rows_the_cluster_run_is_the_single_process_run(runs, single):
    alone, clustered = runs
    assert _params(clustered) == _params(alone)
    assert _params(clustered)["churn.training"] == "client"
    metrics = lambda result: {k: v for k, v in result.metrics.items() if not k.startswith("seconds_")}  # noqa: E731
    assert metrics(clustered) == metrics(alone)
    frame = _held_out_input(single, alone)
    assert _churn_predictions(clustered.tracking_uri, frame).equals(_churn_predictions(alone.tracking_uri, frame))
    assert "fitted on the client" in clustered.notes[0]


def test_above_gather_rows_the_cli_trains_with_lightgbm_dask(runs, client, world_dirs, single, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/dask.db")
    (tmp_path / "train.toml").write_text("[cluster]\ngather_rows = 10\n")
    result = CliRunner().invoke(app, ["train", str(world_dirs[1]), "--config", str(tmp_path / "train.toml"),
                                      "--scheduler", client.scheduler.address])
    assert result.exit_code == 0, result.output
    assert "trained on the cluster with lightgbm.dask" in result.output
    store = mlflow.MlflowClient(f"sqlite:///{tmp_path}/dask.db")
    run = store.search_runs([store.get_experiment_by_name("cxmodels").experiment_id])[0]
    assert run.data.params["churn.training"] == "lightgbm.dask"
    assert run.data.params["train_rows"] == _params(runs[0])["train_rows"]
    gap = run.data.metrics["churn_roc_auc"] - runs[0].metrics["churn_roc_auc"]
    assert abs(gap) < AUC_GAP, gap
    assert 1 <= run.data.metrics["churn_trees"] < 300  # early-stopped on the client
    scored = _churn_predictions(f"sqlite:///{tmp_path}/dask.db", _held_out_input(single, runs[0]))  # as any other
    assert scored["churn_probability"].between(0, 1).all() and "reason_1" in scored.columns


def test_the_client_picks_the_iteration_lightgbm_early_stopping_keeps():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 5))
    y = (X[:, 0] + rng.normal(scale=2, size=3000) > 0).astype(int)
    params = {"objective": "binary", "learning_rate": 0.3, "num_leaves": 15, "verbosity": -1, "seed": 0,
              "deterministic": True}
    learn = lgb.Dataset(X[:2000], y[:2000])
    stopped = lgb.train(params, learn, 200, valid_sets=[lgb.Dataset(X[2000:], y[2000:], reference=learn)],
                        callbacks=[lgb.early_stopping(10, verbose=False)])
    full = lgb.train(params, lgb.Dataset(X[:2000], y[:2000]), 200)
    losses = _losses(full, X[2000:], y[2000:])
    assert np.isclose(losses[-1], np.mean(np.logaddexp(0, np.where(y[2000:] == 1, -1, 1)
                                                       * full.predict(X[2000:], raw_score=True))))
    assert _early_stopped(losses, 10) == stopped.best_iteration < 200
