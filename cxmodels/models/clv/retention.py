"""Contractual retention: the shifted-beta-geometric (sBG) model of Fader & Hardie (2007), the tenure part of CLV.

Each customer renews period after period and cancels at the end of a period with a
probability theta of their own; theta is Beta(alpha, beta) across customers. Given that a
customer has survived t periods, the chance to renew is (beta + t) / (alpha + beta + t),
rising with t as the weak ones leave. The model has no covariates: it projects how long
active customers stay, by tenure, while the churn model ranks who leaves within its horizon.
"""

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln
from sklearn.base import BaseEstimator

from cxmodels.errors import DataError, ModelError
from cxmodels.features.timeutil import DAY_NS, NAT, epoch_ns, to_ns
from cxmodels.models._fitted import check_fitted

TENURE_COLUMNS = ("tenure_periods", "cancelled")


def tenure_summary(dataset, as_of, period_days: int = 30) -> pd.DataFrame:
    """Per customer signed up before `as_of`: tenure_periods and cancelled, from signup_date and the
    first cancellation before `as_of`.

    cancelled: the customer cancelled in period `tenure_periods` (1 = the first period).
    Otherwise `tenure_periods` whole periods have passed since signup and the customer is active.
    """
    if dataset.customers is None or "signup_date" not in dataset.customers or dataset.cancellations is None:
        raise DataError("tenure_summary needs customers.signup_date and the cancellations table")
    as_of_ns = to_ns(as_of)
    customers = dataset.customers
    signup = pd.Series(epoch_ns(customers["signup_date"]), index=customers["customer_id"].to_numpy())
    signup = signup[(signup < as_of_ns) & (signup != NAT)]
    cancellations = dataset.cancellations
    cancel = pd.Series(epoch_ns(cancellations["timestamp"]), index=cancellations["customer_id"].to_numpy())
    cancel = cancel[(cancel < as_of_ns) & (cancel != NAT)].groupby(level=0).min()
    cancel = cancel.reindex(signup.index, fill_value=NAT).to_numpy()
    cancelled = cancel != NAT
    end = np.where(cancelled, cancel, as_of_ns)
    periods = (end - signup.to_numpy()) // (period_days * DAY_NS) + cancelled
    frame = pd.DataFrame({"tenure_periods": periods.astype(np.int64), "cancelled": cancelled},
                         index=pd.Index(signup.index, dtype="str", name="customer_id"))
    return frame.sort_index()


class ShiftedBetaGeometricModel(BaseEstimator):
    """The sBG retention model: renewal probability and expected paid periods of active customers.

    `fit(X)`: X with tenure_periods and cancelled, one row per customer (`tenure_summary`).
    `predict(X)`: renewal_probability (of the next period) and expected_periods (expected paid
    periods in the next `horizon_periods`, undiscounted); 0 for customers who cancelled.
    Learned: `params_` ({"alpha", "beta"} as floats), `n_customers_`. When the data show no
    heterogeneity (one churn probability for all), alpha and beta grow large together with
    alpha / (alpha + beta) near that probability: the geometric limit, whose predictions hold.
    """

    def __init__(self, horizon_periods: int = 12):
        self.horizon_periods = horizon_periods

    def fit(self, X: pd.DataFrame, y=None) -> "ShiftedBetaGeometricModel":
        """Maximum likelihood on the unique (tenure_periods, cancelled) rows; returns self."""
        periods, cancelled = _tenure_columns(X)
        rows = pd.DataFrame({"t": periods, "cancelled": cancelled}).value_counts().reset_index()
        t, cancelled, count = (rows[c].to_numpy() for c in ("t", "cancelled", "count"))

        def negative_log_likelihood(log_params):
            alpha, beta = np.exp(log_params)
            log_p = np.where(cancelled, betaln(alpha + 1, beta + t - 1), betaln(alpha, beta + t)) - betaln(alpha, beta)
            return -(count * log_p).sum() / count.sum()

        result = minimize(negative_log_likelihood, np.zeros(2), method="L-BFGS-B")
        alpha, beta = np.exp(result.x)
        if not (result.success and np.isfinite([alpha, beta]).all()):
            raise ModelError(f"the sBG model did not converge on {len(X)} customers: {result.message}")
        self.params_ = {"alpha": float(alpha), "beta": float(beta)}
        self.n_customers_ = len(X)
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """renewal_probability and expected_periods per customer, indexed like X."""
        check_fitted(self, "params_")
        periods, cancelled = _tenure_columns(X)
        alpha, beta = self.params_["alpha"], self.params_["beta"]
        ahead = np.arange(1, int(self.horizon_periods) + 1)[:, None]
        survival = np.exp(betaln(alpha, beta + periods + ahead) - betaln(alpha, beta + periods))
        active = ~cancelled
        return pd.DataFrame({"renewal_probability": active * (beta + periods) / (alpha + beta + periods),
                             "expected_periods": active * survival.sum(axis=0)}, index=X.index)


def _tenure_columns(X) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame (the tenure summary), got {type(X).__name__}")
    missing = [name for name in TENURE_COLUMNS if name not in X.columns]
    if missing or len(X) == 0:
        raise DataError(f"X must have rows and the columns {list(TENURE_COLUMNS)}; it lacks {missing}")
    periods, cancelled = X["tenure_periods"].to_numpy(dtype=float), X["cancelled"].to_numpy(dtype=bool)
    rules = [("tenure_periods", "must be a whole number >= 0", ~(periods >= 0) | (periods != np.round(periods))),
             ("tenure_periods", "must be >= 1 where cancelled", cancelled & (periods < 1))]
    for name, rule, broken in rules:
        if broken.any():
            raise DataError(f"X[{name!r}] {rule}: {broken.sum()} of {len(X)} rows break it, "
                             f"e.g. index {X.index[broken][0]!r}")
    return periods, cancelled
