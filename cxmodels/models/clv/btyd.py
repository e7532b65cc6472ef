"""BTYD customer lifetime value: a purchase model (BG/NBD, MBG/NBD or Pareto/NBD) and the Gamma-Gamma spend model."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from cxmodels.errors import ConfigError, DataError
from cxmodels.features.config import TIME_UNITS
from cxmodels.features.value import PURCHASE_COLUMNS, SPEND_COLUMN
from cxmodels.models._fitted import check_fitted
from cxmodels.models.clv import formulas
from cxmodels.models.clv._fitting import fit_parameters

DAYS_PER_YEAR = 365.25


class BTYDModel(BaseEstimator):
    """Per customer: P(alive), expected purchases and order value, and discounted CLV over a horizon.

    model: the purchase model, "bgnbd" (BG/NBD), "mbgnbd" (MBG/NBD) or "pareto" (Pareto/NBD).
    time_unit: the unit of recency and T in X, "days" or "weeks", as given to `value_summary`.
    horizon_days: the horizon, from the cut-off, of `expected_purchases` and `clv`. It is a
        parameter rather than part of the column names; `predict` records it in the frame's attrs.
    step_days: clv adds up expected purchases x expected order value step by step (a month by default).
    discount_rate: annual; each step's value is discounted from the end of the step. 0 gives the
        undiscounted expected spend in the horizon.
    penalizer, spend_penalizer: lifetimes' `penalizer_coef` of the purchase and the spend model. A fit
        that fails (optimiser error; parameters not finite and positive) is retried with 0.001, then 0.01
        (those above the one given), then raises BTYDFitError; `penalizer_` and `spend_penalizer_` say
        which one was used.

    `fit(X)` takes the value summary (`cxmodels.features.value_summary`): frequency, recency, T and,
    for the spend model, monetary_value, one row per customer; `predict` takes the same shape. Without
    monetary_value only p_alive and expected_purchases are fitted and predicted.

    The Gamma-Gamma model is fitted on the customers with frequency > 0 and monetary_value > 0 only
    (`n_spend_customers_`; the others are counted in `n_spend_left_out_`): the first purchase does not
    count in monetary_value and the model has no zero spend. Those customers are predicted the
    population mean order value p gamma / (q - 1).

    Learned: `params_` (a dict of floats: r, alpha, a, b or r, alpha, s, beta; and p, q, gamma),
    `penalizer_`, `spend_penalizer_` (None without spend), `n_customers_`, `n_spend_customers_`,
    `n_spend_left_out_`.
    """

    def __init__(self, model: str = "bgnbd", time_unit: str = "days", horizon_days: float = 365,
                 step_days: float = DAYS_PER_YEAR / 12, discount_rate: float = 0.1, penalizer: float = 0.0,
                 spend_penalizer: float = 0.0):
        self.model = model
        self.time_unit = time_unit
        self.horizon_days = horizon_days
        self.step_days = step_days
        self.discount_rate = discount_rate
        self.penalizer = penalizer
        self.spend_penalizer = spend_penalizer

    def fit(self, X: pd.DataFrame, y=None) -> "BTYDModel":
        """Fit the purchase model, and the spend model when X has monetary_value; returns self."""
        self._check_settings()
        columns = _summary_columns(X, with_spend=SPEND_COLUMN in getattr(X, "columns", ()))
        params, penalizer = fit_parameters(self.model, {c: columns[c] for c in PURCHASE_COLUMNS}, self.penalizer)
        spend_penalizer, spends = None, np.zeros(len(X), dtype=bool)
        if SPEND_COLUMN in columns:
            spends = _spends(columns)
            if spends.sum() < 2:
                raise DataError(f"the Gamma-Gamma spend model needs customers with frequency > 0 and "
                                 f"monetary_value > 0; X has {spends.sum()}")
            spend, spend_penalizer = fit_parameters(
                "gammagamma", {c: columns[c][spends] for c in ("frequency", SPEND_COLUMN)}, self.spend_penalizer)
            params.update(spend)
        self.params_, self.penalizer_, self.spend_penalizer_ = params, penalizer, spend_penalizer
        self.n_customers_, self.n_spend_customers_ = len(X), int(spends.sum())
        self.n_spend_left_out_ = len(X) - self.n_spend_customers_ if SPEND_COLUMN in columns else 0
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """p_alive (at the cut-off), expected_purchases (in the horizon), expected_order_value and clv,
        indexed like X; the last two only with the spend model."""
        check_fitted(self, "params_")
        columns = _summary_columns(X, with_spend=self._has_spend())
        frame = pd.DataFrame({
            "p_alive": formulas.p_alive(self.model, self.params_, *(columns[c] for c in PURCHASE_COLUMNS)),
        }, index=X.index)
        if self._has_spend():
            ends = _step_ends(self.horizon_days, self.step_days)
            cumulative = self._expected_purchases(columns, ends[:, None])
            order_value = self._expected_order_value(columns)
            discount = (1 + self.discount_rate) ** (-ends / DAYS_PER_YEAR)
            frame["expected_purchases"] = cumulative[-1]
            frame["expected_order_value"] = order_value
            frame["clv"] = order_value * (discount @ np.diff(cumulative, axis=0, prepend=0))
        else:
            frame["expected_purchases"] = self._expected_purchases(columns, self.horizon_days)
        bad = ~np.isfinite(frame.to_numpy()).all(axis=1)
        if bad.any():
            raise FloatingPointError(f"{self.model}: non-finite predictions for {bad.sum()} customers, "
                                     f"e.g. {X.index[bad][0]!r}: {X.loc[X.index[bad][0]].to_dict()}")
        frame.attrs["horizon_days"] = self.horizon_days
        return frame

    def expected_purchases(self, X: pd.DataFrame, horizon_days: float | None = None) -> pd.Series:
        """Expected repeat purchases in the `horizon_days` (default: the model's) after the cut-off."""
        check_fitted(self, "params_")
        days = self.horizon_days if horizon_days is None else horizon_days
        values = self._expected_purchases(_summary_columns(X, with_spend=False), days)
        return pd.Series(values, index=X.index, name="expected_purchases")

    def new_customer_purchases(self, days) -> np.ndarray:
        """Expected repeat purchases of a new customer in the `days` after their first purchase."""
        check_fitted(self, "params_")
        return formulas.expected_purchases(self.model, self.params_, 0, 0, 0, self._in_units(days))

    def _has_spend(self) -> bool:
        return "p" in self.params_

    def _expected_purchases(self, columns: dict, days) -> np.ndarray:
        return formulas.expected_purchases(self.model, self.params_, *(columns[c] for c in PURCHASE_COLUMNS),
                                                self._in_units(days))

    def _expected_order_value(self, columns: dict) -> np.ndarray:
        conditional = formulas.expected_order_value(self.params_, columns["frequency"], columns[SPEND_COLUMN])
        return np.where(_spends(columns), conditional, formulas.population_order_value(self.params_))

    def _in_units(self, days):
        return np.asarray(days, dtype=float) / TIME_UNITS[self.time_unit]

    def _check_settings(self) -> None:
        if self.model not in formulas.PURCHASE_PARAMETERS:
            raise ConfigError(f"model must be one of {tuple(formulas.PURCHASE_PARAMETERS)}, got {self.model!r}")
        if self.time_unit not in TIME_UNITS:
            raise ConfigError(f"time_unit must be one of {tuple(TIME_UNITS)}, got {self.time_unit!r}")
        for name in ("horizon_days", "step_days"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if not self.discount_rate > -1:
            raise ConfigError(f"discount_rate must be above -1, got {self.discount_rate}")


def _spends(columns: dict) -> np.ndarray:
    """Customers the spend model learns from: a repeat purchase with a positive mean value."""
    return (columns["frequency"] > 0) & (columns[SPEND_COLUMN] > 0)


def _step_ends(horizon_days: float, step_days: float) -> np.ndarray:
    """Ends of the steps from the cut-off to the horizon, in days; the last step may be shorter."""
    steps = int(np.ceil(horizon_days / step_days - 1e-9))
    return np.minimum(np.arange(1, steps + 1) * step_days, horizon_days)


def _summary_columns(X, with_spend: bool) -> dict[str, np.ndarray]:
    """The value summary's columns as float arrays, checked; errors name the column and the rule."""
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
    if with_spend:
        rules.append((SPEND_COLUMN, "must be >= 0", columns[SPEND_COLUMN] < 0))
    for name, rule, broken in rules:
        if broken.any():
            raise DataError(f"X[{name!r}] {rule}: {broken.sum()} of {len(X)} rows break it, "
                             f"e.g. index {X.index[broken][0]!r}")
    return columns
