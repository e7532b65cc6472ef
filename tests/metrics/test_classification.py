"""Churn-model metrics, checked by hand on tiny inputs and against sklearn.metrics."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from cxmodels.metrics.classification import (brier_score, calibration_table, churn_report, compare_churn_models,
                                             gain_curve, log_loss, pr_auc, roc_auc, roc_curve, top_decile_lift)

Y = np.array([0, 0, 1, 1])
P = np.array([0.1, 0.4, 0.35, 0.8])


def test_by_hand_on_four_customers():
    assert roc_auc(Y, P) == 0.75  # 3 of the 4 (churner, stayer) pairs are ordered right
    assert pr_auc(Y, P) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)  # precision 1 at the first churner, 2/3 at the second
    assert brier_score(Y, P) == pytest.approx((0.1**2 + 0.4**2 + 0.65**2 + 0.2**2) / 4)
    assert log_loss(Y, P) == pytest.approx(-(np.log(0.9) + np.log(0.6) + np.log(0.35) + np.log(0.8)) / 4)
    assert log_loss([True, False], [1.0, 0.0]) == pytest.approx(0, abs=1e-12)  # clipped, finite
    assert np.isfinite(log_loss([1], [0.0]))


def test_agrees_with_sklearn_on_random_data():
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = rng.random(500) < p
    assert roc_auc(y, p) == pytest.approx(metrics.roc_auc_score(y, p))
    assert pr_auc(y, p) == pytest.approx(metrics.average_precision_score(y, p))
    assert brier_score(y, p) == pytest.approx(metrics.brier_score_loss(y, p))
    assert log_loss(y, p) == pytest.approx(metrics.log_loss(y, p))
    fpr, tpr, _ = metrics.roc_curve(y, p)
    curve = roc_curve(y, p)
    np.testing.assert_allclose(curve["false_positive_rate"], fpr)
    np.testing.assert_allclose(curve["true_positive_rate"], tpr)


def test_top_decile_lift():
    y = np.zeros(10)
    y[0] = 1
    p = np.linspace(1, 0.1, 10)
    assert top_decile_lift(y, p) == pytest.approx(10.0)  # the top customer is the only churner: rate 1 over 0.1
    assert top_decile_lift(y, np.full(10, 0.5)) == pytest.approx(1.0)  # all tied: the top is an average customer
    assert top_decile_lift(y[::-1], p) == 0.0
    assert top_decile_lift([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1], share=0.5) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="share"):
        top_decile_lift(y, p, share=0)


def test_calibration_table_by_hand():
    table = calibration_table([0, 1, 0, 1, 1], [0.05, 0.15, 0.12, 0.95, 1.0], bins=10)
    assert table["n"].tolist() == [1, 2, 2]  # empty bins left out; 1.0 falls in the last bin
    np.testing.assert_allclose(table["mean_predicted"], [0.05, 0.135, 0.975])
    np.testing.assert_allclose(table["observed_rate"], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(table["bin_low"], [0.0, 0.1, 0.9])
    quantile = calibration_table(np.arange(100) % 2, np.linspace(0, 1, 100), bins=4, strategy="quantile")
    assert quantile["n"].tolist() == [25, 25, 25, 25]


def test_gain_curve_groups_ties_and_ends_at_one():
    curve = gain_curve([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1])
    np.testing.assert_allclose(curve["customers_contacted"], [0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(curve["churners_found"], [0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(curve["lift"][1:], [2.0, 4 / 3, 1.0])


def test_report_and_comparison():
    report = churn_report(Y, P)
    assert report["customers"] == 4 and report["churn_rate"] == 0.5 and report["roc_auc"] == 0.75
    assert set(report) == {"customers", "churn_rate", "mean_predicted", "roc_auc", "pr_auc", "brier", "log_loss",
                           "top_decile_lift"}
    table = compare_churn_models(Y, {"model": P, "perfect": Y.astype(float)})
    assert list(table.index) == ["model", "perfect"] and table.loc["perfect", "roc_auc"] == 1.0
    assert isinstance(table, pd.DataFrame)


@pytest.mark.parametrize("y, p, message", [
    ([0, 1], [0.5], "same"), ([0, 2], [0.1, 0.2], "0/1"), ([0, 1], [0.1, 1.2], "probabilities"),
    ([0, 1], [0.1, np.nan], "probabilities"), ([], [], "non-zero"),
])
def test_refuses_bad_inputs(y, p, message):
    with pytest.raises(ValueError, match=message):
        brier_score(y, p)


def test_the_auc_difference_and_its_delong_standard_error():
    from cxmodels.metrics.classification import roc_auc_difference

    rng = np.random.default_rng(3)
    y = rng.random(3000) < 0.3
    p = np.clip(0.3 + 0.15 * y + rng.normal(0, 0.25, 3000), 0, 1)
    q = np.clip(p + rng.normal(0, 0.2, 3000), 0, 1)
    difference, error = roc_auc_difference(y, p, q)
    assert difference == pytest.approx(roc_auc(y, p) - roc_auc(y, q), abs=1e-12)
    assert roc_auc_difference(y, p, p) == (0.0, 0.0)
    constant, alone = roc_auc_difference(y, p, np.full(3000, 0.3))
    assert constant == pytest.approx(roc_auc(y, p) - 0.5, abs=1e-12)
    draws = []
    for _ in range(200):  # two correlated scores with no skill: the differences spread as the error says
        first = rng.random(400)
        draws.append(roc_auc_difference(rng.random(400) < 0.25, first, 0.5 * first + 0.5 * rng.random(400)))
    spread, mean_error = np.std([d for d, _ in draws]), np.mean([e for _, e in draws])
    assert mean_error == pytest.approx(spread, rel=0.25)  # the standard error is the spread of the differences
    assert 0 < error < 0.05 and 0 < alone < 0.05
