"""Choosing among the BTYD variants on the CDNOW holdout, and BTYD against LightGBM on a simulated world."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cxmodels.data import Dataset
from cxmodels.data.samples import CDNOW_HOLDOUT_DAYS as HOLDOUT_DAYS
from cxmodels.simulate import simulate
from cxmodels.features import build_snapshots
from cxmodels.models.clv.lightgbm_clv import LightGBMCLVModel
from cxmodels.models.clv.selection import compare_clv_models, select_btyd_model

SMALL_BOOSTER = LightGBMCLVModel(n_estimators=60, n_jobs=1)


def test_select_btyd_model_on_cdnow(cdnow_weeks, cdnow_holdout):
    best, table = select_btyd_model(cdnow_weeks, cdnow_holdout["future_purchases"], HOLDOUT_DAYS, time_unit="weeks")
    assert sorted(table.index) == ["bgnbd", "mbgnbd", "pareto"] and best == table.index[0]
    assert table["rmse"].is_monotonic_increasing
    assert table["total_ratio"].between(0.8, 0.95).all()  # all three under-predict weeks 40-78 a little
    assert table.loc["bgnbd", "params"]["r"] == pytest.approx(0.2426, rel=0.01)
    best_by_gini, by_gini = select_btyd_model(cdnow_weeks, cdnow_holdout["future_purchases"], HOLDOUT_DAYS,
                                              time_unit="weeks", models=("bgnbd", "pareto"),
                                              criterion="normalized_gini")
    assert by_gini["normalized_gini"].is_monotonic_decreasing and best_by_gini == by_gini.index[0]


def test_select_needs_every_customer(cdnow_weeks, cdnow_holdout):
    with pytest.raises(ValueError, match="lacks 1 customers"):
        select_btyd_model(cdnow_weeks, cdnow_holdout["future_purchases"].iloc[1:], HOLDOUT_DAYS, time_unit="weeks")


@pytest.fixture(scope="module")
def small_world():
    return Dataset(**simulate(4_000, seed=5).tables)


def test_lightgbm_contract(small_world):
    snapshot = build_snapshots(small_world, ["2024-07-01"], 182).set_index("customer_id")
    X, y = snapshot.drop(columns=["as_of", "churned", "future_purchases", "future_spend"]), snapshot
    model = clone(SMALL_BOOSTER).fit(X, y)
    predicted = model.predict(X)
    assert list(predicted.columns) == ["expected_purchases", "clv"] and predicted.index.equals(X.index)
    assert (predicted.to_numpy() >= 0).all()
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(model)).predict(X), predicted)
    assert np.corrcoef(predicted["clv"], y["future_spend"])[0, 1] > 0.5
    with pytest.raises(ValueError, match="lacks features"):
        model.predict(X.drop(columns="frequency"))
    with pytest.raises(ValueError, match="y lacks the label columns"):
        clone(SMALL_BOOSTER).fit(X, y[["future_purchases"]])


def test_compare_btyd_with_lightgbm(small_world):
    table = compare_clv_models(small_world, "2024-07-01", "2025-01-01", 182, btyd_models=("bgnbd",),
                               ml_model=SMALL_BOOSTER)
    assert list(table.index) == [("bgnbd", "purchases"), ("bgnbd", "spend"), ("lightgbm", "purchases"),
                                 ("lightgbm", "spend")]
    assert np.isfinite(table.to_numpy(dtype=float)).all()
    assert (table["spearman"] > 0.6).all() and table["total_ratio"].between(0.7, 1.3).all()
    with pytest.raises(ValueError, match="run past"):
        compare_clv_models(small_world, "2024-10-01", "2025-01-01", 182)
    with pytest.raises(ValueError, match="nothing to learn from: no customer bought before 2022-01-01"):
        compare_clv_models(small_world, "2022-01-01", "2025-01-01", 182, btyd_models=("bgnbd",))


def test_the_first_purchase_model_that_fits_and_why_the_others_did_not():
    from cxmodels.models.clv.selection import fit_first_that_fits
    from cxmodels.models import BTYDFitError

    rng = np.random.default_rng(2)  # everyone still buying at their own Poisson rate: nobody drops out
    T = rng.integers(200, 365, 2000).astype(float)
    counts = rng.poisson(0.03 * T)
    summary = pd.DataFrame({"frequency": counts.astype(float), "T": T,
                            "recency": np.where(counts > 0, np.round(T * rng.beta(np.maximum(counts, 1), 1)), 0.0)})
    with pytest.raises(BTYDFitError, match=r"no BTYD purchase model fits this data: bgnbd: .*degenerate.*; pareto: "):
        fit_first_that_fits(summary, ["bgnbd", "pareto"])


def test_a_purchase_model_that_does_not_fit_is_passed_over_saying_why(cdnow_weeks, cdnow_holdout, monkeypatch):
    from cxmodels.models import BTYDFitError, BTYDModel
    from cxmodels.models.clv.selection import fit_first_that_fits

    real = BTYDModel.fit

    def fit(self, X, y=None, sample_weight=None):
        if self.model == "bgnbd":
            raise BTYDFitError("bgnbd fit on 2,357 customers is degenerate: nobody drops out")
        return real(self, X, y, sample_weight)

    monkeypatch.setattr(BTYDModel, "fit", fit)
    model, choice, rejected = fit_first_that_fits(cdnow_weeks, ["bgnbd", "pareto"], time_unit="weeks")
    assert choice == "pareto" and model.model == "pareto" and "params_" in vars(model)
    assert rejected == ("bgnbd: bgnbd fit on 2,357 customers is degenerate: nobody drops out",)
    best, table = select_btyd_model(cdnow_weeks, cdnow_holdout["future_purchases"], HOLDOUT_DAYS, time_unit="weeks")
    assert best != "bgnbd" and "degenerate" in table.loc["bgnbd", "error"] and table.index[-1] == "bgnbd"
