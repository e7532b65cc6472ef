"""Scoring the new models, and the champions, on the held-out snapshot: metrics and figures."""

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cxmodels import plots
from cxmodels.metrics.classification import churn_report
from cxmodels.metrics.clv_evaluation import (conditional_expectation_by_frequency, cumulative_tracking, decile_table,
                                             holdout_scores, normalized_gini)


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


def clv_evaluation(btyd, summary: pd.DataFrame, actual: pd.DataFrame, transactions: pd.DataFrame, as_of,
                   horizon_days: int) -> tuple[dict, dict[str, Figure], pd.DataFrame]:
    """Purchases and spend of the BTYD model over the held-out horizon against the actual ones
    (`holdout_scores` as clv_purchases_* and clv_spend_*), the ranking metric of promotion
    (clv_normalized_gini: the model's clv against the actual spend), the tracking,
    conditional-expectation and decile figures, and the holdout table by calibration frequency
    (`frequency_table`)."""
    purchases = btyd.expected_purchases(summary, horizon_days)
    predicted = btyd.predict(summary)
    spend = purchases * predicted["expected_order_value"]
    metrics = {"clv_normalized_gini": clv_gini(actual["future_spend"], predicted["clv"])}
    metrics |= {f"clv_purchases_{k}": v for k, v in holdout_scores(actual["future_purchases"], purchases).items()}
    metrics |= {f"clv_spend_{k}": v for k, v in holdout_scores(actual["future_spend"], spend).items()}
    end = pd.Timestamp(as_of) + pd.Timedelta(days=horizon_days)
    tracking = cumulative_tracking(transactions, btyd.new_customer_purchases, as_of, end)
    conditional = conditional_expectation_by_frequency(summary["frequency"], actual["future_purchases"], purchases)
    figures = {
        "CLV tracking": plots.tracking_figure(tracking, calibration_end=as_of),
        "CLV conditional expectation by frequency": plots.conditional_expectation_figure(conditional),
        "CLV deciles": plots.decile_figure(decile_table(actual["future_spend"], spend), "spend"),
    }
    return metrics, figures, frequency_table(conditional)


def frequency_table(conditional: pd.DataFrame) -> pd.DataFrame:
    """Holdout purchases, actual against predicted, per calibration-frequency bucket and in all: customers,
    the mean and the total of each, and predicted / actual (the fit's quality on the user's own data)."""
    table = conditional.assign(actual_total=conditional["actual"] * conditional["customers"],
                               predicted_total=conditional["predicted"] * conditional["customers"])
    everyone = table[["customers", "actual_total", "predicted_total"]].sum()
    table.loc["all"] = [everyone["customers"], everyone["actual_total"] / everyone["customers"],
                        everyone["predicted_total"] / everyone["customers"], everyone["actual_total"],
                        everyone["predicted_total"]]
    table["customers"] = table["customers"].astype(int)
    table["predicted_to_actual"] = table["predicted_total"] / table["actual_total"].where(table["actual_total"] > 0)
    return table.rename(columns={"actual": "actual_mean", "predicted": "predicted_mean"})


def clv_gini(actual_spend, clv) -> float:
    """Normalized Gini of the actual held-out spend ordered by the predicted clv."""
    return normalized_gini(np.clip(np.asarray(actual_spend, dtype=float), 0, None), clv)
