"""Baselines for the churn model, with its interface: logistic regression, and BG/NBD's P(no purchase)."""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from cxmodels.errors import ConfigError, DataError
from cxmodels.features.config import TIME_UNITS
from cxmodels.models._fitted import check_fitted
from cxmodels.models.churn._inputs import ChurnEstimator, feature_columns
from cxmodels.models.clv.btyd import PURCHASE_COLUMNS, BTYDModel
from cxmodels.models.clv.formulas import p_alive


class LogisticChurnBaseline(ChurnEstimator):
    """Logistic regression on the same snapshot features as `ChurnModel`.

    Numbers: missing values imputed by the median, with a missing flag, then standardised;
    categories (fixed at fit, as in ChurnModel): one-hot, missing as its own category.
    Learned: `feature_names_in_`, `categories_`, `classes_` and `pipeline_` (the fitted Pipeline).
    """

    def __init__(self, C: float = 1.0, max_iter: int = 2000):
        self.C = C
        self.max_iter = max_iter

    def fit(self, X: pd.DataFrame, y) -> "LogisticChurnBaseline":
        """Fit the pipeline on all rows of X; returns self."""
        matrix, target = self._learn_inputs(X, y)
        categorical = self._category_positions()
        numeric = [j for j in range(matrix.shape[1]) if j not in categorical]
        one_hot = OneHotEncoder(categories=[np.arange(-1, len(self.categories_[self.feature_names_in_[j]]))
                                            for j in categorical], handle_unknown="ignore")
        columns = ColumnTransformer([
            ("numbers", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
             numeric),
            ("categories", make_pipeline(SimpleImputer(strategy="constant", fill_value=-1), one_hot), categorical),
        ])
        self.pipeline_ = Pipeline([("features", columns), ("logistic", LogisticRegression(C=self.C,
                                                                                         max_iter=self.max_iter))])
        self.pipeline_.fit(matrix, target)
        return self

    def _churn_probability(self, X: pd.DataFrame) -> np.ndarray:
        matrix = self._inputs(X)  # checks that the model is fitted
        return self.pipeline_.predict_proba(matrix)[:, 1]


class BGNBDChurnBaseline(ChurnEstimator):
    """P(no purchase in the next `horizon_days`) under a BG/NBD model of the value summary.

    It predicts the non-contractual churn label; for contractual churn (a cancellation) it is a
    proxy. `fit(X, y=None)` fits BG/NBD (`BTYDModel`) on frequency, recency and T of the rows of
    the latest as_of in X with a purchase; y is not used. For a customer alive at T with x repeat
    purchases, purchases come at rate lambda ~ Gamma(r + x, alpha + T), so
    P(none in (T, T + t]) = 1 - P(alive) + P(alive) ((alpha + T) / (alpha + T + t))^(r + x).
    A customer without purchases is scored as a new one (x = recency = T = 0).

    time_unit: that of recency and T in X ("days" or "weeks"), as in the FeatureConfig.
    Learned: `feature_names_in_`, `classes_`, `purchase_model_` (the fitted BTYDModel).
    """

    def __init__(self, horizon_days: float = 90, time_unit: str = "days", penalizer: float = 0.0):
        self.horizon_days = horizon_days
        self.time_unit = time_unit
        self.penalizer = penalizer

    def fit(self, X: pd.DataFrame, y=None) -> "BGNBDChurnBaseline":
        """Fit BG/NBD on the value summary of the latest as_of in X; returns self."""
        if not self.horizon_days > 0:
            raise ConfigError(f"horizon_days must be positive, got {self.horizon_days}")
        self.feature_names_in_ = np.asarray(feature_columns(X), dtype=object)
        self.classes_ = np.unique(np.asarray(y)) if y is not None else np.array([False, True])
        latest = X if "as_of" not in X.columns else X[X["as_of"] == X["as_of"].max()]
        summary = _summary(latest).dropna()
        self.purchase_model_ = BTYDModel("bgnbd", time_unit=self.time_unit, penalizer=self.penalizer).fit(summary)
        return self

    def _churn_probability(self, X: pd.DataFrame) -> np.ndarray:
        check_fitted(self, "purchase_model_")
        summary = _summary(X).fillna(0.0)
        params = self.purchase_model_.params_
        x, recency, T = (summary[name].to_numpy() for name in PURCHASE_COLUMNS)
        alive = p_alive("bgnbd", params, x, recency, T)
        t = self.horizon_days / TIME_UNITS[self.time_unit]
        none_if_alive = np.exp((params["r"] + x) * (np.log(params["alpha"] + T) - np.log(params["alpha"] + T + t)))
        return 1 - alive + alive * none_if_alive


def _summary(X: pd.DataFrame) -> pd.DataFrame:
    missing = [name for name in PURCHASE_COLUMNS if name not in feature_columns(X)]
    if missing:
        raise DataError(f"X lacks the value-summary features {missing} (the `value` feature builder)")
    return X[list(PURCHASE_COLUMNS)].astype(float).reset_index(drop=True)
