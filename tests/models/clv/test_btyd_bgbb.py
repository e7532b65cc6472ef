"""BG/BB on the donations of Fader, Hardie & Shang (2010): the published parameters and expectations, and
lifetimes' BetaGeoBetaBinomFitter as the oracle for P(alive) and the conditional expectations of every row."""

import numpy as np
import pytest
from lifetimes import BetaGeoBetaBinomFitter

from cxmodels.data.samples import (DONATIONS_CUSTOMERS, DONATIONS_PUBLISHED_EXPECTED_5_YEARS,
                                   DONATIONS_PUBLISHED_NEW_SUPPORTER, DONATIONS_PUBLISHED_PARAMETERS,
                                   donations_summary)
from cxmodels.models import BTYDModel

YEAR = 365.25


@pytest.fixture(scope="module")
def summary():
    return donations_summary()


@pytest.fixture(scope="module")
def fitted(summary):
    return BTYDModel("bgbb", time_unit="years", horizon_days=5 * YEAR).fit(summary)


@pytest.fixture(scope="module")
def oracle(fitted):
    fitter = BetaGeoBetaBinomFitter()
    fitter.params_ = {name: fitted.params_[name] for name in ("alpha", "beta", "gamma", "delta")}
    return fitter


def test_parameters_match_the_paper(fitted):
    assert fitted.n_customers_ == DONATIONS_CUSTOMERS and fitted.penalizer_ == 0.0
    for name, published in DONATIONS_PUBLISHED_PARAMETERS.items():
        assert fitted.params_[name] == pytest.approx(published, rel=1e-3), name
    assert fitted.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)  # the paper's, to its one decimal


def test_published_expectations(fitted, summary):
    for (x, t_x), published in DONATIONS_PUBLISHED_EXPECTED_5_YEARS.items():
        row = summary[(summary["frequency"] == x) & (summary["recency"] == t_x)]
        assert fitted.expected_purchases(row).iloc[0] == pytest.approx(published, abs=0.005)
    new = fitted.new_customer_purchases(np.arange(1, 12) * YEAR)
    np.testing.assert_allclose(new, DONATIONS_PUBLISHED_NEW_SUPPORTER, atol=5e-5)


def test_every_row_matches_lifetimes(fitted, oracle, summary):
    x, t_x, n = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    np.testing.assert_allclose(fitted.p_alive(summary), oracle.conditional_probability_alive(1, x, t_x, n),
                               rtol=1e-10)
    for years in (1, 5, 10):
        np.testing.assert_allclose(fitted.expected_purchases(summary, years * YEAR),
                                   oracle.conditional_expected_number_of_purchases_up_to_time(years, x, t_x, n),
                                   rtol=1e-10)
    predicted = fitted.predict(summary.drop(columns="weights"))
    assert list(predicted.columns) == ["p_alive", "expected_purchases", "expected_purchases_low",
                                       "expected_purchases_high"]
    assert predicted["expected_purchases"].tolist() == pytest.approx(fitted.expected_purchases(summary).tolist())


def test_weights_are_customers(fitted, summary):
    repeated = summary.loc[summary.index.repeat(summary["weights"])].drop(columns="weights")
    again = BTYDModel("bgbb", time_unit="years").fit(repeated)
    assert again.params_ == pytest.approx(fitted.params_, rel=1e-6)


def test_discrete_rules(summary):
    with pytest.raises(ValueError, match=r"X\['frequency'\] must not exceed recency for BG/BB"):
        BTYDModel("bgbb").fit(summary.assign(recency=summary["frequency"] - 1).clip(lower=0))
    with pytest.raises(ValueError, match=r"X\['T'\] must be a whole number of periods"):
        BTYDModel("bgbb").fit(summary.assign(T=6.5))


def test_a_spend_model_keeps_bgbb_s_own_gamma(fitted, summary):
    from cxmodels.models.clv.draws import draw_gamma_gamma_spend

    spend = {"p": 6.0, "q": 4.0, "gamma": 150.0}  # a spend scale far from BG/BB's gamma (0.657)
    with_spend = summary.assign(monetary_value=draw_gamma_gamma_spend(summary["frequency"], spend, seed=4))
    both = BTYDModel("bgbb", time_unit="years", horizon_days=5 * YEAR).fit(with_spend)
    assert both.params_["gamma"] == pytest.approx(fitted.params_["gamma"], rel=1e-9)
    assert both.spend_params_["gamma"] == both.params_["spend_gamma"] > 10  # the spend model's, not BG/BB's
    assert set(both.standard_errors_) == set(both.params_)
    predicted = both.predict(with_spend)
    assert predicted["expected_purchases"].to_numpy() == pytest.approx(fitted.predict(summary)["expected_purchases"])
    assert (predicted["clv"] > 0).all()
