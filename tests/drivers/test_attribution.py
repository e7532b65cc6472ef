"""The driver table: the issue's columns first, sums of the counterfactual differences, bootstrap intervals."""

import numpy as np
import pytest

from cxmodels.drivers import BUILT_IN, DRIVER_COLUMNS, driver_effects, drivers_table
from cxmodels.drivers.attribution import poisson_bootstrap


@pytest.fixture
def table(model, features):
    effects = driver_effects(model, features, BUILT_IN)
    clv = np.linspace(10, 500, len(features))
    return effects, clv, drivers_table(effects, model.predict_proba(features)[:, 1], clv)


def test_the_table_has_the_issues_columns_first_one_row_per_driver(table):
    effects, _, frame = table
    assert list(frame.columns[:len(DRIVER_COLUMNS)]) == DRIVER_COLUMNS == [
        "driver", "customers_affected", "expected_churners", "revenue_at_risk", "revenue_at_risk_low",
        "revenue_at_risk_high"]
    assert sorted(frame["driver"]) == sorted(effects) and frame["revenue_at_risk"].is_monotonic_decreasing


def test_expected_churners_and_revenue_sum_the_added_probability(model, features, table):
    effects, clv, frame = table
    row = frame.set_index("driver").loc["transfers"]
    added = effects["transfers"].added
    assert row["expected_churners"] == pytest.approx(added.sum())
    assert row["revenue_at_risk"] == pytest.approx((added * clv).sum())
    assert row["customers_affected"] == (features["transfer_rate_90d"] > 0).sum()
    assert row["share_of_churners"] == pytest.approx(added.sum() / model.predict_proba(features)[:, 1].sum())


def test_the_intervals_hold_the_estimate_and_are_reproducible(model, features, table):
    effects, clv, frame = table
    moving = frame[frame["expected_churners"] > 0]
    assert (moving["revenue_at_risk_low"] < moving["revenue_at_risk"]).all()
    assert (moving["revenue_at_risk"] < moving["revenue_at_risk_high"]).all()
    assert (moving["expected_churners_low"] < moving["expected_churners_high"]).all()
    again = drivers_table(effects, model.predict_proba(features)[:, 1], clv)
    assert again.equals(frame)


def test_the_poisson_bootstrap_covers_the_sum_of_a_known_distribution():
    rng = np.random.default_rng(1)
    values = rng.exponential(1.0, (2000, 1))
    low, high = poisson_bootstrap(values, draws=400, level=0.9)
    # over a fixed number of customers the sum's standard error is sqrt(n) * sd: the 90 % interval spans
    # about 2 * 1.645 of it
    assert (high - low)[0] == pytest.approx(2 * 1.645 * np.sqrt(2000) * values.std(), rel=0.15)
    assert low[0] < values.sum() < high[0]
