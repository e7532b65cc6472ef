"""The hyperparameter grid: every point fitted, the lowest validation log loss kept."""

from dataclasses import replace

import pandas as pd

from cxmodels.simulate import simulate
from cxmodels.data.validate import validate_tables
from cxmodels.features import LABEL_COLUMNS, build_snapshots
from cxmodels.models import AdditiveChurnModel
from training.config import load_config
from training.search import fit_best, small_data


def test_fit_best_fits_every_grid_point_and_keeps_the_lowest_validation_loss():
    world = simulate(1500, seed=5)
    dataset = validate_tables(world.tables).dataset
    snapshots = build_snapshots(dataset, pd.date_range("2024-01-01", periods=3, freq="90D", tz="UTC"), 90)
    X, y = snapshots.drop(columns=list(LABEL_COLUMNS)), snapshots["churned"]
    config = load_config(None, search={"num_leaves": [4, 15]}, churn={"n_estimators": 30, "learning_rate": 0.1})
    best, trials = fit_best(X, y, config)
    assert [t["params"]["churn.num_leaves"] for t in trials] == [4, 15]
    losses = [t["metrics"]["validation_log_loss"] for t in trials]
    assert best.num_leaves == [4, 15][losses.index(min(losses))]
    assert best.booster_.best_score["valid_0"]["binary_logloss"] == min(losses)


def test_without_a_grid_one_fit_and_no_nested_runs():
    world = simulate(800, seed=6)
    dataset = validate_tables(world.tables).dataset
    snapshots = build_snapshots(dataset, pd.date_range("2024-01-01", periods=3, freq="90D", tz="UTC"), 90)
    config = load_config(None, churn={"n_estimators": 10}, safeguards={"min_training_rows": 0, "min_class_rows": 0})
    best, trials = fit_best(snapshots.drop(columns=list(LABEL_COLUMNS)), snapshots["churned"], config)
    assert trials == [] and best.n_estimators == 10


def test_too_few_labels_give_the_small_data_fallback():
    world = simulate(300, seed=6)
    dataset = validate_tables(world.tables).dataset
    snapshots = build_snapshots(dataset, pd.date_range("2024-01-01", periods=3, freq="90D", tz="UTC"), 90)
    X, y = snapshots.drop(columns=list(LABEL_COLUMNS)), snapshots["churned"]
    config = load_config(None, search={"num_leaves": [4, 15]})
    assert "training rows (fewer than 2,000)" in small_data(y, config.safeguards)
    model, trials = fit_best(X, y, config)
    assert isinstance(model, AdditiveChurnModel) and trials == []
    assert model.best_iteration_ > 1 and model.predict_proba(X)[:, 1].std() > 0.01  # not a constant
    assert small_data(y, replace(config.safeguards, min_training_rows=0, min_class_rows=0)) is None
