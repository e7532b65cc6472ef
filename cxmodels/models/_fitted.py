"""The one check that an estimator is fitted before it is used."""

from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from cxmodels.errors import ModelError


class NotFittedError(ModelError, SklearnNotFittedError):
    """An estimator used before `fit`; also scikit-learn's NotFittedError, so sklearn tooling recognises it."""


def check_fitted(estimator, attribute: str) -> None:
    """Raise NotFittedError naming the estimator's class unless `fit` has set `attribute`."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(f"this {type(estimator).__name__} is not fitted yet: call fit(...) before using it")
