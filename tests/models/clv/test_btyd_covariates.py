"""BG/NBD and Pareto/NBD with time-invariant covariates: the known effects recovered from simulated customers."""

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from cxmodels.data.samples import CDNOW_PUBLISHED_PARAMETERS
from cxmodels.errors import DataError, ModelError
from cxmodels.models.clv.covariates import LINKS, CovariateBTYD, PatternLikelihood, _patterns, covariate_matrix
from cxmodels.models.clv.draws import CDNOW_BGNBD_PER_DAY, draw_bgnbd_summary, draw_pareto_summary

# plan "pro" buys faster (purchase 0.6) and drops out less; region "south" changes nothing
EFFECTS = {"bgnbd": pd.DataFrame({"purchase": [0.6, 0.0], "dropout_a": [-0.5, 0.0], "dropout_b": [0.0, 0.0]},
                                 index=["plan=pro", "region=south"]),
           "pareto": pd.DataFrame({"purchase": [0.6, 0.0], "dropout": [-0.5, 0.0]}, index=["plan=pro", "region=south"])}
PER_DAY = {"bgnbd": CDNOW_BGNBD_PER_DAY,
           "pareto": {name: value * (7 if name in ("alpha", "beta") else 1)
                      for name, value in CDNOW_PUBLISHED_PARAMETERS["pareto"].items()}}
DRAW = {"bgnbd": draw_bgnbd_summary, "pareto": draw_pareto_summary}


def _customers(model: str, n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The value summary of `n` customers drawn with the EFFECTS of their plan and region, and the customers table."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro"], n, p=[0.6, 0.4])
    region = rng.choice(["north", "south"], n, p=[0.55, 0.45])
    parts, tables = [], []
    for i, (p, g) in enumerate([(p, g) for p in ("basic", "pro") for g in ("north", "south")]):
        z = np.array([p == "pro", g == "south"], dtype=float)
        params = dict(PER_DAY[model])
        for parameter, (link, sign) in LINKS[model].items():
            params[parameter] *= np.exp(sign * z @ EFFECTS[model][link].to_numpy())
        size = int(((plan == p) & (region == g)).sum())
        summary = DRAW[model](size, params, seed=seed + i)
        summary.index = [f"{p}-{g}-{j}" for j in range(size)]
        parts.append(summary)
        tables.append(pd.DataFrame({"customer_id": summary.index, "plan": p, "region": g}))
    summary = pd.concat(parts).rename_axis("customer_id")
    return summary, pd.concat(tables, ignore_index=True)


@pytest.mark.parametrize("model", sorted(LINKS))
def test_recovers_known_covariate_effects(model):
    summary, customers = _customers(model, 30_000, 3)
    Z = covariate_matrix(customers, ["plan", "region"], index=summary.index)
    assert list(Z.columns) == ["plan=pro", "region=south"]  # against the most common level
    fitted = CovariateBTYD(model).fit(summary, Z)
    error = (fitted.coefficients_ - EFFECTS[model]).abs()
    assert (error < 3.5 * fitted.standard_errors_).all().all(), (fitted.coefficients_, fitted.standard_errors_)
    assert (fitted.standard_errors_ < 0.3).all().all()  # the test can fail: the effects are determined
    for name, true in PER_DAY[model].items():
        assert fitted.params_[name] == pytest.approx(true, rel=0.3), name
    predicted = fitted.predict(summary, Z)
    assert predicted["p_alive"].between(0, 1).all() and (predicted["expected_purchases"] > 0).all()
    pro, new = Z["plan=pro"] == 1, summary["frequency"] == 0
    assert predicted.loc[pro & new, "expected_purchases"].mean() > predicted.loc[~pro & new, "expected_purchases"].mean()


def test_covariates_must_match_the_customers():
    summary, customers = _customers("bgnbd", 200, 5)
    with pytest.raises(DataError, match="no column \\['channel'\\]"):
        covariate_matrix(customers, ["channel"])
    with pytest.raises(DataError, match="1 customers of the value summary are not in the customers table"):
        covariate_matrix(customers.iloc[1:], ["plan"], index=summary.index)
    with pytest.raises(DataError, match="indexed like X"):
        CovariateBTYD().fit(summary, covariate_matrix(customers, ["plan"]).iloc[::-1])
    with pytest.raises(ModelError, match="not 'mbgnbd'"):
        CovariateBTYD("mbgnbd").fit(summary, covariate_matrix(customers, ["plan"], index=summary.index))
    many = draw_bgnbd_summary(1001)
    with pytest.raises(DataError, match="1,001 distinct rows .* bin numeric ones"):
        CovariateBTYD().fit(many, pd.DataFrame({"spend": np.arange(1001.0)}, index=many.index))


@pytest.mark.parametrize("model", sorted(LINKS))
def test_the_gradient_is_the_likelihood_s(model):
    summary, customers = _customers(model, 2000, 9)
    Z = covariate_matrix(customers, ["plan", "region"], index=summary.index)
    patterns, code = _patterns(Z)
    likelihood = PatternLikelihood(model, patterns, code, {c: summary[c].to_numpy() for c in summary.columns})
    base = np.log(list(PER_DAY[model].values()))
    theta = np.concatenate([base, np.zeros(likelihood.n_coefficients)])
    theta += np.random.default_rng(0).normal(0, 0.3, len(theta))
    numeric = optimize.approx_fprime(theta, lambda v: likelihood(v)[0], 1e-6)
    np.testing.assert_allclose(likelihood(theta)[1], numeric, rtol=1e-4, atol=1e-3)
