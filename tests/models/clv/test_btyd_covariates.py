"""BG/NBD with time-invariant covariates: the known effects recovered from simulated customers."""

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from cxmodels.errors import DataError
from cxmodels.models.clv.covariates import CovariateBGNBD, _Likelihood, _patterns, covariate_matrix
from cxmodels.models.clv.draws import CDNOW_BGNBD_PER_DAY, draw_bgnbd_summary
from cxmodels.models.clv.rows import compress

# plan "pro" buys faster (g1 = 0.6) and drops out less (a lower: g2 = -0.5); region "south" changes nothing
EFFECTS = pd.DataFrame({"purchase": [0.6, 0.0], "dropout_a": [-0.5, 0.0], "dropout_b": [0.0, 0.0]},
                       index=["plan=pro", "region=south"])


def _customers(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The value summary of `n` customers drawn with the EFFECTS of their plan and region, and the customers table."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro"], n, p=[0.6, 0.4])
    region = rng.choice(["north", "south"], n, p=[0.55, 0.45])
    parts, tables = [], []
    for i, (p, g) in enumerate([(p, g) for p in ("basic", "pro") for g in ("north", "south")]):
        z = np.array([p == "pro", g == "south"], dtype=float)
        params = dict(CDNOW_BGNBD_PER_DAY)
        params["alpha"] *= np.exp(-z @ EFFECTS["purchase"].to_numpy())
        params["a"] *= np.exp(z @ EFFECTS["dropout_a"].to_numpy())
        params["b"] *= np.exp(z @ EFFECTS["dropout_b"].to_numpy())
        size = int(((plan == p) & (region == g)).sum())
        summary = draw_bgnbd_summary(size, params, seed=seed + i)
        summary.index = [f"{p}-{g}-{j}" for j in range(size)]
        parts.append(summary)
        tables.append(pd.DataFrame({"customer_id": summary.index, "plan": p, "region": g}))
    summary = pd.concat(parts).rename_axis("customer_id")
    return summary, pd.concat(tables, ignore_index=True)


def test_recovers_known_covariate_effects():
    summary, customers = _customers(30_000, 3)
    Z = covariate_matrix(customers, ["plan", "region"], index=summary.index)
    assert list(Z.columns) == ["plan=pro", "region=south"]  # against the most common level
    model = CovariateBGNBD().fit(summary, Z)
    error = (model.coefficients_ - EFFECTS).abs()
    assert (error < 3.5 * model.standard_errors_).all().all(), (model.coefficients_, model.standard_errors_)
    assert (model.standard_errors_ < 0.3).all().all()  # the test can fail: the effects are determined
    for name, true in CDNOW_BGNBD_PER_DAY.items():
        assert model.params_[name] == pytest.approx(true, rel=0.25), name
    predicted = model.predict(summary, Z)
    assert predicted["p_alive"].between(0, 1).all() and (predicted["expected_purchases"] > 0).all()
    pro = Z["plan=pro"] == 1
    assert predicted.loc[pro & (summary["frequency"] == 0), "expected_purchases"].mean() > \
        predicted.loc[~pro & (summary["frequency"] == 0), "expected_purchases"].mean()


def test_covariates_must_match_the_customers():
    summary, customers = _customers(200, 5)
    with pytest.raises(DataError, match="no column \\['channel'\\]"):
        covariate_matrix(customers, ["channel"])
    with pytest.raises(DataError, match="1 customers of the value summary are not in the customers table"):
        covariate_matrix(customers.iloc[1:], ["plan"], index=summary.index)
    with pytest.raises(DataError, match="indexed like X"):
        CovariateBGNBD().fit(summary, covariate_matrix(customers, ["plan"]).iloc[::-1])


def test_the_gradient_is_the_likelihood_s():
    summary, customers = _customers(2000, 9)
    Z = covariate_matrix(customers, ["plan", "region"], index=summary.index)
    patterns, code = _patterns(Z)
    rows = compress({"pattern": code.astype(float), **{c: summary[c].to_numpy() for c in ("frequency", "recency", "T")}})
    likelihood = _Likelihood(rows, patterns)
    theta = np.random.default_rng(0).normal(0, 0.3, 4 + 3 * 2) + np.array([-1.4, 3.4, -0.2, 0.9] + [0] * 6)
    numeric = optimize.approx_fprime(theta, lambda v: likelihood(v)[0], 1e-6)
    np.testing.assert_allclose(likelihood(theta)[1], numeric, rtol=1e-4, atol=1e-3)
