"""BTYDModel: the scikit-learn contract, weights, input checks, predictions and CLV."""

import json
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cxmodels.models import BTYDModel

COLUMNS = ("frequency", "recency", "T")


def relative_difference(a: dict, b: dict) -> float:
    return max(abs(a[k] / b[k] - 1) for k in a)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto"])
def test_weights_stand_for_identical_customers(cdnow_weeks, model):
    """A `weights` column (or sample_weight) gives the fit of the rows repeated, and 0 drops a row."""
    rows = cdnow_weeks[list(COLUMNS)].iloc[:1200]
    counts = np.random.default_rng(2).integers(0, 4, len(rows))
    repeated = BTYDModel(model, time_unit="weeks").fit(rows.iloc[np.repeat(np.arange(len(rows)), counts)])
    weighted = BTYDModel(model, time_unit="weeks").fit(rows.assign(weights=counts))
    by_argument = BTYDModel(model, time_unit="weeks").fit(rows, sample_weight=counts)
    for fitted in (weighted, by_argument):
        assert relative_difference(fitted.params_, repeated.params_) < 1e-6
        assert fitted.n_customers_ == counts.sum() == repeated.n_customers_
        assert fitted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-9)
    assert relative_difference(BTYDModel(model, time_unit="weeks").fit(rows).params_, weighted.params_) > 1e-3
    with pytest.raises(ValueError, match="give the weights once"):
        BTYDModel(model, time_unit="weeks").fit(rows.assign(weights=counts), sample_weight=counts)
    with pytest.raises(ValueError, match=r"X\['weights'\] must give one finite number >= 0 per row"):
        BTYDModel(model, time_unit="weeks").fit(rows.assign(weights=-1.0))


def test_pickle_clone_and_params(cdnow_weeks):
    model = BTYDModel("pareto", time_unit="weeks", horizon_days=182, discount_rate=0.05).fit(cdnow_weeks)
    json.dumps(model.params_)  # plain floats
    assert all(type(value) is float for value in model.params_.values())
    again = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(again.predict(cdnow_weeks), model.predict(cdnow_weeks))
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "params_")
    assert model.get_params()["horizon_days"] == 182
    assert len(pickle.dumps(model)) < 2_000  # no data, no fitter objects


def test_predict_frame(cdnow_weeks):
    model = BTYDModel("bgnbd", time_unit="weeks", horizon_days=365).fit(cdnow_weeks)
    frame = model.predict(cdnow_weeks)
    assert list(frame.columns) == ["p_alive", "expected_purchases", "expected_purchases_low", "expected_purchases_high",
                                   "expected_order_value", "clv", "clv_low", "clv_high"]
    assert frame.index.equals(cdnow_weeks.index) and frame.attrs["horizon_days"] == 365
    assert np.isfinite(frame.to_numpy()).all() and (frame["p_alive"].between(0, 1)).all()
    pd.testing.assert_series_equal(frame["expected_purchases"], model.expected_purchases(cdnow_weeks),
                                   check_names=False)
    one_time = cdnow_weeks["frequency"] == 0
    population_mean = model.params_["p"] * model.params_["gamma"] / (model.params_["q"] - 1)
    assert np.allclose(frame.loc[one_time, "expected_order_value"], population_mean)


def test_clv_steps_and_discounting(cdnow_weeks):
    undiscounted = BTYDModel(time_unit="weeks", horizon_days=365, discount_rate=0.0).fit(cdnow_weeks)
    frame = undiscounted.predict(cdnow_weeks)
    np.testing.assert_allclose(frame["clv"], frame["expected_purchases"] * frame["expected_order_value"])
    discounted = clone(undiscounted).set_params(discount_rate=0.1).fit(cdnow_weeks).predict(cdnow_weeks)
    ratio = discounted["clv"].sum() / frame["clv"].sum()
    assert 1 / 1.1 < ratio < 1  # each step discounted by at most a year
    weekly = clone(undiscounted).set_params(discount_rate=0.1, step_days=7).fit(cdnow_weeks).predict(cdnow_weeks)
    assert weekly["clv"].sum() == pytest.approx(discounted["clv"].sum(), rel=0.01)


def test_without_monetary_value_only_purchases(cdnow_weeks):
    model = BTYDModel(time_unit="weeks").fit(cdnow_weeks[list(COLUMNS)])
    assert set(model.params_) == {"r", "alpha", "a", "b"} and model.spend_penalizer_ is None
    assert list(model.predict(cdnow_weeks).columns) == ["p_alive", "expected_purchases", "expected_purchases_low",
                                                        "expected_purchases_high"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda X: X.drop(columns="T"), r"lacks the value-summary columns \['T'\]"),
    (lambda X: X.assign(recency=X["T"] + 1), r"X\['recency'\] must not exceed T"),
    (lambda X: X.assign(frequency=X["frequency"] + 0.5), r"X\['frequency'\] must be a whole number"),
    (lambda X: X.assign(frequency=-X["frequency"] - 1), r"X\['frequency'\] must be a whole number >= 0"),
    (lambda X: X.assign(T=np.nan), r"X\['T'\] must be finite"),
    (lambda X: X.assign(monetary_value=-1.0), r"X\['monetary_value'\] must be >= 0"),
    (lambda X: X.assign(recency=np.where(X["frequency"] == 0, 1.0, X["recency"])), "must be 0 where frequency is 0"),
    (lambda X: X.iloc[:0], "X has no rows"),
    (lambda X: X.to_numpy(), "must be a pandas DataFrame"),
])
def test_clear_input_errors(cdnow_weeks, change, message):
    with pytest.raises((ValueError, TypeError), match=message):
        BTYDModel().fit(change(cdnow_weeks))


def test_settings_are_checked(cdnow_weeks):
    with pytest.raises(ValueError, match="model must be one of"):
        BTYDModel("bg/bb").fit(cdnow_weeks)
    with pytest.raises(ValueError, match=r"X\['recency'\] must be a whole number of periods for BG/BB"):
        BTYDModel("bgbb", time_unit="weeks").fit(cdnow_weeks)
    with pytest.raises(ValueError, match="time_unit must be one of"):
        BTYDModel(time_unit="months").fit(cdnow_weeks)


def test_fit_leaves_warnings_filters_and_stdout_alone(cdnow_weeks, capsys):
    import warnings

    before = list(warnings.filters)
    BTYDModel("mbgnbd", time_unit="weeks").fit(cdnow_weeks)
    assert warnings.filters == before and capsys.readouterr().out == ""


def test_fitting_does_not_import_lifetimes():
    code = ("import sys; from cxmodels.models import BTYDModel; from cxmodels.models.clv.draws import "
            "draw_bgnbd_summary; s = draw_bgnbd_summary(3000, seed=1); s['monetary_value'] = 10 + s['frequency'] % 7; "
            "[BTYDModel(m).fit(s).predict(s) for m in ('bgnbd', 'mbgnbd', 'pareto')]; "
            "assert 'lifetimes' not in sys.modules, 'lifetimes was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_model_pickled_by_an_earlier_release_still_predicts(cdnow_weeks):
    model = BTYDModel("bgnbd", time_unit="weeks", interval=None).fit(cdnow_weeks)
    old = pickle.loads(pickle.dumps(model))
    for name in ("spend_params_", "interval", "log_covariance_"):  # as a model of an earlier release is stored
        del old.__dict__[name]
    restored = pickle.loads(pickle.dumps(old))
    assert restored.spend_params_ == {name: model.params_[name] for name in ("p", "q", "gamma")}
    pd.testing.assert_frame_equal(restored.predict(cdnow_weeks), model.predict(cdnow_weeks))
    assert restored.get_params() == model.get_params() and "interval=None" in repr(restored)
