"""The churn baselines: BG/NBD's P(no purchase) against lifetimes, and the logistic pipeline."""

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter

from cxmodels.models.churn.baselines import BGNBDChurnBaseline, LogisticChurnBaseline

HORIZON_DAYS = 90


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    """Value summaries of two cut-offs; the later one has a customer without purchases."""
    rng = np.random.default_rng(1)
    n = 300
    frequency = rng.poisson(2, n).astype(float)
    T = rng.uniform(20, 500, n)
    recency = np.where(frequency > 0, T * rng.random(n), 0.0)
    frame = pd.DataFrame({"as_of": pd.Timestamp("2024-06-01", tz="UTC"), "frequency": frequency,
                          "recency": recency, "T": T, "spend_total": rng.gamma(2, 50, n)})
    earlier = frame.head(100).assign(as_of=pd.Timestamp("2024-03-01", tz="UTC"), T=lambda f: f["T"] / 2,
                                     recency=lambda f: f["recency"] / 2)
    frame.loc[n - 1, ["frequency", "recency", "T"]] = np.nan
    return pd.concat([earlier, frame], ignore_index=True)


def _lifetimes(model: BGNBDChurnBaseline) -> BetaGeoFitter:
    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series(model.purchase_model_.params_)
    return fitter


def test_bgnbd_no_purchase_matches_the_conditional_pmf(summary):
    """Fader, Hardie & Lee's conditional PMF of BG/NBD at y = 0, with lifetimes' P(alive):
    P(Y(t) = 0 | x, t_x, T) = 1 - P(alive) + P(alive) ((alpha + T) / (alpha + T + t))^(r + x)."""
    model = BGNBDChurnBaseline(horizon_days=HORIZON_DAYS).fit(summary)
    assert model.purchase_model_.n_customers_ == 299  # the latest cut-off, customers with a purchase
    latest = summary[summary["as_of"] == summary["as_of"].max()].dropna()
    x, t_x, T = (latest[name].to_numpy() for name in ("frequency", "recency", "T"))
    alive = _lifetimes(model).conditional_probability_alive(x, t_x, T)
    r, alpha = model.purchase_model_.params_["r"], model.purchase_model_.params_["alpha"]
    expected = 1 - alive + alive * ((alpha + T) / (alpha + T + HORIZON_DAYS)) ** (r + x)
    np.testing.assert_allclose(model.predict_proba(latest)[:, 1], expected, rtol=1e-9)


def test_bgnbd_scores_a_customer_without_purchases_as_new(summary):
    model = BGNBDChurnBaseline(horizon_days=HORIZON_DAYS).fit(summary)
    churn = model.predict_proba(summary.tail(1))[0, 1]
    assert churn == pytest.approx(_lifetimes(model).probability_of_n_purchases_up_to_time(HORIZON_DAYS, 0))


def test_bgnbd_horizon_and_time_unit(summary):
    days = BGNBDChurnBaseline(horizon_days=HORIZON_DAYS).fit(summary).predict_proba(summary)[:, 1]
    weekly = summary.assign(recency=summary["recency"] / 7, T=summary["T"] / 7)
    weeks = BGNBDChurnBaseline(horizon_days=HORIZON_DAYS, time_unit="weeks").fit(weekly).predict_proba(weekly)[:, 1]
    np.testing.assert_allclose(weeks, days, rtol=1e-4)  # the same model in another unit
    longer = BGNBDChurnBaseline(horizon_days=365).fit(summary).predict_proba(summary)[:, 1]
    assert (longer <= days + 1e-12).all()  # no purchase in a year is less likely than in 90 days


def test_bgnbd_needs_the_value_summary(summary):
    with pytest.raises(ValueError, match=r"value-summary features \['T'\]"):
        BGNBDChurnBaseline().fit(summary.drop(columns="T"))
    with pytest.raises(ValueError, match="horizon_days"):
        BGNBDChurnBaseline(horizon_days=0).fit(summary)


def test_logistic_learns_the_direction_of_a_feature():
    rng = np.random.default_rng(0)
    days = rng.uniform(0, 300, 2000)
    X = pd.DataFrame({"days_since_last_purchase": np.where(rng.random(2000) < 0.1, np.nan, days),
                      "plan": pd.Series(rng.choice(["basic", "premium"], 2000), dtype="str")})
    y = rng.random(2000) < 1 / (1 + np.exp(-(days - 150) / 30))
    model = LogisticChurnBaseline().fit(X, y)
    churn = model.predict_proba(pd.DataFrame({"days_since_last_purchase": [10.0, 290.0, np.nan],
                                              "plan": ["basic", "basic", None]}))[:, 1]
    assert churn[0] < 0.1 < 0.9 < churn[1] and 0 < churn[2] < 1
