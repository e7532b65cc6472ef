"""Choosing a CLV model on a holdout: the BTYD variants against each other, and BTYD against LightGBM."""

import time

import pandas as pd
from sklearn.base import clone

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.errors import ConfigError, DataError
from cxmodels.features import LABEL_COLUMNS, FeatureConfig, build_features, build_snapshots, labels, value_summary
from cxmodels.metrics.clv_evaluation import holdout_scores
from cxmodels.models.clv._fitting import BTYDFitError
from cxmodels.models.clv.btyd import PURCHASE_COLUMNS, BTYDModel
from cxmodels.models.clv.lightgbm_clv import LightGBMCLVModel

BTYD_MODELS = ("bgnbd", "mbgnbd", "pareto")  # the continuous-time purchase models (BG/BB counts periods)
LOWER_IS_BETTER = {"rmse": True, "mae": True, "decile_mape": True, "spearman": False, "normalized_gini": False}


def select_btyd_model(calibration: pd.DataFrame, holdout_purchases: pd.Series, horizon_days: float,
                      time_unit: str = "days", models=BTYD_MODELS, criterion: str = "rmse",
                      penalizer: float = 0.0) -> tuple[str, pd.DataFrame]:
    """The best purchase model on the holdout, and the table of all, best first.

    Each model is fitted on `calibration` (the value summary as of the cut-off) and its expected
    purchases in the `horizon_days` after the cut-off are scored against `holdout_purchases` (e.g.
    `labels(...)["future_purchases"]`, same customers). The default criterion, rmse, rewards the
    conditional mean that the models predict. The table has the scores, fit seconds and parameters; a
    model that does not fit (BTYDFitError) is last, with `error` saying why. BTYDFitError when none fits.
    """
    if criterion not in LOWER_IS_BETTER:
        raise ConfigError(f"criterion must be one of {tuple(LOWER_IS_BETTER)}, got {criterion!r}")
    actual = holdout_purchases.reindex(calibration.index)
    if actual.isna().any():
        raise DataError(f"holdout_purchases lacks {int(actual.isna().sum())} customers of the calibration summary")
    rows = {}
    for model in models:
        start = time.perf_counter()
        try:
            fitted = BTYDModel(model, time_unit=time_unit, penalizer=penalizer).fit(calibration[list(PURCHASE_COLUMNS)])
        except BTYDFitError as error:
            rows[model] = {"error": str(error)}
            continue
        seconds = time.perf_counter() - start
        predicted = fitted.expected_purchases(calibration, horizon_days)
        rows[model] = {**holdout_scores(actual, predicted), "fit_seconds": seconds, "penalizer": fitted.penalizer_,
                       "params": fitted.params_, "error": None}
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")
    if table["error"].notna().all():
        raise BTYDFitError("no BTYD purchase model fits this data: " + "; ".join(table["error"]))
    table = table.sort_values(criterion, ascending=LOWER_IS_BETTER[criterion], kind="stable", na_position="last")
    return str(table.index[0]), table


def fit_first_that_fits(summary: pd.DataFrame, models, **settings) -> tuple[BTYDModel, str, tuple[str, ...]]:
    """The first of `models` (purchase-model names) whose BTYDModel(**settings) fits `summary`, its name, and
    one line per model tried before it saying why it was rejected; BTYDFitError naming them all when none fits."""
    failures = []
    for model in models:
        try:
            return BTYDModel(model, **settings).fit(summary), model, tuple(failures)
        except BTYDFitError as error:
            failures.append(f"{model}: {error}")
    raise BTYDFitError("no BTYD purchase model fits this data: " + "; ".join(failures) + ". Check the value "
                       "summary (enough repeat buyers?), or set a larger [clv] penalizer")


def compare_clv_models(dataset, train_as_of, as_of, horizon_days: int, time_unit: str = "days",
                       btyd_models=BTYD_MODELS, ml_model: LightGBMCLVModel | None = None) -> pd.DataFrame:
    """BTYD and LightGBM scored on one holdout: purchases and spend in the `horizon_days` after `as_of`
    of the customers with a purchase before it.

    Each BTYD model (with Gamma-Gamma, undiscounted) is fitted on the value summary as of `as_of`;
    LightGBM (`ml_model`, cloned; default `LightGBMCLVModel()`) on the snapshot at `train_as_of`,
    whose labels must end by `as_of`. One row per (model, target), target "purchases" or "spend",
    with `holdout_scores` and fit seconds.
    """
    if utc_timestamp(train_as_of) + pd.Timedelta(days=horizon_days) > utc_timestamp(as_of):
        raise DataError(f"the training labels from {train_as_of} over {horizon_days} days run past {as_of}")
    summary = value_summary(dataset.transactions, as_of, time_unit=time_unit)
    actual = labels(dataset, as_of, horizon_days, population=summary.index)
    predictions, seconds = {}, {}
    for model in btyd_models:
        start = time.perf_counter()
        btyd = BTYDModel(model, time_unit=time_unit, horizon_days=horizon_days, discount_rate=0.0).fit(summary)
        seconds[model] = time.perf_counter() - start
        predictions[model] = btyd.predict(summary)

    config = FeatureConfig(time_unit=time_unit)
    train = build_snapshots(dataset, [train_as_of], horizon_days, config).set_index("customer_id")
    if train.empty:
        raise DataError(f"LightGBM has nothing to learn from: no customer bought before {train_as_of}")
    features = [c for c in train.columns if c not in ("as_of", *LABEL_COLUMNS)]
    start = time.perf_counter()
    booster = clone(ml_model) if ml_model is not None else LightGBMCLVModel()
    booster.fit(train[features], train[list(LABEL_COLUMNS)])
    seconds["lightgbm"] = time.perf_counter() - start
    predictions["lightgbm"] = booster.predict(build_features(dataset, as_of, config, population=summary.index))

    rows = {}
    for model, predicted in predictions.items():
        for target, column, label in (("purchases", "expected_purchases", "future_purchases"),
                                      ("spend", "clv", "future_spend")):
            rows[(model, target)] = {**holdout_scores(actual[label], predicted[column]),
                                     "fit_seconds": seconds[model]}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["model", "target"])

