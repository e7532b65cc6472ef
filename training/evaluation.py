"""Scoring the new models, and the champions, on the held-out snapshot: metrics and figures."""

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cxmodels import plots
from cxmodels.errors import DataError, ModelError
from cxmodels.features.value import PURCHASE_COLUMNS
from cxmodels.metrics.classification import churn_report
from cxmodels.metrics.clv_evaluation import (
    conditional_expectation_by_frequency,
    decile_table,
    holdout_by_frequency,
    holdout_scores,
    normalized_gini,
    tracking_table,
)
from cxmodels.models import BTYDModel
from cxmodels.models.clv.covariates import CovariateBTYD, covariate_matrix


def churn_evaluation(y, predictions: dict[str, np.ndarray], importance: pd.Series,
                     feature_config) -> tuple[dict, dict[str, Figure]]:
    """The first model's `churn_report` as churn_* metrics, and the ROC, calibration, gain (every model)
    and feature-importance (first model) figures."""
    metrics = {name if name.startswith("churn_") else f"churn_{name}": value
               for name, value in churn_report(y, next(iter(predictions.values()))).items()}
    figures = {
        "churn ROC curve": plots.roc_figure(y, predictions),
        "churn calibration": plots.calibration_figure(y, predictions),
        "churn lift and gain": plots.gain_figure(y, predictions),
        "churn feature importance": plots.feature_importance_figure(importance, config=feature_config),
    }
    return metrics, figures


def clv_evaluation(btyd, summary: pd.DataFrame, actual: pd.DataFrame, repeats: tuple, as_of,
                   horizon_days: int) -> tuple[dict, dict[str, Figure], pd.DataFrame]:
    """Purchases and spend of the BTYD model over the held-out horizon against the actual ones
    (`holdout_scores` as clv_purchases_* and clv_spend_*), the ranking metric of promotion
    (clv_normalized_gini: the model's clv against the actual spend), the tracking,
    conditional-expectation and decile figures, and the holdout table by calibration frequency
    (`frequency_table`). repeats: the transactions' `repeat_purchases` as of `as_of`, for the tracking."""
    purchases = btyd.expected_purchases(summary, horizon_days)
    predicted = btyd.predict(summary)
    spend = purchases * predicted["expected_order_value"]
    metrics = {"clv_normalized_gini": clv_gini(actual["future_spend"], predicted["clv"])}
    metrics |= {f"clv_purchases_{k}": v for k, v in holdout_scores(actual["future_purchases"], purchases).items()}
    metrics |= {f"clv_spend_{k}": v for k, v in holdout_scores(actual["future_spend"], spend).items()}
    end = pd.Timestamp(as_of) + pd.Timedelta(days=horizon_days)
    tracking = tracking_table(*repeats, btyd.new_customer_purchases, end)
    conditional = conditional_expectation_by_frequency(summary["frequency"], actual["future_purchases"], purchases)
    figures = {
        "CLV tracking": plots.tracking_figure(tracking, calibration_end=as_of),
        "CLV conditional expectation by frequency": plots.conditional_expectation_figure(conditional),
        "CLV deciles": plots.decile_figure(decile_table(actual["future_spend"], spend), "spend"),
    }
    return metrics, figures, frequency_table(summary["frequency"], actual["future_purchases"], purchases)


def frequency_table(frequency, actual, predicted) -> pd.DataFrame:
    """`holdout_by_frequency` with a last row "all": predicted against actual holdout purchases per calibration-
    frequency bucket and in total (the fit's quality on the user's own data)."""
    table = holdout_by_frequency(frequency, actual, predicted)
    customers, actual_total, predicted_total = table[["customers", "actual_total", "predicted_total"]].sum()
    table.loc["all"] = [customers, actual_total, predicted_total, actual_total / customers,
                        predicted_total / customers, predicted_total / actual_total if actual_total else np.nan]
    return table.astype({"customers": int})


def clv_gini(actual_spend, clv) -> float:
    """Normalized Gini of the actual held-out spend ordered by the predicted clv."""
    return normalized_gini(np.clip(np.asarray(actual_spend, dtype=float), 0, None), clv)


def covariate_comparison(summary: pd.DataFrame, actual_purchases: pd.Series, customers: pd.DataFrame | None,
                         columns, horizon_days: int, time_unit: str) -> pd.DataFrame | None:
    """BG/NBD and Pareto/NBD, each without and with the customers' covariates (`columns`, or "auto": the text
    attribute columns with 2 to MAX_LEVELS values), fitted on `summary` (the held-out cut-off), compared on the
    held-out period: the fit's log-likelihood, AIC, and the MAE and total ratio of the predicted holdout
    purchases; a row per model and variant. None without usable covariates; a model whose fit fails is left out."""
    if customers is None or customers.empty:
        return None
    names = _covariate_columns(customers) if columns == "auto" else list(columns)
    if not names:
        return None
    X = summary[list(PURCHASE_COLUMNS)]
    actual = actual_purchases.reindex(X.index).to_numpy(dtype=float)
    try:
        Z = covariate_matrix(customers, names, index=X.index)
    except DataError:
        return None
    rows = {}
    for model, label in (("bgnbd", "BG/NBD"), ("pareto", "Pareto/NBD")):
        try:
            plain = BTYDModel(model, time_unit=time_unit, horizon_days=horizon_days, interval=None).fit(X)
            with_covariates = CovariateBTYD(model, time_unit=time_unit, horizon_days=horizon_days).fit(X, Z)
        except (DataError, ModelError):
            continue
        base = 4  # r, alpha and the two dropout parameters
        for variant, fitted, predicted, parameters in (
                ("without covariates", plain, plain.expected_purchases(X).to_numpy(), base),
                (f"with {', '.join(names)}", with_covariates,
                 with_covariates.predict(X, Z)["expected_purchases"].to_numpy(), base + with_covariates.coefficients_.size)):
            rows[f"{label} {variant}"] = {
                "parameters": parameters, "log_likelihood": fitted.log_likelihood_,
                "aic": 2 * parameters - 2 * fitted.log_likelihood_,
                "holdout_mae": float(np.mean(np.abs(predicted - actual))),
                "holdout_total_ratio": float(predicted.sum() / actual.sum()) if actual.sum() else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model") if rows else None


MAX_LEVELS = 20


def _covariate_columns(customers: pd.DataFrame) -> list[str]:
    """Text attribute columns of the customers table with 2 to MAX_LEVELS distinct values."""
    return [name for name in customers.columns if name not in ("customer_id", "signup_date")
            and not pd.api.types.is_numeric_dtype(customers[name])
            and not pd.api.types.is_datetime64_any_dtype(customers[name])
            and 2 <= customers[name].nunique() <= MAX_LEVELS]
