"""Intervals of BTYD predictions from the uncertainty of the fitted parameters, by the delta method.

A prediction v(theta) (expected purchases, the present value of purchases, the expected order
value) is positive and its parameters are fitted in their logarithms, with covariance S (the
inverse Hessian of the negative log-likelihood at the optimum). To first order log v is normal with
variance g' S g, g the gradient of log v in the log-parameters (forward differences, one extra
evaluation per parameter). The interval exp(log v +- z sd) stays positive and is asymmetric, like
the distribution of v. Models fitted apart (the purchase and the spend model) are independent: the
variances of log clv = log(order value) + log(present value of purchases) add up.

These intervals are for the *expected* value given the customer's history (the uncertainty of the
parameters), not predictive intervals of what the customer will do: a customer's realised
purchases vary far more than their expectation.
"""

import numpy as np
from scipy.stats import norm

STEP = 1e-6  # forward-difference step in a log-parameter


def moved(params: dict, names, step: float = STEP) -> list[dict]:
    """`params` with each of `names` in turn multiplied by e^step."""
    return [{**params, name: params[name] * np.exp(step)} for name in names]


def log_gradient(value: np.ndarray, moved_values: list[np.ndarray], step: float = STEP) -> np.ndarray:
    """Forward differences of log value, one row per moved parameter; 0 where value is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = [(np.log(other) - np.log(value)) / step for other in moved_values]
    return np.where(value > 0, np.array(rows), 0.0)


def log_variance(gradient: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """g' S g per customer (the columns of `gradient`)."""
    return np.einsum("in,ij,jn->n", gradient, covariance, gradient)


def bounds(value: np.ndarray, variance: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of the central `level` interval of a log-normal with median `value` and log-variance."""
    spread = norm.ppf(0.5 + level / 2) * np.sqrt(np.maximum(variance, 0.0))
    return value * np.exp(-spread), value * np.exp(spread)
