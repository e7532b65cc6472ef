"""BG/NBD with time-invariant covariates (Fader & Hardie 2007, "Incorporating time-invariant covariates into
the Pareto/NBD and BG/NBD models"), fitted by maximum likelihood.

Customer i with covariates z_i (a row of numbers, e.g. one-hot plan, region, channel) has the
purchase-rate scale alpha_i = alpha0 exp(-g1' z_i) (a positive g1 raises the purchase rate) and
the dropout parameters a_i = a0 exp(g2' z_i), b_i = b0 exp(g3' z_i); r is shared. Given those,
the customer is a BG/NBD customer, so P(alive) and the expected purchases are BG/NBD's closed forms
per covariate pattern. The log-likelihood of BG/NBD (Fader, Hardie & Lee 2005, eq. 6),

    log L = log G(r + x) - log G(r) + r log alpha + log B(a, b + x) - log B(a, b) - (r + x) log(alpha + T)
            + log(1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)),

is summed over the distinct (pattern, x, t_x, T) rows with their counts, with its analytic gradient,
and maximised by L-BFGS-B from the fit without covariates.
"""

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln
from sklearn.base import BaseEstimator

from cxmodels.errors import DataError, ModelError
from cxmodels.features.value import PURCHASE_COLUMNS
from cxmodels.models._fitted import check_fitted
from cxmodels.models.clv import formulas
from cxmodels.models.clv._fitting import _hessian, _positive, fit_parameters
from cxmodels.models.clv.btyd import UNITS, _summary_columns
from cxmodels.models.clv.rows import compress

BASE = ("r", "alpha", "a", "b")


def covariate_matrix(customers: pd.DataFrame, columns, index: pd.Index | None = None) -> pd.DataFrame:
    """Numbers per customer from the customers table: each text `columns` one-hot without its most common
    level (the reference, so that the effects are against it), numeric columns as they are; indexed by
    customer_id, reindexed to `index` when given (a customer it lacks is an error)."""
    table = customers.set_index("customer_id") if "customer_id" in customers.columns else customers
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"the customers table has no column {missing}; it has {list(table.columns)}")
    parts = []
    for name in columns:
        column = table[name]
        if pd.api.types.is_numeric_dtype(column):
            parts.append(column.astype(float).rename(name).to_frame())
            continue
        text = column.astype("str").fillna("missing")
        reference = text.value_counts().index[0]
        levels = sorted(set(text) - {reference})
        parts.append(pd.DataFrame({f"{name}={level}": (text == level).astype(float) for level in levels},
                                  index=table.index))
    matrix = pd.concat(parts, axis=1)
    matrix.index = matrix.index.astype("str")
    if index is not None:
        absent = index.difference(matrix.index)
        if len(absent):
            raise DataError(f"{len(absent)} customers of the value summary are not in the customers table, "
                            f"e.g. {absent[0]!r}")
        matrix = matrix.reindex(index)
    if not np.isfinite(matrix.to_numpy()).all():
        raise DataError("the covariates have missing or infinite values; fill them before fitting")
    return matrix


class CovariateBGNBD(BaseEstimator):
    """BG/NBD with covariates on the purchase rate (alpha) and the dropout (a, b): the module docstring.

    `fit(X, Z)`: X the value summary (frequency, recency, T in `time_unit`), Z the covariates, a frame of
    numbers indexed like X (`covariate_matrix`). Learned: `params_` (r, alpha, a, b at Z = 0),
    `coefficients_` (a frame: one row per covariate, columns purchase (g1), dropout_a (g2), dropout_b (g3)),
    `standard_errors_` (the same shape, from the inverse Hessian), `log_likelihood_`, `n_customers_`.
    """

    def __init__(self, time_unit: str = "days", horizon_days: float = 365):
        self.time_unit = time_unit
        self.horizon_days = horizon_days

    def fit(self, X: pd.DataFrame, Z: pd.DataFrame) -> "CovariateBGNBD":
        columns = _summary_columns(X, False, False)
        Z = _checked(X, Z)
        patterns, code = _patterns(Z)
        rows = compress({"pattern": code.astype(float), **{c: columns[c] for c in PURCHASE_COLUMNS}},
                        np.ones(len(X)))
        base = fit_parameters("bgnbd", compress({c: columns[c] for c in PURCHASE_COLUMNS}, np.ones(len(X))))
        likelihood = _Likelihood(rows, patterns)
        start = np.concatenate([np.log([base.params[n] for n in BASE]), np.zeros(3 * patterns.shape[1])])

        def objective(theta):
            value, gradient = likelihood(theta)
            return -value / rows.customers, -gradient / rows.customers

        with np.errstate(all="ignore"):
            result = minimize(objective, start, jac=True, method="L-BFGS-B",
                              options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-9})
        if not (result.success or np.abs(result.jac).max() < 1e-5) or not np.isfinite(result.fun):
            raise ModelError(f"BG/NBD with covariates did not converge ({result.message}); check that the "
                             f"covariates are not collinear and each level has enough customers")
        hessian = rows.customers * _hessian(objective, result.x, result.jac)
        if not _positive(hessian):
            raise ModelError("BG/NBD with covariates: the Hessian at the optimum is not positive definite (a "
                             "covariate is collinear with others or constant); drop it")
        errors = np.sqrt(np.diag(np.linalg.inv(hessian)))
        k = patterns.shape[1]
        self.params_ = dict(zip(BASE, np.exp(result.x[:4]).tolist()))
        shape = (lambda v: pd.DataFrame(v[4:].reshape(3, k).T, index=Z.columns,
                                        columns=["purchase", "dropout_a", "dropout_b"]))
        self.coefficients_, self.standard_errors_ = shape(result.x), shape(errors)
        self.log_likelihood_ = float(-result.fun * rows.customers)
        self.n_customers_ = len(X)
        return self

    def customer_params(self, Z: pd.DataFrame) -> pd.DataFrame:
        """r, alpha, a, b of each customer (rows of Z)."""
        check_fitted(self, "params_")
        z = Z[list(self.coefficients_.index)].to_numpy(dtype=float)
        g = self.coefficients_.to_numpy()
        return pd.DataFrame({"r": self.params_["r"], "alpha": self.params_["alpha"] * np.exp(-z @ g[:, 0]),
                             "a": self.params_["a"] * np.exp(z @ g[:, 1]),
                             "b": self.params_["b"] * np.exp(z @ g[:, 2])}, index=Z.index)

    def predict(self, X: pd.DataFrame, Z: pd.DataFrame) -> pd.DataFrame:
        """p_alive and expected_purchases in `horizon_days`, per customer, indexed like X."""
        check_fitted(self, "params_")
        columns = _summary_columns(X, False, False)
        Z = _checked(X, Z)
        patterns, code = _patterns(Z)
        alive, expected = np.empty(len(X)), np.empty(len(X))
        each = self.customer_params(pd.DataFrame(patterns, columns=Z.columns))
        t = self.horizon_days / UNITS[self.time_unit]
        for p, params in enumerate(each.to_dict("records")):
            rows = code == p
            history = [columns[c][rows] for c in PURCHASE_COLUMNS]
            alive[rows] = formulas.p_alive("bgnbd", params, *history)
            expected[rows] = formulas.expected_purchases("bgnbd", params, *history, t)
        frame = pd.DataFrame({"p_alive": alive, "expected_purchases": expected}, index=X.index)
        if not np.isfinite(frame.to_numpy()).all():
            raise ModelError(f"BG/NBD with covariates: predictions are not finite with {self.params_} and "
                             f"coefficients {self.coefficients_.to_dict()}")
        return frame


def _checked(X: pd.DataFrame, Z: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(Z, pd.DataFrame) or not Z.index.equals(X.index):
        raise DataError("the covariates Z must be a DataFrame indexed like X (covariate_matrix(..., index=X.index))")
    if Z.shape[1] == 0:
        raise DataError("the covariates Z have no columns; use BTYDModel without covariates")
    return Z


def _patterns(Z: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of Z and the pattern of each customer."""
    patterns, code = np.unique(Z.to_numpy(dtype=float), axis=0, return_inverse=True)
    return patterns, code.ravel()


class _Likelihood:
    """The log-likelihood summed over distinct (pattern, x, t_x, T) rows and its gradient in
    (log r, log alpha0, log a0, log b0, g1, g2, g3)."""

    def __init__(self, rows, patterns: np.ndarray):
        self.z = patterns[rows["pattern"].astype(np.int64)]
        self.x, self.t_x, self.T, self.w = rows["frequency"], rows["recency"], rows["T"], rows.weight
        self.k = patterns.shape[1]

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        k, z, x, t_x, T, w = self.k, self.z, self.x, self.t_x, self.T, self.w
        r = np.exp(theta[0])
        alpha = np.exp(theta[1] - z @ theta[4:4 + k])
        a = np.exp(theta[2] + z @ theta[4 + k:4 + 2 * k])
        b = np.exp(theta[3] + z @ theta[4 + 2 * k:])
        buyer = x > 0
        b_x = np.where(buyer, b + x - 1, 1.0)
        spread = np.log(alpha + T) - np.log(alpha + t_x)
        d = np.log(a) - np.log(b_x) + (r + x) * spread
        dead = np.where(buyer, expit(d), 0.0)
        value = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
                 - (r + x) * np.log(alpha + T) + np.where(buyer, np.logaddexp(0.0, d), 0.0))
        d_r = digamma(r + x) - digamma(r) + np.log(alpha) - np.log(alpha + T) + dead * spread
        d_alpha = r / alpha - (r + x) / (alpha + T) + dead * (r + x) * (1 / (alpha + T) - 1 / (alpha + t_x))
        d_a = digamma(a + b) - digamma(a + b + x) + dead / a
        d_b = digamma(b + x) - digamma(a + b + x) - digamma(b) + digamma(a + b) - dead / b_x
        log_alpha, log_a, log_b = w * d_alpha * alpha, w * d_a * a, w * d_b * b
        gradient = np.concatenate([[w @ (d_r * r), log_alpha.sum(), log_a.sum(), log_b.sum()],
                                   -log_alpha @ z, log_a @ z, log_b @ z])
        return float(w @ value), gradient
