"""Out-of-time evaluation of churn models on snapshots: train on earlier cut-offs, score a later one."""

import numpy as np
import pandas as pd
from sklearn.base import clone

from cxmodels.errors import DataError
from cxmodels.features import LABEL_COLUMNS
from cxmodels.metrics.classification import compare_churn_models


def features_and_churn(snapshots: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """A snapshot frame as (X: as_of, customer_id and the features; y: churned)."""
    return snapshots.drop(columns=[name for name in LABEL_COLUMNS if name in snapshots.columns]), \
        snapshots["churned"]


def out_of_time_split(snapshots: pd.DataFrame, horizon_days: int,
                      test_as_of=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): test is the snapshot at `test_as_of` (default: the latest); train the earlier
    snapshots whose label windows end by then, so no outcome of the test period is learned."""
    test_as_of = snapshots["as_of"].max() if test_as_of is None else pd.Timestamp(test_as_of)
    test = snapshots[snapshots["as_of"] == test_as_of]
    if test.empty:
        raise DataError(f"no snapshot at {test_as_of}")
    train = snapshots[snapshots["as_of"] + pd.Timedelta(days=horizon_days) <= test_as_of]
    if train.empty:
        raise DataError(f"no snapshot ends its {horizon_days}-day label window by {test_as_of}")
    return train, test


def evaluate_out_of_time(models: dict, train: pd.DataFrame, test: pd.DataFrame,
                         known: dict[str, np.ndarray] | None = None) -> tuple[pd.DataFrame, dict, dict]:
    """Fit a clone of each model on `train` and score `test`.

    Returns the `compare_churn_models` table, the churn probabilities of `test` and the fitted models, by name.
    `known`: churn probabilities of `test` from elsewhere (e.g. the simulator's truth), added as rows.
    """
    X, y = features_and_churn(train)
    X_test, y_test = features_and_churn(test)
    fitted = {name: clone(model).fit(X, y) for name, model in models.items()}
    predictions = {name: model.predict_proba(X_test)[:, 1] for name, model in fitted.items()} | (known or {})
    return compare_churn_models(y_test.to_numpy(), predictions), predictions, fitted
