"""Choosing among the BTYD variants on the CDNOW holdout, and BTYD against LightGBM on a simulated world."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cxmodels.data import Dataset
from cxmodels.data.samples import CDNOW_HOLDOUT_DAYS as HOLDOUT_DAYS
from cxmodels.features import build_snapshots
from cxmodels.models import BTYDFitError
from cxmodels.models.clv.lightgbm_clv import LightGBMCLVModel
from cxmodels.models.clv.selection import compare_clv_models, fit_first_that_works, select_btyd_model
from cxmodels.simulate import simulate

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


def half_never_return(n: int = 2000, seed: int = 3) -> pd.DataFrame:
    """Half the customers never buy again; the others buy as Poisson processes to the end and never lapse."""
    rng = np.random.default_rng(seed)
    T = rng.integers(200, 365, n).astype(float)
    counts = rng.poisson(np.where(rng.random(n) < 0.5, 0.0, 0.03) * T)
    last = np.where(counts > 0, np.round(T * rng.beta(np.maximum(counts, 1), 1)), 0.0)
    return pd.DataFrame({"frequency": counts.astype(float), "recency": last, "T": T})


def test_fit_first_that_works_falls_back_and_says_why():
    """BG/NBD and Pareto/NBD see no dropout among the repeat buyers ("nobody drops out"); MBG/NBD, whose
    customers may drop out at the first purchase, explains the one-time buyers and is chosen."""
    summary = half_never_return()
    model, choice, reasons = fit_first_that_works(summary, horizon_days=180)
    assert choice == "mbgnbd" and model.model == "mbgnbd" and model.horizon_days == 180
    assert [reason.split(":")[0] for reason in reasons] == ["bgnbd", "pareto"]
    assert all("is degenerate: nobody drops out" in reason for reason in reasons)
    assert np.isfinite(model.predict(summary).to_numpy()).all()
    first, first_choice, none = fit_first_that_works(summary, models=("mbgnbd", "bgnbd"))
    assert first_choice == "mbgnbd" and none == [] and first.params_ == model.params_
    with pytest.raises(BTYDFitError, match=r"no purchase model could be fitted on 2,000 rows: bgnbd: .* \| pareto: "):
        fit_first_that_works(summary, models=("bgnbd", "pareto"))


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


def test_select_passes_over_a_purchase_model_that_does_not_fit_saying_why(cdnow_weeks, cdnow_holdout, monkeypatch):
    from cxmodels.models import BTYDModel

    real = BTYDModel.fit

    def fit(self, X, y=None, sample_weight=None):
        if self.model == "bgnbd":
            raise BTYDFitError("bgnbd fit on 2,357 customers is degenerate: nobody drops out")
        return real(self, X, y, sample_weight)

    monkeypatch.setattr(BTYDModel, "fit", fit)
    best, table = select_btyd_model(cdnow_weeks, cdnow_holdout["future_purchases"], HOLDOUT_DAYS, time_unit="weeks")
    assert best != "bgnbd" and "degenerate" in table.loc["bgnbd", "error"] and table.index[-1] == "bgnbd"
