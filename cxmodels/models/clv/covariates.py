"""BG/NBD and Pareto/NBD with time-invariant covariates (Fader & Hardie 2007, "Incorporating time-invariant
covariates into the Pareto/NBD and BG/NBD models"), fitted by maximum likelihood.

Customer i with covariates z_i (a row of numbers, e.g. one-hot plan, region, channel) has its own
parameters, each covariate link (`LINKS`) multiplying one base parameter by exp(+-g' z_i):

- BG/NBD: alpha_i = alpha0 exp(-g1' z_i) (a positive g1 raises the purchase rate), a_i = a0 exp(g2' z_i),
  b_i = b0 exp(g3' z_i); r is shared.
- Pareto/NBD: alpha_i = alpha0 exp(-g1' z_i) (purchase rate) and beta_i = beta0 exp(-g2' z_i) (a positive g2
  raises the dropout rate); r and s are shared.

Given those, the customer is a plain BG/NBD or Pareto/NBD customer: the log-likelihood is the model's own
(likelihoods.py, with its analytic gradient) summed over each covariate pattern's distinct (x, t_x, T) rows,
its gradient carried to the coefficients by the chain rule, and maximised by L-BFGS-B from the fit
without covariates. P(alive) and the expected purchases are the model's closed forms per pattern.
"""

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sklearn.base import BaseEstimator

from cxmodels.errors import DataError, ModelError
from cxmodels.features.value import PURCHASE_COLUMNS
from cxmodels.models._fitted import check_fitted
from cxmodels.models.clv import formulas
from cxmodels.models.clv._fitting import _hessian, _positive, fit_parameters
from cxmodels.models.clv.likelihoods import LIKELIHOODS, PARAMETERS
from cxmodels.models.clv.btyd import UNITS, _summary_columns
from cxmodels.models.clv.rows import compress

# model: {parameter: (its coefficients' name, the sign of g' z in its exponent)}
LINKS = {"bgnbd": {"alpha": ("purchase", -1), "a": ("dropout_a", 1), "b": ("dropout_b", 1)},
         "pareto": {"alpha": ("purchase", -1), "beta": ("dropout", -1)}}
MAX_PATTERNS = 1000  # distinct covariate rows: each is fitted and predicted as its own group


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


class CovariateBTYD(BaseEstimator):
    """BG/NBD (`model="bgnbd"`) or Pareto/NBD (`"pareto"`) with covariates on the purchase rate and the
    dropout: the module docstring.

    `fit(X, Z)`: X the value summary (frequency, recency, T in `time_unit`), Z the covariates, a frame of
    numbers indexed like X (`covariate_matrix`). Learned: `params_` (the model's parameters at Z = 0),
    `coefficients_` (a frame: one row per covariate, one column per link of LINKS[model]),
    `standard_errors_` (the same shape, from the inverse Hessian), `log_likelihood_`, `n_customers_`.
    """

    def __init__(self, model: str = "bgnbd", time_unit: str = "days", horizon_days: float = 365):
        self.model = model
        self.time_unit = time_unit
        self.horizon_days = horizon_days

    def fit(self, X: pd.DataFrame, Z: pd.DataFrame) -> "CovariateBTYD":
        if self.model not in LINKS:
            raise ModelError(f"covariates are for {' and '.join(LINKS)}, not {self.model!r}")
        columns = _summary_columns(X, False, False)
        Z = _checked(X, Z)
        patterns, code = _patterns(Z)
        base = fit_parameters(self.model, compress({c: columns[c] for c in PURCHASE_COLUMNS}, np.ones(len(X))))
        likelihood = PatternLikelihood(self.model, patterns, code, columns)
        names = PARAMETERS[self.model]
        start = np.concatenate([np.log([base.params[n] for n in names]), np.zeros(likelihood.n_coefficients)])

        def objective(theta):
            value, gradient = likelihood(theta)
            return -value / len(X), -gradient / len(X)

        with np.errstate(all="ignore"):
            result = minimize(objective, start, jac=True, method="L-BFGS-B",
                              options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-9})
        label = f"{self.model} with covariates"
        if not (result.success or np.abs(result.jac).max() < 1e-5) or not np.isfinite(result.fun):
            raise ModelError(f"{label} did not converge ({result.message}); check that the covariates are not "
                             "collinear and each level has enough customers")
        hessian = len(X) * _hessian(objective, result.x, result.jac)
        if not _positive(hessian):
            raise ModelError(f"{label}: the Hessian at the optimum is not positive definite (a covariate is "
                             "collinear with others or constant); drop it")
        errors = np.sqrt(np.diag(np.linalg.inv(hessian)))
        k, links = patterns.shape[1], [name for name, _ in LINKS[self.model].values()]
        self.params_ = dict(zip(names, np.exp(result.x[:len(names)]).tolist()))
        shape = (lambda v: pd.DataFrame(v[len(names):].reshape(len(links), k).T, index=Z.columns, columns=links))
        self.coefficients_, self.standard_errors_ = shape(result.x), shape(errors)
        self.log_likelihood_ = float(-result.fun * len(X))
        self.n_customers_ = len(X)
        return self

    def customer_params(self, Z: pd.DataFrame) -> pd.DataFrame:
        """The model's parameters for each customer (rows of Z)."""
        check_fitted(self, "params_")
        z = Z[list(self.coefficients_.index)].to_numpy(dtype=float)
        each = {name: np.full(len(Z), value) for name, value in self.params_.items()}
        for parameter, (link, sign) in LINKS[self.model].items():
            each[parameter] = each[parameter] * np.exp(sign * z @ self.coefficients_[link].to_numpy())
        return pd.DataFrame(each, index=Z.index)

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
            alive[rows] = formulas.p_alive(self.model, params, *history)
            expected[rows] = formulas.expected_purchases(self.model, params, *history, t)
        frame = pd.DataFrame({"p_alive": alive, "expected_purchases": expected}, index=X.index)
        if not np.isfinite(frame.to_numpy()).all():
            raise ModelError(f"{self.model} with covariates: predictions are not finite with {self.params_} and "
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
    if len(patterns) > MAX_PATTERNS:
        raise DataError(f"the covariates have {len(patterns):,} distinct rows (at most {MAX_PATTERNS:,}): use "
                        "text columns with few levels, or bin numeric ones")
    return patterns, code.ravel()


class PatternLikelihood:
    """The model's log-likelihood summed over the covariate patterns, each pattern's distinct (x, t_x, T)
    rows evaluated with its own parameters, and its gradient in (log of each base parameter, then the
    coefficients of each link of LINKS[model], covariate by covariate)."""

    def __init__(self, model: str, patterns: np.ndarray, code: np.ndarray, columns: dict):
        self.model, self.z = model, patterns
        self.index = {name: i for i, name in enumerate(PARAMETERS[model])}
        self.groups = [LIKELIHOODS[model](compress({c: columns[c][code == p] for c in PURCHASE_COLUMNS}))
                       for p in range(len(patterns))]
        self.n_coefficients = len(LINKS[model]) * patterns.shape[1]

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        n, k = len(self.index), self.z.shape[1]
        log_params = np.tile(theta[:n], (len(self.z), 1))  # patterns x parameters
        for j, (parameter, (_, sign)) in enumerate(LINKS[self.model].items()):
            log_params[:, self.index[parameter]] += sign * self.z @ theta[n + j * k:n + (j + 1) * k]
        value, by_log = 0.0, np.empty_like(log_params)
        for p, group in enumerate(self.groups):
            part, by_log[p] = group(np.exp(log_params[p]))
            value += part
        gradient = [by_log.sum(axis=0)]
        for parameter, (_, sign) in LINKS[self.model].items():
            gradient.append(sign * by_log[:, self.index[parameter]] @ self.z)
        return value, np.concatenate(gradient)
