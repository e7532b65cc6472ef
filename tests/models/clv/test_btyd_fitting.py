"""Our BTYD likelihoods and fits against lifetimes, mpmath and finite differences, and the safeguards of #18:
a fit that does not converge, one where nobody drops out, predictions that are not finite."""

import mpmath
import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoBetaBinomFitter, BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

from cxmodels.data.samples import donations_summary
from cxmodels.errors import ModelError
from cxmodels.models import BTYDFitError, BTYDModel
from cxmodels.models.clv import btyd
from cxmodels.models.clv._fitting import Fit, fit_parameters
from cxmodels.models.clv.likelihoods import LIKELIHOODS, PARAMETERS, log_tail
from cxmodels.models.clv.rows import compress

LIFETIMES = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter, "pareto": ParetoNBDFitter,
             "gammagamma": GammaGammaFitter, "bgbb": BetaGeoBetaBinomFitter}
AT = {"bgnbd": (0.2426, 4.4137, 0.793, 2.4262), "mbgnbd": (0.525, 6.183, 0.891, 1.614),
      "pareto": (0.553, 10.58, 0.606, 11.66), "gammagamma": (6.25, 3.74, 15.44), "bgbb": (1.204, 0.75, 0.657, 2.783)}
EXTREME = {"bgnbd": (1e-3, 1e4, 5e3, 1e6), "mbgnbd": (30.0, 1e-2, 1e-3, 1e-3),
           "pareto": (1.8757, 1313.93, 0.15056, 0.18846), "gammagamma": (50.0, 1.01, 1e-3),
           "bgbb": (1e-3, 1e3, 1e4, 1e-2)}


@pytest.fixture(scope="module")
def data(cdnow_weeks):
    """(frame, distinct rows) of each model: CDNOW in weeks, its repeat buyers, the donations."""
    spends = cdnow_weeks[(cdnow_weeks["frequency"] > 0) & (cdnow_weeks["monetary_value"] > 0)]
    donations = donations_summary()
    frames = {"bgnbd": cdnow_weeks, "mbgnbd": cdnow_weeks, "pareto": cdnow_weeks, "gammagamma": spends,
              "bgbb": donations}
    columns = {model: ("frequency", "monetary_value") if model == "gammagamma" else ("frequency", "recency", "T")
               for model in frames}
    return {model: (frame, compress({c: frame[c].to_numpy(dtype=float) for c in columns[model]},
                                    frame["weights"].to_numpy(dtype=float) if "weights" in frame else None))
            for model, frame in frames.items()}


def lifetimes_log_likelihood(model: str, params, rows) -> float:
    """lifetimes' own log-likelihood of `params` summed over the distinct rows with their weights."""
    w = rows.weight
    if model == "pareto":
        return float(w @ ParetoNBDFitter._conditional_log_likelihood(params, rows["frequency"], rows["recency"],
                                                                         rows["T"]))
    if model == "gammagamma":
        arguments = (rows["frequency"], rows["monetary_value"])
    else:
        arguments = (rows["frequency"].astype(int), rows["recency"], rows["T"])
    return float(-LIFETIMES[model]._negative_log_likelihood(np.log(params), *arguments, w, 0.0) * w.sum())


@pytest.mark.parametrize("model", sorted(AT))
def test_log_likelihood_equals_lifetimes(data, model):
    _, rows = data[model]
    for params in (AT[model], EXTREME[model]) if model != "bgbb" else (AT[model],):  # see the next test
        value, _ = LIKELIHOODS[model](rows)(params)
        assert value == pytest.approx(lifetimes_log_likelihood(model, params, rows), rel=1e-10)


def test_bgbb_log_likelihood_against_mpmath_where_lifetimes_underflows():
    """lifetimes sums BG/BB's terms outside log space, from 1e-15: at extreme parameters it returns log(1e-15)."""
    mpmath.mp.dps = 30
    alpha, beta, gamma, delta = EXTREME["bgbb"]
    named = dict(zip(PARAMETERS["bgbb"], EXTREME["bgbb"]))
    for x, t_x in [(0, 0), (1, 1), (3, 5), (6, 6)]:
        terms = [mpmath.beta(alpha + x, beta + 6 - x) * mpmath.beta(gamma, delta + 6)]
        terms += [mpmath.beta(alpha + x, beta + t_x - x + i) * mpmath.beta(gamma + 1, delta + t_x + i)
                  for i in range(6 - t_x)]
        reference = mpmath.log(sum(terms) / (mpmath.beta(alpha, beta) * mpmath.beta(gamma, delta)))
        ours = btyd.formulas.bgbb_log_likelihood(named, x, t_x, 6)
        assert float(ours) == pytest.approx(float(reference), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("model", sorted(AT))
def test_gradient_equals_central_differences(data, model):
    likelihood = LIKELIHOODS[model](data[model][1])
    for params in (AT[model], EXTREME[model]):
        value, gradient = likelihood(params)
        assert np.isfinite(value) and np.isfinite(gradient).all()
        step = 1e-4
        for i in range(len(params)):
            up, down = np.array(params, dtype=float), np.array(params, dtype=float)
            up[i] *= np.exp(step)
            down[i] *= np.exp(-step)
            central = (likelihood(up)[0] - likelihood(down)[0]) / (2 * step)
            assert gradient[i] == pytest.approx(central, rel=1e-5, abs=1e-5 * abs(value)), (params, i)


def pareto_tail_by_mpmath(params, x: int, t: float) -> tuple[float, np.ndarray]:
    """log I(t) of Pareto/NBD by Fader & Hardie's own (untransformed) hypergeometric form, at 40 digits, and
    its gradient by mpmath's differentiation: I(t) = 2F1(r + s + x, c; r + s + x + 1; |alpha - beta| /
    (max + t)) / ((r + s + x) (max + t)^(r + s + x)), c = s + 1 if alpha >= beta else r + x (note 009, eq. 19-20)."""
    mpmath.mp.dps = 40

    def log_i(r, alpha, s, beta):
        m = r + s + x
        big, c = (alpha, s + 1) if alpha >= beta else (beta, r + x)
        return mpmath.log(mpmath.hyp2f1(m, c, m + 1, abs(alpha - beta) / (big + t))) - m * mpmath.log(big + t) \
            - mpmath.log(m)

    point = [mpmath.mpf(v) for v in params]
    gradient = [mpmath.diff(lambda v, i=i: log_i(*(v if j == i else p for j, p in enumerate(point))), point[i])
                for i in range(4)]
    return float(log_i(*point)), np.array([float(g) for g in gradient])


@pytest.mark.parametrize("params", [(0.553, 10.58, 0.606, 11.66), (1.8757, 1313.93, 0.15056, 0.18846),
                                    (0.3, 0.01, 5.0, 3000.0), (50.0, 3.0, 0.01, 1e-3)],
                         ids=["cdnow", "alpha>>beta", "alpha<<beta", "heavy-r"])
def test_pareto_tail_against_mpmath(params):
    """Heavy buyers, t = 0 and argument close to 1, where lifetimes' A_0 overflows or returns NaN."""
    for x, t in [(0, 0.0), (1, 1.0), (3, 5.0), (40, 80.0), (500, 1000.0)]:
        value, gradient = log_tail(params, np.array([float(x)]), np.array([t]))
        reference, reference_gradient = pareto_tail_by_mpmath(params, x, t)
        assert value[0] == pytest.approx(reference, rel=1e-12, abs=1e-11)
        np.testing.assert_allclose(gradient[:, 0], reference_gradient, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("model", sorted(AT))
def test_same_optimum_as_lifetimes(data, model):
    """Our optimum is lifetimes' on the same rows, its log-likelihood at least as high; the standard errors are
    lifetimes' too (inverse Hessian, delta method; lifetimes computes none for Pareto/NBD)."""
    frame, rows = data[model]
    columns = ("frequency", "monetary_value") if model == "gammagamma" else ("frequency", "recency", "T")
    options = {"initial_params": np.ones(4)} if model == "pareto" else {}
    fitter = LIFETIMES[model]().fit(*(rows[c] for c in columns), weights=rows.weight, **options)
    theirs = dict(zip(PARAMETERS[model], fitter.params_.to_numpy(dtype=float)))
    ours = fit_parameters(model, rows)
    assert ours.penalizer == 0 and ours.attempts == ("penalizer 0.0: converged",)
    for name in PARAMETERS[model]:
        assert ours.params[name] == pytest.approx(theirs[name], rel=2e-4), name
    assert ours.log_likelihood >= lifetimes_log_likelihood(model, list(theirs.values()), rows) - 1e-6
    assert ours.log_likelihood == pytest.approx(LIKELIHOODS[model](rows)(list(ours.params.values()))[0], rel=1e-12)
    if model != "pareto":
        errors = fitter.standard_errors_.to_numpy(dtype=float)
        np.testing.assert_allclose([ours.standard_errors[n] for n in PARAMETERS[model]], errors, rtol=2e-3)


def test_estimator_exposes_the_fit(cdnow_weeks):
    model = BTYDModel("bgnbd", time_unit="weeks").fit(cdnow_weeks)
    assert set(model.standard_errors_) == set(model.params_) == {"r", "alpha", "a", "b", "p", "q", "gamma"}
    assert all(0 < model.standard_errors_[k] < model.params_[k] for k in ("r", "alpha", "p"))
    assert model.log_likelihood_ < 0 and model.spend_log_likelihood_ < 0
    assert model.fit_attempts_ == ("bgnbd penalizer 0.0: converged", "gammagamma penalizer 0.0: converged")
    purchases_only = BTYDModel("bgnbd", time_unit="weeks").fit(cdnow_weeks.drop(columns="monetary_value"))
    assert purchases_only.spend_log_likelihood_ is None and purchases_only.spend_penalizer_ is None
    assert purchases_only.log_likelihood_ == model.log_likelihood_


def poisson_buyers(n: int, rates: np.ndarray, seed: int) -> pd.DataFrame:
    """Customers who buy as Poisson processes of `rates` per day for 200-364 days and never drop out."""
    rng = np.random.default_rng(seed)
    T = rng.integers(200, 365, n).astype(float)
    counts = rng.poisson(rates * T)
    last = np.where(counts > 0, np.round(T * rng.beta(np.maximum(counts, 1), 1)), 0.0)
    return pd.DataFrame({"frequency": counts.astype(float), "recency": last, "T": T})


def test_a_fit_that_does_not_converge_is_retried_with_a_penalizer():
    """One purchase rate for all and no sign of dropout in recency: the likelihood rises along a ridge (a and b
    growing together), which lifetimes' BetaGeoFitter reports as a ConvergenceError; a penalizer ends it."""
    rng = np.random.default_rng(0)
    T = rng.integers(200, 365, 2000).astype(float)
    frequency = rng.poisson(3, 2000).astype(float)
    summary = pd.DataFrame({"frequency": frequency, "recency": np.where(frequency > 0, np.round(T * rng.random(2000)),
                                                                        0.0), "T": T})
    model = BTYDModel("bgnbd").fit(summary)
    assert model.penalizer_ == 0.001
    assert model.fit_attempts_[0].startswith("bgnbd penalizer 0.0: ") and "converged" not in model.fit_attempts_[0]
    assert model.fit_attempts_[1] == "bgnbd penalizer 0.001: converged"
    assert np.isfinite(model.predict(summary).to_numpy()).all()


def test_no_penalizer_converges_raises_naming_each_attempt():
    summary = pd.DataFrame({"frequency": 0.0, "recency": 0.0, "T": np.arange(20.0, 320.0)})  # nobody came back
    with pytest.raises(BTYDFitError, match=r"bgnbd did not converge on 300 customers; tried penalizer 0\.0: .*"
                                           r"penalizer 0\.001: .*penalizer 0\.01: .*penalizer 0\.1: .*penalizer 1\.0: "
                                           r".*try another model") as raised:
        BTYDModel("bgnbd").fit(summary)
    assert len(raised.value.attempts) == 5


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto"])
def test_a_fit_where_nobody_drops_out_is_degenerate(model):
    """Everyone still buying at their own Poisson rate: the dropout runs to its edge, "nobody drops out",
    and the fit fails at once rather than being propped up by a penalizer."""
    summary = poisson_buyers(2000, np.full(2000, 0.03), seed=2)
    with pytest.raises(BTYDFitError, match=rf"{model} fit on 2,000 customers is degenerate: nobody drops out") as raised:
        BTYDModel(model).fit(summary)
    assert raised.value.attempts[-1].split(": ")[1].startswith("degenerate")


def test_mbgnbd_ridge_fit_predicts_finite_values_for_one_time_buyers():
    """The MBG/NBD case of #18 (expected_purchases infinite for every customer without a repeat purchase) came
    from a fit run far along the ridge where a and b grow together: that fit is now refused, and the one the
    penalizer gives predicts finite values for every training row, one-time buyers included."""
    rng = np.random.default_rng(1)
    T = rng.uniform(20, 500, 300)
    frequency = rng.poisson(2, 300).astype(float)
    summary = pd.DataFrame({"frequency": frequency, "recency": np.where(frequency > 0, T * rng.random(300), 0.0),
                            "T": T})
    model = BTYDModel("mbgnbd", horizon_days=365).fit(summary)
    assert model.penalizer_ > 0 and "converged" not in model.fit_attempts_[0]
    one_time = summary[summary["frequency"] == 0]
    assert len(one_time) > 30 and np.isfinite(model.expected_purchases(one_time)).all()


NOT_FINITE = {"r": 0.5, "alpha": 2.0, "a": 1.5, "b": 200.0}  # scipy's hyp2f1 gives NaN for young one-time buyers


def test_fit_rejects_a_model_whose_own_predictions_are_not_finite(monkeypatch):
    young = pd.DataFrame({"frequency": [0.0, 0.0, 2.0], "recency": [0.0, 0.0, 50.0], "T": [3.0, 100.0, 200.0]})
    converged = Fit(NOT_FINITE, 0.0, -1.0, dict.fromkeys(NOT_FINITE, 0.1), ("penalizer 0.0: converged",),
                    np.diag([0.01] * 4))
    monkeypatch.setattr(btyd, "fit_parameters", lambda model, rows, penalizer: converged)
    model = BTYDModel("mbgnbd", horizon_days=365)
    with pytest.raises(BTYDFitError, match=r"mbgnbd: expected_purchases is not finite for 1 of 3 values, e\.g\. "
                                           r"training row 'frequency 0, recency 0, T 3'.*the fit is rejected"):
        model.fit(young)
    assert not [name for name in vars(model) if name.endswith("_")]  # nothing learned is left behind


def test_every_prediction_path_checks_finiteness_the_same_way(cdnow_weeks):
    model = BTYDModel("mbgnbd", horizon_days=365).fit(cdnow_weeks.assign(recency=cdnow_weeks["recency"] * 7,
                                                                        T=cdnow_weeks["T"] * 7))
    model.params_ = {**model.params_, **NOT_FINITE}
    young = pd.DataFrame({"frequency": [1.0, 0.0], "recency": [2.0, 0.0], "T": [400.0, 3.0],
                          "monetary_value": [20.0, 0.0]}, index=pd.Index(["old", "new"], name="customer_id"))
    for call in (model.predict, model.expected_purchases):
        with pytest.raises(ModelError, match=r"^mbgnbd: expected_purchases is not finite .* e\.g\. customer 'new'"):
            call(young)
    with pytest.raises(ModelError, match=r"^mbgnbd: new_customer_purchases is not finite .* e\.g\. time 0"):
        model.new_customer_purchases([365.0])
    model.params_["alpha"] = np.inf
    with pytest.raises(ModelError, match=r"^mbgnbd: p_alive is not finite for 2 of 2 values, e\.g\. customer 'old'"):
        model.p_alive(young)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto"])
def test_probability_of_n_purchases_equals_lifetimes(cdnow_weeks, model):
    """lifetimes' probability_of_n_purchases_up_to_time (BG/NBD, MBG/NBD); for Pareto/NBD its conditional
    version (Hardie's note 028) at no history, which is the same for a new customer."""
    fitted = BTYDModel(model, time_unit="weeks").fit(cdnow_weeks[["frequency", "recency", "T"]])
    fitter = LIFETIMES[model]()
    fitter.params_ = pd.Series({name: fitted.params_[name] for name in PARAMETERS[model]})
    for weeks in (13, 52):
        ours = fitted.probability_of_n_purchases_up_to_time(7 * weeks, np.arange(8))
        theirs = [fitter.conditional_probability_of_n_purchases_up_to_time(n, weeks, 0, 0, 0) if model == "pareto"
                  else fitter.probability_of_n_purchases_up_to_time(weeks, n) for n in range(8)]
        np.testing.assert_allclose(ours, theirs, rtol=1e-9)
        assert fitted.probability_of_n_purchases_up_to_time(7 * weeks, np.arange(2000)).sum() == pytest.approx(1)
    with pytest.raises(ValueError, match="n must be whole numbers >= 0"):
        fitted.probability_of_n_purchases_up_to_time(7, [1.5])


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto", "gammagamma"])
def test_penalizer_is_lifetimes_penalizer_coef(data, model):
    """The same penalized optimum as lifetimes' penalizer_coef (time scales in units of the longest T), except
    that lifetimes' Pareto/NBD divides by the mean weight where the others divide by the sum: c there is c / rows."""
    _, rows = data[model]
    columns = ("frequency", "monetary_value") if model == "gammagamma" else ("frequency", "recency", "T")
    penalizer = 0.001 if model == "gammagamma" else 0.05  # Gamma-Gamma's gamma is in money: 15 for CDNOW
    coefficient = penalizer * (len(rows.weight) if model == "pareto" else 1)
    options = {"initial_params": np.ones(4)} if model == "pareto" else {}
    fitter = LIFETIMES[model](coefficient).fit(*(rows[c] for c in columns), weights=rows.weight, **options)
    ours = fit_parameters(model, rows, penalizer=penalizer)
    assert ours.penalizer == penalizer
    unpenalized = fit_parameters(model, rows)
    for name, theirs in zip(PARAMETERS[model], fitter.params_.to_numpy(dtype=float)):
        assert ours.params[name] == pytest.approx(theirs, rel=1e-3), name
    assert max(abs(ours.params[k] / unpenalized.params[k] - 1) for k in ours.params) > 1e-2  # it does penalize
