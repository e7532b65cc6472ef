"""Maximum-likelihood fits of the BTYD models: our likelihoods, L-BFGS-B on the log-parameters, checked.

The objective is the mean negative log-likelihood per customer plus `penalizer` times the
sum of the squared parameters, with the purchase models' time scales (alpha, and beta of
Pareto/NBD) measured in units of the longest T in the data. That is lifetimes'
`penalizer_coef` for BG/NBD, MBG/NBD, Gamma-Gamma and BG/BB; lifetimes' Pareto/NBD divides
the log-likelihood by the mean weight instead, so its `penalizer_coef` c on N rows is our
c / N. A fit on more than SUBSAMPLE customers starts from a fit on a thinned sample of them.

A fit has converged when the optimiser stops with every log-parameter inside +-LOG_BOUND,
a gradient of the objective below GRADIENT_TOLERANCE and a positive definite Hessian that
determines every log-parameter within MAX_LOG_STANDARD_ERROR. One that has not is retried with
the penalizers of RETRY_PENALIZERS above the one given; when none converges, BTYDFitError
says what each attempt gave. Standard errors come from the inverse Hessian of the penalized
negative log-likelihood at the optimum (forward differences of the analytic gradient in the
log-parameters, then the delta method), in the units of the parameters.

A fit is degenerate when a dropout parameter runs to the edge where nobody drops out (a -> 0
or b -> infinity; s -> 0 or beta -> infinity; gamma -> 0 or delta -> infinity), or, once
converged, when the mean dropout is below DROPOUT_FLOOR or p_alive is within P_ALIVE_SPREAD of
one value for every customer. That raises BTYDFitError at once: a larger penalizer would only
hide it.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from cxmodels.errors import ModelError
from cxmodels.models.clv.formulas import p_alive
from cxmodels.models.clv.likelihoods import LIKELIHOODS, PARAMETERS
from cxmodels.models.clv.rows import Rows

RETRY_PENALIZERS = (0.001, 0.01, 0.1, 1.0)
LOG_BOUND = 30.0  # parameters between e^-30 and e^30 (about 1e-13 and 1e13)
GRADIENT_TOLERANCE = 1e-5
SUBSAMPLE = 20_000
MAX_LOG_STANDARD_ERROR = 5.0  # a parameter known only within a factor e^5 is not determined
DROPOUT_FLOOR = 1e-4  # below this mean dropout, nobody drops out: the fit has degenerated
P_ALIVE_SPREAD = 1e-3  # p_alive within this of one value for every customer: the fit has degenerated
NO_DROPOUT = {"bgnbd": {"a": -1, "b": 1}, "mbgnbd": {"a": -1, "b": 1}, "pareto": {"s": -1, "beta": 1},
              "bgbb": {"gamma": -1, "delta": 1}}  # the edge of each dropout parameter where nobody drops out
TIME_SCALES = {"bgnbd": ("alpha",), "mbgnbd": ("alpha",), "pareto": ("alpha", "beta")}


class BTYDFitError(ModelError):
    """A BTYD model could not be fitted: no penalizer converged, the fit degenerated, or its predictions
    are not finite. `attempts` has one line per fit tried."""

    def __init__(self, message: str, attempts: tuple[str, ...] = ()):
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True)
class Fit:
    """A converged fit: parameters, the penalizer that gave them, the unpenalized log-likelihood summed
    over the customers, the parameters' standard errors, one line per attempt, and the covariance of the
    log-parameters (the inverse Hessian at the optimum, in the order of the parameters)."""

    params: dict[str, float]
    penalizer: float
    log_likelihood: float
    standard_errors: dict[str, float]
    attempts: tuple[str, ...]
    log_covariance: np.ndarray


def fit_parameters(model: str, rows: Rows, penalizer: float = 0.0) -> Fit:
    """Fit `model` ("bgnbd", "mbgnbd", "pareto", "bgbb" or "gammagamma") to the distinct `rows`, trying
    `penalizer` and then the larger ones of RETRY_PENALIZERS; raise BTYDFitError if none converges or
    the fit is degenerate."""
    likelihood = LIKELIHOODS[model](rows)
    scale = _penalty_scale(model, rows)
    sample = _thinned(rows) if rows.customers > SUBSAMPLE else None
    attempts = []
    for tried in (penalizer, *(p for p in RETRY_PENALIZERS if p > penalizer)):
        objective = _objective(likelihood, rows.customers, scale, tried)
        log_params, failure, (value, gradient) = _optimise(model, objective, rows, scale, tried, sample)
        params = dict(zip(PARAMETERS[model], np.exp(log_params).tolist()))
        degenerate = _no_dropout_edge(model, log_params)
        if failure is None:  # the Hessian of the penalized sum over the customers
            hessian = rows.customers * _hessian(objective, log_params, gradient)
            failure, covariance = _identified(model, hessian)
        if failure is None and model == "gammagamma" and not params["q"] > 1:
            failure = f"q = {params['q']:.4g} <= 1: no finite mean order value"
        if failure is None:
            degenerate = _degeneracy(model, params, rows)
        if degenerate:
            attempts.append(f"penalizer {tried}: degenerate, {degenerate}")
            raise BTYDFitError(f"{model} fit on {rows.customers:,.0f} customers is degenerate: {degenerate} "
                               f"(penalizer {tried}; {params}). A penalizer would only hide it: use another model, "
                               f"or check that the data cover long enough for customers to lapse", tuple(attempts))
        if failure is None:
            attempts.append(f"penalizer {tried}: converged")
            errors = dict(zip(PARAMETERS[model], (np.exp(log_params) * np.sqrt(np.diag(covariance))).tolist()))
            log_likelihood = -rows.customers * (value - tried * ((np.exp(log_params) * scale) ** 2).sum())
            return Fit(params, tried, float(log_likelihood), errors, tuple(attempts), covariance)
        attempts.append(f"penalizer {tried}: {failure}")
    raise BTYDFitError(f"{model} did not converge on {rows.customers:,.0f} customers; tried " + "; ".join(attempts)
                       + ". Check the data (enough repeat buyers, recency and T in one unit), or try another model",
                       tuple(attempts))


def _objective(likelihood, customers: float, scale: np.ndarray, penalizer: float):
    """The negative log-likelihood over `customers` plus the penalty, and its gradient, in the log-parameters."""

    def objective(log_params):
        params = np.exp(log_params)
        value, gradient = likelihood(params)
        scaled = (params * scale) ** 2
        return -value / customers + penalizer * scaled.sum(), -gradient / customers + 2 * penalizer * scaled

    return objective


def _optimise(model: str, objective, rows: Rows, scale: np.ndarray, penalizer: float,
              sample: Rows | None) -> tuple[np.ndarray, str | None, tuple]:
    """(log-parameters, None, objective there) at a converged optimum, else (where it stopped, what went
    wrong, the objective there).

    Without `sample`: L-BFGS-B from `_start`. With it: L-BFGS-B on the sample, then BFGS on all rows
    from the sample's optimum and the inverse of the sample's Hessian, a few steps from the optimum.
    """
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(scale)
    # One BLAS thread: the optimiser's small products stall on a second thread's start-up on a busy machine.
    # A line search may step where a term overflows; the result is checked.
    with threadpool_limits(1, user_api="blas"), np.errstate(all="ignore"):
        start, method, options = _start(model, rows, scale), "L-BFGS-B", {"maxiter": 2000, "ftol": 1e-14,
                                                                            "gtol": 1e-9}
        if sample is not None:
            rough = _objective(LIKELIHOODS[model](sample), sample.customers, scale, penalizer)
            start = minimize(rough, start, jac=True, method="L-BFGS-B", bounds=bounds, options=options).x
            curvature = _hessian(rough, start, rough(start)[1])
            if np.isfinite(start).all() and _positive(curvature):
                inverse = np.linalg.inv(curvature)
                method, bounds, options = "BFGS", None, {"gtol": 1e-7, "hess_inv0": (inverse + inverse.T) / 2}
        result = minimize(objective, start, jac=True, method=method, bounds=bounds, options=options)
        value, gradient = result.fun, result.jac
    at = (value, gradient)
    if not (np.isfinite(value) and np.isfinite(gradient).all()):
        return result.x, f"the log-likelihood is not finite ({result.message})", at
    at_bound = np.abs(result.x) >= LOG_BOUND - 1e-6
    if at_bound.any():
        names = ", ".join(f"{PARAMETERS[model][i]} -> {np.exp(result.x[i]):.3g}" for i in np.flatnonzero(at_bound))
        return result.x, f"ran to the edge of the parameter space ({names})", at
    if np.abs(gradient).max() > GRADIENT_TOLERANCE:
        return result.x, f"stopped with gradient {np.abs(gradient).max():.2g} ({result.message})", at
    return result.x, None, at


def _no_dropout_edge(model: str, log_params: np.ndarray) -> str | None:
    """Why the optimum is "nobody drops out" when a dropout parameter ran to that edge of the parameter space
    (a -> 0 or b -> infinity; Pareto/NBD's s -> 0 or beta -> infinity; BG/BB's gamma -> 0 or delta -> infinity)."""
    for name, direction in NO_DROPOUT.get(model, {}).items():
        value = log_params[PARAMETERS[model].index(name)]
        if direction * value >= LOG_BOUND - 1e-6:
            return f"nobody drops out ({name} ran to {np.exp(value):.3g})"
    return None


def _degeneracy(model: str, params: dict, rows: Rows) -> str | None:
    """Why a converged purchase model is degenerate (dropout at its boundary, or p_alive the same for every
    customer), or None."""
    if model == "gammagamma":
        return None
    dropout = {"bgnbd": ("a", "b", "mean dropout probability at a purchase a / (a + b)"),
               "mbgnbd": ("a", "b", "mean dropout probability at a purchase a / (a + b)"),
               "bgbb": ("gamma", "delta", "mean dropout probability per period gamma / (gamma + delta)")}
    if model in dropout:
        first, second, meaning = dropout[model]
        mean = params[first] / (params[first] + params[second])
    else:  # Pareto/NBD: the mean dropout rate s / beta over the longest T
        first, second, meaning = "s", "beta", "mean dropout rate s / beta times the longest T"
        mean = params["s"] / params["beta"] * rows.columns["T"].values.max()
    if mean < DROPOUT_FLOOR:
        return f"nobody drops out ({meaning} = {mean:.2g}, {first} = {params[first]:.4g}, {second} = {params[second]:.4g})"
    alive = p_alive(model, params, rows["frequency"], rows["recency"], rows["T"])
    if alive.max() - alive.min() < P_ALIVE_SPREAD:
        return f"p_alive is {alive.min():.4f} to {alive.max():.4f} for every customer"
    return None


def _hessian(objective, log_params: np.ndarray, base: np.ndarray) -> np.ndarray:
    """The Hessian of `objective` by forward differences of its gradient (`base` at `log_params`), symmetrised."""
    step = 1e-6
    columns = []
    for j in range(len(log_params)):
        moved = log_params.copy()
        moved[j] += step
        columns.append((objective(moved)[1] - base) / step)
    hessian = np.array(columns).T
    return (hessian + hessian.T) / 2


def _positive(matrix: np.ndarray) -> bool:
    return bool(np.isfinite(matrix).all() and np.linalg.eigvalsh(matrix).min() > 0)


def _identified(model: str, hessian: np.ndarray) -> tuple[str | None, np.ndarray]:
    """(None, covariance of the log-parameters) at a well-determined optimum; else (why not, the covariance or NaN).

    On a ridge that rises towards the edge of the parameter space (say a and b growing together) the
    optimiser stops where the slope has become too small to see; the Hessian there is nearly singular."""
    if not _positive(hessian):
        return "the Hessian at the optimum is not positive definite", np.full(hessian.shape, np.nan)
    covariance = np.linalg.inv(hessian)
    covariance = (covariance + covariance.T) / 2
    log_errors = np.sqrt(np.diag(covariance))
    loose = log_errors > MAX_LOG_STANDARD_ERROR
    if loose.any():
        names = ", ".join(f"{PARAMETERS[model][i]} (standard error of its log {log_errors[i]:.3g})"
                          for i in np.flatnonzero(loose))
        return f"the likelihood is flat: {names} not determined, running off along a ridge", covariance
    return None, covariance


def _penalty_scale(model: str, rows: Rows) -> np.ndarray:
    """What each parameter is multiplied by in the penalty: 1 / the longest T for the time scales, else 1."""
    longest = rows.columns["T"].values.max() if model in TIME_SCALES else 1.0
    return np.array([1 / longest if name in TIME_SCALES.get(model, ()) else 1.0 for name in PARAMETERS[model]])


def _start(model: str, rows: Rows, scale: np.ndarray) -> np.ndarray:
    """Log-parameters to start from: ones, with time scales at the longest T and Gamma-Gamma's gamma
    at the mean order value (p = 1, q = 2 then give the data's mean)."""
    start = -np.log(scale)
    if model == "gammagamma":
        start[2] = np.log(np.average(rows["monetary_value"], weights=rows.weight))
        start[1] = np.log(2.0)
    return start


def _thinned(rows: Rows) -> Rows:
    """About SUBSAMPLE of the customers, drawn without replacement (a fixed seed: fits are deterministic)."""
    kept = np.random.default_rng(0).binomial(np.round(rows.weight).astype(np.int64), SUBSAMPLE / rows.customers)
    return rows.subset(kept > 0, kept.astype(float))
