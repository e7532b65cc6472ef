"""The hyperparameter grid: every point fitted, the lowest validation log loss kept."""

import pandas as pd

from cxmodels.simulate import simulate
from cxmodels.data.validate import validate_tables
from cxmodels.features import LABEL_COLUMNS, build_snapshots
from training.config import load_config
from training.search import fit_best


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
    config = load_config(None, churn={"n_estimators": 10})
    best, trials = fit_best(snapshots.drop(columns=list(LABEL_COLUMNS)), snapshots["churned"], config)
    assert trials == [] and best.n_estimators == 10
