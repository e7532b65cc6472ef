"""BTYD customer lifetime value: a purchase model (BG/NBD, MBG/NBD, Pareto/NBD or BG/BB) and the Gamma-Gamma spend model."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from cxmodels.errors import ConfigError, DataError, ModelError
from cxmodels.features.config import TIME_UNITS
from cxmodels.features.value import PURCHASE_COLUMNS, SPEND_COLUMN
from cxmodels.models._fitted import check_fitted
from cxmodels.models.clv import formulas, intervals
from cxmodels.models.clv._fitting import BTYDFitError, Fit, fit_parameters
from cxmodels.models.clv.rows import compress

DAYS_PER_YEAR = 365.25
UNITS = {**TIME_UNITS, "years": DAYS_PER_YEAR}  # length of one unit of recency and T, in days
PREDICTION_COLUMNS = ("p_alive", "expected_purchases", "expected_purchases_low", "expected_purchases_high",
                      "expected_order_value", "clv", "clv_low", "clv_high")  # what predict gives, in this order (at most)
WEIGHTS_COLUMN = "weights"  # how many identical customers a row of the summary stands for


class BTYDModel(BaseEstimator):
    """Per customer: P(alive), expected purchases and order value, and discounted CLV over a horizon.

    model: the purchase model, "bgnbd" (BG/NBD), "mbgnbd" (MBG/NBD), "pareto" (Pareto/NBD) or "bgbb"
        (BG/BB, discrete time: frequency, recency and T count whole periods, opportunities to buy).
    time_unit: the unit of recency and T in X, "days", "weeks" or "years" (for BG/BB, the period).
    horizon_days: the horizon, from the cut-off, of `expected_purchases` and `clv`. It is a
        parameter rather than part of the column names; `predict` records it in the frame's attrs.
        BG/BB predicts whole periods; a horizon between them interpolates its closed form.
    step_days: clv adds up expected purchases x expected order value step by step (a month by default).
    discount_rate: annual; each step's value is discounted from the end of the step. 0 gives the
        undiscounted expected spend in the horizon.
    penalizer, spend_penalizer: the L2 penalty of the purchase and the spend model, lifetimes'
        `penalizer_coef` (see `cxmodels.models.clv._fitting`). A fit that does not converge is retried with
        0.001, 0.01, 0.1, then 1.0 (those above the one given), then raises BTYDFitError naming each attempt.
    interval: the level of the intervals `predict` gives (0.9 by default; None for none):
        expected_purchases_low/high and, with the spend model, clv_low/clv_high, from the uncertainty of
        the fitted parameters by the delta method (`cxmodels.models.clv.intervals`). They bound the
        customer's *expected* purchases and CLV, not what the customer will realise.

    `fit(X)` takes the value summary (`cxmodels.features.value_summary`): frequency, recency, T and,
    for the spend model, monetary_value, one row per customer, or per group of identical customers
    with their number in an optional `weights` column (or `sample_weight`); `predict` takes the same
    shape. Without monetary_value only p_alive and expected_purchases are fitted and predicted.

    A fit is rejected with BTYDFitError when it degenerates (nobody drops out, or p_alive is the
    same for every customer) or when its predictions on its own training rows are not finite.
    Every prediction checks that its values are finite and raises ModelError naming a customer.

    The Gamma-Gamma model is fitted on the customers with frequency > 0 and monetary_value > 0 only
    (`n_spend_customers_`; the others are counted in `n_spend_left_out_`): the first purchase does not
    count in monetary_value and the model has no zero spend. Those customers are predicted the
    population mean order value p gamma / (q - 1).

    Learned: `params_` (a dict of floats: r, alpha, a, b; r, alpha, s, beta; or alpha, beta, gamma, delta;
    and p, q, gamma, the spend scale named spend_gamma beside BG/BB's own gamma), `spend_params_` (p, q,
    gamma; None without spend), `standard_errors_` (the keys of `params_`, from the inverse Hessian at the optimum),
    `log_likelihood_` and `spend_log_likelihood_` (maximised, unpenalized, summed over the customers),
    `penalizer_`, `spend_penalizer_` (the penalizers that converged; the spend ones None without spend),
    `fit_attempts_` (one line per fit tried), `log_covariance_` ({"purchases": ..., "spend": ...}: the
    covariance matrices of the log-parameters, in the order of `params_`), `n_customers_`, `n_spend_customers_`, `n_spend_left_out_`.
    """

    def __init__(self, model: str = "bgnbd", time_unit: str = "days", horizon_days: float = 365,
                 step_days: float = DAYS_PER_YEAR / 12, discount_rate: float = 0.1, penalizer: float = 0.0,
                 spend_penalizer: float = 0.0, interval: float | None = 0.9):
        self.model = model
        self.time_unit = time_unit
        self.horizon_days = horizon_days
        self.step_days = step_days
        self.discount_rate = discount_rate
        self.penalizer = penalizer
        self.spend_penalizer = spend_penalizer
        self.interval = interval

    def fit(self, X: pd.DataFrame, y=None, sample_weight=None) -> "BTYDModel":
        """Fit the purchase model, and the spend model when X has monetary_value; returns self."""
        self._check_settings()
        columns = _summary_columns(X, SPEND_COLUMN in getattr(X, "columns", ()), self.model == "bgbb")
        weights = _weights(X, sample_weight)
        rows = {"purchases": compress({c: columns[c] for c in PURCHASE_COLUMNS}, weights)}
        purchases = fit_parameters(self.model, rows["purchases"], self.penalizer)
        spend, spends = None, np.zeros(len(X), dtype=bool)
        if SPEND_COLUMN in columns:
            spends = _spends(columns) & (weights > 0)
            if weights[spends].sum() < 2:
                raise DataError(f"the Gamma-Gamma spend model needs customers with frequency > 0 and "
                                f"monetary_value > 0; X has {spends.sum()}")
            rows["spend"] = compress({c: columns[c][spends] for c in ("frequency", SPEND_COLUMN)}, weights[spends])
            spend = fit_parameters("gammagamma", rows["spend"], self.spend_penalizer)
        self._learn(purchases, spend)
        self.n_customers_, self.n_spend_customers_ = _count(weights.sum()), _count(weights[spends].sum())
        self.n_spend_left_out_ = self.n_customers_ - self.n_spend_customers_ if spend else 0
        self._check_own_predictions(rows)
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """p_alive (at the cut-off), expected_purchases (in the horizon), expected_order_value and clv,
        indexed like X; the last two only with the spend model. With `interval`, expected_purchases_low and
        _high after expected_purchases, clv_low and clv_high after clv."""
        check_fitted(self, "params_")
        columns = self._columns(X, with_spend=self._has_spend())
        level = self._interval_level()
        frame = pd.DataFrame({"p_alive": self._p_alive(columns)}, index=X.index)
        if self._has_spend():
            ends = _step_ends(self.horizon_days, self.step_days)
            discount = (1 + self.discount_rate) ** (-ends / DAYS_PER_YEAR)

            def purchases(params):  # (expected purchases in the horizon, their discounted sum)
                cumulative = self._expected_purchases(columns, ends[:, None], params)
                return cumulative[-1], discount @ np.diff(cumulative, axis=0, prepend=0)

            (expected, present), order_value = purchases(self.params_), self._expected_order_value(columns)
            frame["expected_purchases"] = expected
            frame["expected_order_value"] = order_value
            frame["clv"] = order_value * present
            if level is not None:
                moved = [purchases(params) for params in intervals.moved(self.params_, self._names("purchases"))]
                self._add_interval(frame, "expected_purchases", [m[0] for m in moved], level)
                spend = [self._expected_order_value(columns, params)
                         for params in intervals.moved(self.spend_params_, formulas.SPEND_PARAMETERS)]
                variance = self._log_variance("purchases", present, [m[1] for m in moved]) + self._log_variance(
                    "spend", order_value, spend)
                frame["clv_low"], frame["clv_high"] = intervals.bounds(frame["clv"].to_numpy(), variance, level)
        else:
            frame["expected_purchases"] = self._expected_purchases(columns, self.horizon_days)
            if level is not None:
                moved = [self._expected_purchases(columns, self.horizon_days, params)
                         for params in intervals.moved(self.params_, self._names("purchases"))]
                self._add_interval(frame, "expected_purchases", moved, level)
        frame = frame[[c for c in PREDICTION_COLUMNS if c in frame.columns]]
        self._require_finite({name: frame[name].to_numpy() for name in frame.columns}, X.index)
        frame.attrs["horizon_days"] = self.horizon_days
        return frame

    def p_alive(self, X: pd.DataFrame) -> pd.Series:
        """P(alive) at the cut-off (BG/BB: at the next opportunity)."""
        check_fitted(self, "params_")
        values = self._p_alive(self._columns(X, with_spend=False))
        self._require_finite({"p_alive": values}, X.index)
        return pd.Series(values, index=X.index, name="p_alive")

    def expected_purchases(self, X: pd.DataFrame, horizon_days: float | None = None) -> pd.Series:
        """Expected repeat purchases in the `horizon_days` (default: the model's) after the cut-off."""
        check_fitted(self, "params_")
        days = self.horizon_days if horizon_days is None else horizon_days
        values = self._expected_purchases(self._columns(X, with_spend=False), days)
        self._require_finite({"expected_purchases": values}, X.index)
        return pd.Series(values, index=X.index, name="expected_purchases")

    def new_customer_purchases(self, days) -> np.ndarray:
        """Expected repeat purchases of a new customer in the `days` after their first purchase."""
        check_fitted(self, "params_")
        values = formulas.expected_purchases(self.model, self.params_, 0, 0, 0, self._in_units(days))
        self._require_finite({"new_customer_purchases": values}, pd.RangeIndex(np.size(values)), what="time")
        return values

    def probability_of_n_purchases_up_to_time(self, days: float, n) -> np.ndarray:
        """P(exactly n repeat purchases in the `days` after the first purchase) for a new customer, for each n
        (lifetimes' name); BG/NBD, MBG/NBD and Pareto/NBD."""
        check_fitted(self, "params_")
        if self.model == "bgbb":
            raise ConfigError("probability_of_n_purchases_up_to_time is for bgnbd, mbgnbd and pareto, not bgbb")
        n = np.atleast_1d(np.asarray(n, dtype=float))
        if not ((n >= 0) & (n == np.round(n))).all():
            raise ConfigError(f"n must be whole numbers >= 0, got {n.tolist()}")
        values = formulas.probability_of_n_purchases(self.model, self.params_, float(self._in_units(days)), n)
        self._require_finite({"probability_of_n_purchases_up_to_time": values}, pd.Index(n.astype(int)), what="n")
        return values

    def _interval_level(self) -> float | None:
        """The interval level; None for a model without intervals."""
        return self.interval

    def _names(self, part: str) -> tuple[str, ...]:
        return formulas.PURCHASE_PARAMETERS[self.model] if part == "purchases" else formulas.SPEND_PARAMETERS

    def _log_variance(self, part: str, value: np.ndarray, moved: list[np.ndarray]) -> np.ndarray:
        return intervals.log_variance(intervals.log_gradient(value, moved), self.log_covariance_[part])

    def _add_interval(self, frame: pd.DataFrame, name: str, moved: list[np.ndarray], level: float) -> None:
        value = frame[name].to_numpy()
        frame[f"{name}_low"], frame[f"{name}_high"] = intervals.bounds(
            value, self._log_variance("purchases", value, moved), level)

    def _learn(self, purchases: Fit, spend: Fit | None) -> None:
        self.log_covariance_ = {"purchases": purchases.log_covariance, **({"spend": spend.log_covariance}
                                                                             if spend else {})}
        self.spend_params_ = dict(spend.params) if spend else None
        self.params_ = _merged(purchases.params, spend.params if spend else {})
        self.standard_errors_ = _merged(purchases.standard_errors, spend.standard_errors if spend else {})
        self.log_likelihood_, self.penalizer_ = purchases.log_likelihood, purchases.penalizer
        self.spend_log_likelihood_ = spend.log_likelihood if spend else None
        self.spend_penalizer_ = spend.penalizer if spend else None
        self.fit_attempts_ = tuple(f"{self.model} {line}" for line in purchases.attempts) + tuple(
            f"gammagamma {line}" for line in (spend.attempts if spend else ()))

    def _check_own_predictions(self, rows: dict) -> None:
        """Refuse a fit whose predictions on its own distinct training rows are not finite."""
        purchases = {c: rows["purchases"][c] for c in PURCHASE_COLUMNS}
        checks = [({"p_alive": self._p_alive(purchases),
                    "expected_purchases": self._expected_purchases(purchases, self.horizon_days)}, purchases)]
        if "spend" in rows:
            spend = {c: rows["spend"][c] for c in ("frequency", SPEND_COLUMN)}
            checks.append(({"expected_order_value": self._expected_order_value(spend)}, spend))
        for values, columns in checks:
            if all(np.isfinite(v).all() for v in values.values()):
                continue
            where = pd.Index([", ".join(f"{c} {v:g}" for c, v in zip(columns, row)) for row in zip(*columns.values())])
            try:
                self._require_finite(values, where, what="training row")
            except ModelError as error:
                attempts = self.fit_attempts_
                for name in [name for name in vars(self) if name.endswith("_")]:
                    delattr(self, name)
                raise BTYDFitError(f"{error}; the fit is rejected (attempts: {'; '.join(attempts)})", attempts) from None

    def _require_finite(self, values: dict[str, np.ndarray], index, what: str = "customer") -> None:
        """Raise ModelError naming the model, the output and one `what` (an entry of `index`) where a value is
        not finite: the one check of every prediction path."""
        for name, array in values.items():
            bad = ~np.isfinite(np.asarray(array, dtype=float))
            if bad.any():
                example = index[np.flatnonzero(bad.ravel())[0] % len(index)]
                raise ModelError(f"{self.model}: {name} is not finite for {bad.sum()} of {bad.size} values, e.g. "
                                 f"{what} {example!r}, with parameters {self.params_}; refit with a penalizer or "
                                 f"another model")

    def __setstate__(self, state: dict) -> None:
        """Models pickled by earlier releases still predict, print and clone: those from before `spend_params_`
        (their spend parameters only in `params_`) and before intervals (no `interval`, no covariance)."""
        if "params_" in state:
            params = state["params_"]
            state.setdefault("spend_params_", {k: params[k] for k in formulas.SPEND_PARAMETERS} if "p" in params
                             else None)
            state.setdefault("interval", 0.9 if "log_covariance_" in state else None)
        super().__setstate__(state)

    def _has_spend(self) -> bool:
        return self.spend_params_ is not None

    def _columns(self, X, with_spend: bool) -> dict[str, np.ndarray]:
        return _summary_columns(X, with_spend, self.model == "bgbb")

    def _p_alive(self, columns: dict) -> np.ndarray:
        with np.errstate(all="ignore"):  # checked for finite values by the caller
            return formulas.p_alive(self.model, self.params_, *(columns[c] for c in PURCHASE_COLUMNS))

    def _expected_purchases(self, columns: dict, days, params: dict | None = None) -> np.ndarray:
        with np.errstate(all="ignore"):  # an overflow shows as a value that is not finite, which is checked
            return formulas.expected_purchases(self.model, params or self.params_,
                                               *(columns[c] for c in PURCHASE_COLUMNS), self._in_units(days))

    def _expected_order_value(self, columns: dict, params: dict | None = None) -> np.ndarray:
        params = params or self.spend_params_
        conditional = formulas.expected_order_value(params, columns["frequency"], columns[SPEND_COLUMN])
        return np.where(_spends(columns), conditional, formulas.population_order_value(params))

    def _in_units(self, days):
        return np.asarray(days, dtype=float) / UNITS[self.time_unit]

    def _check_settings(self) -> None:
        if self.model not in formulas.PURCHASE_PARAMETERS:
            raise ConfigError(f"model must be one of {tuple(formulas.PURCHASE_PARAMETERS)}, got {self.model!r}")
        if self.time_unit not in UNITS:
            raise ConfigError(f"time_unit must be one of {tuple(UNITS)}, got {self.time_unit!r}")
        for name in ("horizon_days", "step_days"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if self.interval is not None and not 0 < self.interval < 1:
            raise ConfigError(f"interval must be a level between 0 and 1 (e.g. 0.9) or None, got {self.interval}")
        if not self.discount_rate > -1:
            raise ConfigError(f"discount_rate must be above -1, got {self.discount_rate}")


def _count(total: float) -> int | float:
    """A number of customers: an int when the weights add up to a whole number."""
    return int(total) if float(total).is_integer() else float(total)


def _spends(columns: dict) -> np.ndarray:
    """Customers the spend model learns from: a repeat purchase with a positive mean value."""
    return (columns["frequency"] > 0) & (columns[SPEND_COLUMN] > 0)


def _step_ends(horizon_days: float, step_days: float) -> np.ndarray:
    """Ends of the steps from the cut-off to the horizon, in days; the last step may be shorter."""
    steps = int(np.ceil(horizon_days / step_days - 1e-9))
    return np.minimum(np.arange(1, steps + 1) * step_days, horizon_days)


def _weights(X: pd.DataFrame, sample_weight) -> np.ndarray:
    """Customers per row: the `weights` column, or `sample_weight`, or 1; finite and >= 0, some > 0."""
    if sample_weight is not None and WEIGHTS_COLUMN in X.columns:
        raise DataError(f"X has a {WEIGHTS_COLUMN!r} column and sample_weight was given: give the weights once")
    if sample_weight is None and WEIGHTS_COLUMN not in X.columns:
        return np.ones(len(X))
    source = "sample_weight" if sample_weight is not None else f"X[{WEIGHTS_COLUMN!r}]"
    values = X[WEIGHTS_COLUMN] if sample_weight is None else sample_weight
    weights = np.asarray(pd.to_numeric(pd.Series(np.asarray(values)), errors="coerce"), dtype=float)
    if weights.shape != (len(X),) or not (np.isfinite(weights) & (weights >= 0)).all() or not weights.sum() > 0:
        raise DataError(f"{source} must give one finite number >= 0 per row of X, not all 0")
    return weights


def _summary_columns(X, with_spend: bool, discrete: bool = False) -> dict[str, np.ndarray]:
    """The value summary's columns as float arrays, checked; errors name the column and the rule.
    `discrete` (BG/BB): recency and T count whole periods, and there is at most one purchase per period."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame (the value summary), got {type(X).__name__}")
    names = PURCHASE_COLUMNS + ((SPEND_COLUMN,) if with_spend else ())
    missing = [name for name in names if name not in X.columns]
    if missing:
        raise DataError(f"X lacks the value-summary columns {missing}")
    if len(X) == 0:
        raise DataError("X has no rows")
    columns = {}
    for name in names:
        if not pd.api.types.is_numeric_dtype(X[name]) or pd.api.types.is_bool_dtype(X[name]):
            raise DataError(f"X[{name!r}] must be numeric, got {X[name].dtype}")
        columns[name] = X[name].to_numpy(dtype=float, na_value=np.nan)
    frequency, recency, T = (columns[name] for name in PURCHASE_COLUMNS)
    rules = [(name, "must be finite (no NaN or infinity)", ~np.isfinite(values)) for name, values in columns.items()]
    rules += [
        ("frequency", "must be a whole number >= 0", (frequency < 0) | (frequency != np.round(frequency))),
        ("recency", "must be >= 0", recency < 0),
        ("recency", "must not exceed T", recency > T),
        ("recency", "must be 0 where frequency is 0", (frequency == 0) & (recency != 0)),
    ]
    if discrete:
        rules += [(name, "must be a whole number of periods for BG/BB", columns[name] != np.round(columns[name]))
                  for name in ("recency", "T")]
        rules.append(("frequency", "must not exceed recency for BG/BB (one purchase per period at most)",
                      frequency > recency))
    if with_spend:
        rules.append((SPEND_COLUMN, "must be >= 0", columns[SPEND_COLUMN] < 0))
    for name, rule, broken in rules:
        if broken.any():
            raise DataError(f"X[{name!r}] {rule}: {broken.sum()} of {len(X)} rows break it, "
                            f"e.g. index {X.index[broken][0]!r}")
    return columns


def _merged(purchases: dict, spend: dict) -> dict:
    """The purchase model's entries and the spend model's, a spend name the purchase model also has (BG/BB's
    gamma) as spend_NAME."""
    return {**purchases, **{(f"spend_{name}" if name in purchases else name): value for name, value in spend.items()}}
