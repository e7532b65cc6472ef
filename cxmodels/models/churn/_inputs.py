"""What the churn models take: a snapshot frame of features, checked, with its categories fixed at fit.

A snapshot frame (`cxmodels.features.build_snapshots`) holds `as_of`, `customer_id`, the
features and the labels. The models learn from the features only: `as_of` and
`customer_id` identify a row, and a label column among the inputs is refused, as it
would leak the answer. Text and category columns become codes into the categories seen
at fit, so a pickled model reads the same value as the same category wherever it runs.
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from cxmodels.errors import CxmodelsWarning, DataError
from cxmodels.features import LABEL_COLUMNS
from cxmodels.models._fitted import check_fitted

ID_COLUMNS = ("as_of", "customer_id")


class UnknownCategoryWarning(CxmodelsWarning):
    """Values of a category column that were not seen at fit; they are treated as missing."""


class ChurnEstimator(ClassifierMixin, BaseEstimator):
    """What every churn model shares: predict_proba and predict from the subclass's churn probability,
    and the checks of X and y; `_learn_inputs` and `_inputs` turn X into the numeric matrix models fit on.

    Learned by `_learn_inputs`: `feature_names_in_` (the feature columns, without `as_of` and `customer_id`),
    `categories_` ({column: categories} of the text and category columns) and `classes_`.
    """

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """P(not churned), P(churned) per row of X, as an n x 2 array."""
        churn = self._churn_probability(X)
        return np.column_stack([1 - churn, churn])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The predicted class per row: churned when the churn probability is at least 0.5."""
        churned = self._churn_probability(X) >= 0.5  # checks that the model is fitted
        return self.classes_[churned.astype(int)]

    def _churn_probability(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def _learn_inputs(self, X: pd.DataFrame, y) -> tuple[np.ndarray, np.ndarray]:
        """Check X and y, learn the feature names, categories and classes; (matrix, y as 0/1)."""
        names = feature_columns(X)
        if not names:
            raise DataError("X has no feature columns")
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.categories_ = {name: _categories(X[name]) for name in names if _is_categorical(X[name])}
        target, self.classes_ = _binary_target(y, len(X))
        return self._matrix(X), target

    def _inputs(self, X: pd.DataFrame) -> np.ndarray:
        """The matrix of X for a fitted model: the same feature columns as at fit, in the fit's order."""
        check_fitted(self, "feature_names_in_")
        names = feature_columns(X)
        missing = [name for name in self.feature_names_in_ if name not in names]
        unknown = [name for name in names if name not in set(self.feature_names_in_)]
        if missing or unknown:
            raise DataError(f"X must have the feature columns of fit; missing {missing}, not seen at fit {unknown}")
        return self._matrix(X)

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Features as float64, columns in `feature_names_in_` order; categories as codes, missing as NaN."""
        matrix = np.empty((len(X), len(self.feature_names_in_)), order="F")  # filled a column at a time
        for j, name in enumerate(self.feature_names_in_):
            if name in self.categories_:
                matrix[:, j] = category_codes(X[name], self.categories_[name])
            else:
                matrix[:, j] = _numbers(X[name])
        return matrix

    def _category_positions(self) -> list[int]:
        return [j for j, name in enumerate(self.feature_names_in_) if name in self.categories_]


def feature_columns(X) -> list[str]:
    """The feature columns of a snapshot frame: every column but `as_of` and `customer_id`; labels refused."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame of features (a snapshot frame), got {type(X).__name__}")
    if len(X) == 0:
        raise DataError("X has no rows")
    labels = [name for name in X.columns if name in LABEL_COLUMNS]
    if labels:
        raise DataError(f"X holds the label columns {labels}: they are what the model predicts, not features; "
                         f"drop them from X and pass `churned` as y")
    if X.columns.duplicated().any():
        raise DataError(f"X has repeated column names {list(X.columns[X.columns.duplicated()])}")
    return [str(name) for name in X.columns if name not in ID_COLUMNS]


def category_codes(values: pd.Series, categories: list) -> np.ndarray:
    """Codes of `values` into `categories` (float, NaN when missing); unknown values become missing, with a warning."""
    codes = pd.Index(categories, dtype=object).get_indexer(values.astype(object)).astype(float)
    codes[codes < 0] = np.nan
    unseen = values.notna().to_numpy() & np.isnan(codes)
    if unseen.any():
        examples = sorted({str(value) for value in values[unseen]})[:3]
        warnings.warn(f"{values.name}: {int(unseen.sum())} values not seen at fit (e.g. {examples}) are treated as "
                      f"missing", UnknownCategoryWarning, stacklevel=4)
    return codes


def _is_categorical(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(column.dtype) \
        or pd.api.types.is_object_dtype(column.dtype)


def _categories(column: pd.Series) -> list:
    """The categories of a category column (all of them, in their order), else the sorted distinct values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return list(column.cat.categories)
    return sorted(column.dropna().unique().tolist())


def _numbers(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column):
        raise DataError(f"feature {column.name!r} is {column.dtype}; give times as numbers (e.g. days since)")
    return column.to_numpy(dtype=float, na_value=np.nan)


def _binary_target(y, n: int) -> tuple[np.ndarray, np.ndarray]:
    """y as 0/1 and its two classes (sorted: the second is "churned")."""
    if y is None:
        raise DataError("y is required: whether each customer churned (e.g. the snapshot's `churned` column)")
    values = pd.Series(y).to_numpy()
    if len(values) != n:
        raise DataError(f"y has {len(values)} values, X has {n} rows")
    if pd.isna(values).any():
        raise DataError("y has missing values")
    classes = np.unique(values)
    if len(classes) != 2:
        raise DataError(f"y must hold two classes (churned or not), got {classes.tolist()}")
    return (values == classes[1]).astype(np.int8), classes
