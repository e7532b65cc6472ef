"""Our log-space closed forms against lifetimes' on CDNOW, and against 60-digit references for heavy buyers."""

from math import factorial, gamma

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from scipy.special import beta

from cxmodels.data.samples import cdnow
from cxmodels.features import value_summary
from cxmodels.models.clv import formulas
from cxmodels.models.clv._fitting import fit_parameters
from cxmodels.models.clv.rows import compress

FITTERS = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter, "pareto": ParetoNBDFitter}
PARAMS = {
    "bgnbd": {"r": 0.2426, "alpha": 4.4137, "a": 0.793, "b": 2.4262},
    "mbgnbd": {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614},
    "pareto": {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.66},
    "pareto_far": {"r": 1.8757, "alpha": 1313.93, "s": 0.15056, "beta": 0.18846},  # alpha >> beta
}
# (frequency, recency, T) -> P(alive), expected purchases in the next 52, from the published
# formulas evaluated with mpmath at 60 digits. lifetimes 0.11.3 returns NaN for Pareto/NBD
# at recency = T and for "pareto_far" at (500, 1, 10), and inf for MBG/NBD at (500, 1, 10).
HEAVY = {
    "bgnbd": {(500, 999, 1000): (0.99740377191911426, 25.31862226483861),
              (500, 900, 1000): (1.0402478018353531e-20, 2.6406197668394099e-19),
              (5000, 999.9, 1000): (0.99973921636553206, 253.65062749883066),
              (500, 1, 10): (1.1405494763918385e-210, 1.0268478217922518e-207)},
    "mbgnbd": {(500, 999, 1000): (0.99708668214134371, 25.219017641190185),
               (5000, 999.9, 1000): (0.99970725692307281, 252.59455168320387),
               (500, 1, 10): (1.5442324853662569e-174, 1.2055504107036824e-171)},
    "pareto": {(500, 900, 1000): (1.7350150729909231e-20, 4.4010041891856068e-19),
               (5000, 999.9, 1000): (0.99992249742243852, 253.38612832803534),
               (300, 1000, 1000): (1.0, 15.230688239506695)},
    "pareto_far": {(500, 999, 1000): (0.99983182187664087, 11.233271784686461),
                   (300, 1000, 1000): (1.0, 6.7578928008386164),
                   (500, 1, 10): (0.15103993995388433, 2.5056690445610366)},
}


@pytest.fixture(scope="module")
def master_weeks():
    return value_summary(cdnow(sample=False)["transactions"], "1997-10-01", time_unit="weeks")


@pytest.mark.parametrize("model", sorted(FITTERS))
def test_equal_lifetimes_on_cdnow(master_weeks, model):
    x, t_x, T = (master_weeks[c].to_numpy() for c in ("frequency", "recency", "T"))
    fitter = FITTERS[model]()
    fitter.params_ = pd.Series(PARAMS[model])
    np.testing.assert_allclose(formulas.p_alive(model, PARAMS[model], x, t_x, T),
                               fitter.conditional_probability_alive(x, t_x, T), rtol=1e-10, atol=1e-14)
    for t in (1.0, 39.0, 52.0, 500.0):
        np.testing.assert_allclose(formulas.expected_purchases(model, PARAMS[model], x, t_x, T, t),
                                   fitter.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T),
                                   rtol=1e-8, atol=1e-12)
    t = np.array([1.0, 39.0, 78.0])
    np.testing.assert_allclose(formulas.expected_purchases(model, PARAMS[model], 0, 0, 0, t),
                               fitter.expected_number_of_purchases_up_to_time(t), rtol=1e-10)


def test_times_broadcast_into_rows():
    x, t_x, T = np.array([0.0, 3.0, 10.0]), np.array([0.0, 20.0, 30.0]), np.array([35.0, 35.0, 38.0])
    t = np.array([[13.0], [26.0]])
    both = formulas.expected_purchases("bgnbd", PARAMS["bgnbd"], x, t_x, T, t)
    assert both.shape == (2, 3)
    np.testing.assert_allclose(both[1], formulas.expected_purchases("bgnbd", PARAMS["bgnbd"], x, t_x, T, 26.0))


@pytest.mark.parametrize("name", sorted(HEAVY))
def test_heavy_buyers_stay_finite_and_exact(name):
    model = "pareto" if name.startswith("pareto") else name
    for (x, t_x, T), (alive, purchases) in HEAVY[name].items():
        assert formulas.p_alive(model, PARAMS[name], x, t_x, T) == pytest.approx(alive, rel=1e-9)
        assert formulas.expected_purchases(model, PARAMS[name], x, t_x, T, 52.0) == pytest.approx(
            purchases, rel=1e-9)


def test_gamma_gamma_equals_lifetimes(cdnow_weeks):
    spends = cdnow_weeks[(cdnow_weeks["frequency"] > 0) & (cdnow_weeks["monetary_value"] > 0)]
    params = fit_parameters("gammagamma", compress({c: spends[c].to_numpy() for c in ("frequency", "monetary_value")})).params
    fitter = GammaGammaFitter()
    fitter.params_ = pd.Series({"p": params["p"], "q": params["q"], "v": params["gamma"]})
    np.testing.assert_allclose(
        formulas.expected_order_value(params, spends["frequency"], spends["monetary_value"]),
        fitter.conditional_expected_average_profit(spends["frequency"], spends["monetary_value"]), rtol=1e-12)
    assert formulas.population_order_value(params) == pytest.approx(
        params["p"] * params["gamma"] / (params["q"] - 1))


BTYD_EXAMPLE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # the parameters of R BTYD's bgnbd.pmf examples


def _btyd_bgnbd_pmf(params: dict, t: float, x: int) -> float:
    """R BTYD's bgnbd.pmf.General(params, 0, t, x) (cran/BTYD, R/bgnbd.R), written out in Python: the
    published finite sum, independent of our incomplete-beta form."""
    r, alpha, a, b = (params[name] for name in ("r", "alpha", "a", "b"))
    term1 = beta(a, b + x) / beta(a, b) * gamma(r + x) / gamma(r) / factorial(x) * (alpha / (alpha + t)) ** r * (
        t / (alpha + t)) ** x
    if x == 0:
        return term1
    summation = sum(gamma(r + i) / gamma(r) / factorial(i) * (t / (alpha + t)) ** i for i in range(x))
    return term1 + beta(a + 1, b + x - 1) / beta(a, b) * (1 - (alpha / (alpha + t)) ** r * summation)


@pytest.mark.parametrize(("t", "counts"), [(2.0, [10]), (39.0, range(11)), (30.0, range(11, 21))])
def test_probability_of_n_purchases_equals_r_btyd_and_lifetimes(t, counts):
    """P(X(t) = n) for BG/NBD at the arguments of R BTYD's bgnbd.pmf examples (t = 2, x = 10; t = 39, x = 0;
    t = 30, x = 11:20; and x = 0:10 at t = 39), against BTYD's formula and lifetimes."""
    counts = np.array(list(counts))
    ours = formulas.probability_of_n_purchases("bgnbd", BTYD_EXAMPLE, t, counts)
    np.testing.assert_allclose(ours, [_btyd_bgnbd_pmf(BTYD_EXAMPLE, t, int(n)) for n in counts], rtol=1e-10)
    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series(BTYD_EXAMPLE)
    np.testing.assert_allclose(ours, [fitter.probability_of_n_purchases_up_to_time(t, int(n)) for n in counts],
                               rtol=1e-10)
