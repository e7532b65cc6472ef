"""The machine-learning alternative for CLV: LightGBM on snapshot features, learning the horizon's labels."""

import numpy as np
import pandas as pd
from lightgbm import LGBMRegressor
from sklearn.base import BaseEstimator

from cxmodels.errors import DataError
from cxmodels.models._fitted import check_fitted

TARGETS = {"expected_purchases": ("future_purchases", "poisson"), "clv": ("future_spend", "tweedie")}


class LightGBMCLVModel(BaseEstimator):
    """Expected purchases and spend in a horizon, from the features of `cxmodels.features.build_features`.

    `fit(X, y)`: X the features as of a cut-off, y the labels of the horizon after it
    (`cxmodels.features.labels`: future_purchases, future_spend), same index. Two boosters:
    Poisson for purchases, Tweedie for spend, so both predict means of zero-heavy counts and
    amounts. Spend net of refunds below 0 is learned as 0. The horizon is that of the labels;
    `predict(X)` gives expected_purchases and clv (the expected spend in that horizon,
    undiscounted), indexed like X.

    Learned: `feature_names_in_`, `purchases_model_` and `spend_model_` (LGBMRegressor).
    """

    def __init__(self, n_estimators: int = 300, learning_rate: float = 0.05, num_leaves: int = 31,
                 min_child_samples: int = 20, tweedie_variance_power: float = 1.5, random_state: int = 0,
                 n_jobs: int | None = None):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.tweedie_variance_power = tweedie_variance_power
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: pd.DataFrame, y: pd.DataFrame) -> "LightGBMCLVModel":
        """Fit both boosters; returns self."""
        if not isinstance(X, pd.DataFrame) or not isinstance(y, pd.DataFrame):
            raise TypeError("X (features) and y (labels) must be pandas DataFrames")
        missing = [label for label, _ in TARGETS.values() if label not in y.columns]
        if missing:
            raise DataError(f"y lacks the label columns {missing}")
        if not X.index.equals(y.index):
            raise DataError("X and y must have the same index (customers in the same order)")
        for label, _ in TARGETS.values():
            if not np.isfinite(y[label].to_numpy(dtype=float)).all():
                raise DataError(f"y[{label!r}] must be finite")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.purchases_model_, self.spend_model_ = (
            self._booster(objective).fit(X, y[label].clip(lower=0)) for label, objective in TARGETS.values())
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """expected_purchases and clv in the labels' horizon, indexed like X."""
        check_fitted(self, "feature_names_in_")
        missing = [name for name in self.feature_names_in_ if name not in X.columns]
        if missing:
            raise DataError(f"X lacks features the model was fitted on: {missing}")
        X = X[list(self.feature_names_in_)]
        return pd.DataFrame({"expected_purchases": self.purchases_model_.predict(X),
                             "clv": self.spend_model_.predict(X)}, index=X.index)

    def _booster(self, objective: str) -> LGBMRegressor:
        extra = {"tweedie_variance_power": self.tweedie_variance_power} if objective == "tweedie" else {}
        return LGBMRegressor(objective=objective, n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                             num_leaves=self.num_leaves, min_child_samples=self.min_child_samples,
                             random_state=self.random_state, n_jobs=self.n_jobs, verbose=-1, **extra)
