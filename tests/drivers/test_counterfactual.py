"""Counterfactual re-scoring: who is affected, the values without the problem, and the probability it adds."""

import numpy as np
import pandas as pd
import pytest

from cxmodels.drivers import BUILT_IN, driver_effects
from cxmodels.drivers.counterfactual import affected, apply_counterfactual, counterfactual_values
from cxmodels.drivers.declared import make_driver
from cxmodels.errors import DataError


def test_affected_customers_have_the_problem_and_missing_values_never_do(features):
    mask = affected(BUILT_IN["transfers"], features)
    assert mask.tolist() == (features["transfer_rate_90d"] > 0).tolist() and not mask[:10].any()
    top = make_driver("top", ["nps_latest > p75"], {"nps_latest": "unaffected"})
    assert affected(top, features).tolist() == (features["nps_latest"] > features["nps_latest"].quantile(0.75)).tolist()


def test_unaffected_values_are_the_median_or_most_common_value_of_the_customers_without_the_problem(features):
    driver = make_driver("d", ["nps_latest <= 6"], {"nps_latest": "unaffected", "nps_category": "unaffected",
                                                     "open_cases": "missing", "transfer_rate_90d": 0})
    problem = affected(driver, features)
    values = counterfactual_values(driver, features, problem)
    assert values["nps_latest"] == features.loc[~problem, "nps_latest"].median()
    assert values["nps_category"] == features.loc[~problem, "nps_category"].mode().iloc[0]
    assert np.isnan(values["open_cases"]) and values["transfer_rate_90d"] == 0
    changed = apply_counterfactual(features, [(values, problem)])
    assert changed.loc[problem, "open_cases"].isna().all() and changed.loc[~problem].equals(features.loc[~problem])
    assert isinstance(changed["nps_category"].dtype, pd.CategoricalDtype)


def test_the_added_probability_is_the_models_difference_on_the_affected_customers_only(model, features):
    effect = driver_effects(model, features, {"transfers": BUILT_IN["transfers"]})["transfers"]
    expected = np.where(effect.affected, 0.1 * features["transfer_rate_90d"].fillna(0), 0.0)
    assert effect.added == pytest.approx(expected) and effect.features_moved == ("transfer_rate_90d",)
    unresolved = driver_effects(model, features, {"u": BUILT_IN["unresolved_cases"]})["u"]
    # only open_cases is among the model's features; it goes to 0 for the affected
    assert unresolved.features_moved == ("open_cases",)
    assert unresolved.added == pytest.approx(np.where(unresolved.affected, 0.02 * features["open_cases"], 0.0))


def test_drivers_whose_conditions_the_data_cannot_check_are_left_out(model, features):
    effects = driver_effects(model, features, BUILT_IN)
    assert "long_waits" not in effects and {"transfers", "unresolved_cases", "nps_detractor"} <= set(effects)
    with pytest.raises(DataError, match="wait_time_p90_90d"):
        affected(BUILT_IN["long_waits"], features)
