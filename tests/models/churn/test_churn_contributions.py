"""The fast TreeSHAP contributions equal LightGBM's pred_contrib, and the reasons those of the plain path."""

import lightgbm as lgb
import numpy as np
import pandas as pd

from cxmodels.models.churn import ChurnModel
from cxmodels.models.churn.contributions import tree_contributions
from cxmodels.models.churn.reasons import top_reasons


def mixed_frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Numbers with missing values and zeros, and a text category with missing values, driving churn."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "days_since_last_purchase": rng.integers(0, 200, n).astype(float),
        "spend_total": np.where(rng.random(n) < 0.3, np.nan, rng.gamma(2, 50, n)),
        "contacts_90d": np.where(rng.random(n) < 0.4, 0.0, rng.poisson(3, n).astype(float)),
        "nps_category": pd.Series(rng.choice(["promoter", "passive", "detractor", None], n), dtype=object),
    })
    risk = (frame["days_since_last_purchase"] / 100 - frame["spend_total"].fillna(0) / 200
            + frame["contacts_90d"] / 4 + frame["nps_category"].eq("detractor") - 0.5)
    return frame, (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)


def test_contributions_equal_lightgbm_pred_contrib_with_categories_and_missing_values():
    frame, churned = mixed_frame(4000, seed=3)
    model = ChurnModel(n_estimators=60, num_leaves=31, min_child_samples=20, validation=0.25,
                       calibration=None).fit(frame, churned)
    matrix = model._inputs(mixed_frame(3000, seed=4)[0])
    trees = model.booster_.dump_model()["tree_info"]
    assert any('"=="' in str(tree) or "'=='" in str(tree) for tree in trees)  # categorical splits are exercised
    expected = model.booster_.predict(matrix, pred_contrib=True, num_iteration=model.best_iteration_)
    np.testing.assert_allclose(tree_contributions(model.booster_, matrix, model.best_iteration_), expected,
                               rtol=0, atol=1e-9)
    plain = top_reasons(expected[:, :-1], model._values(matrix, pd.RangeIndex(len(matrix))), model.descriptions_, 3)
    explained = model.explain(mixed_frame(3000, seed=4)[0])
    pd.testing.assert_frame_equal(explained.drop(columns="churn_probability"), plain, check_exact=False, rtol=0,
                                  atol=1e-9)


def test_every_missing_rule_of_a_split_is_decided_as_lightgbm_does():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[rng.random(x.shape) < 0.2] = 0.0
    x[:50, 0] = 1e-40  # read as 0 by LightGBM
    y = np.nan_to_num(x[:, 0], nan=1.5) + np.nan_to_num(x[:, 1], nan=-1) * x[:, 2].clip(0, None).__abs__() \
        + rng.normal(scale=0.1, size=len(x))
    for zero_as_missing in (False, True):
        booster = lgb.train({"objective": "regression", "num_leaves": 15, "verbosity": -1,
                             "zero_as_missing": zero_as_missing, "min_data_in_leaf": 5},
                            lgb.Dataset(x, y), num_boost_round=20)
        np.testing.assert_allclose(tree_contributions(booster, x), booster.predict(x, pred_contrib=True),
                                   rtol=0, atol=1e-9)
