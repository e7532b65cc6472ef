"""Calibrating a score into churn probabilities on a validation split: isotonic, sigmoid (Platt) or none.

The calibrators are plain scikit-learn objects (IsotonicRegression, LogisticRegression) that
map the booster's log-odds to a probability, so they pickle with the model.
"""

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from cxmodels.errors import ConfigError
from cxmodels.metrics.classification import log_loss

METHODS = ("isotonic", "sigmoid")
CHOICES = ("auto", *METHODS, None)
EPSILON = 1e-6  # calibrated probabilities stay in [EPSILON, 1 - EPSILON]: a log loss stays finite


def fit_calibrator(method: str | None, log_odds: np.ndarray, y: np.ndarray):
    """The calibrator of `method` fitted on (log-odds, 0/1 outcome); None for no calibration."""
    if method is None:
        return None
    if method == "isotonic":
        return IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(log_odds, y)
    if method == "sigmoid":
        return LogisticRegression(C=1e6).fit(log_odds[:, None], y)
    raise ConfigError(f"calibration must be one of {CHOICES}, got {method!r}")


def calibrated(calibrator, log_odds: np.ndarray) -> np.ndarray:
    """Churn probabilities from log-odds through a fitted calibrator (None: the logistic of the log-odds)."""
    if calibrator is None:
        probability = 1 / (1 + np.exp(-log_odds))
    elif isinstance(calibrator, IsotonicRegression):
        probability = calibrator.predict(log_odds)
    else:
        probability = calibrator.predict_proba(log_odds[:, None])[:, 1]
    return np.clip(probability, EPSILON, 1 - EPSILON)


def choose_calibration(log_odds: np.ndarray, y: np.ndarray, folds: int = 5, random_state: int = 0) -> dict:
    """Log loss on the validation split of no calibration ("none") and out of fold of isotonic and sigmoid.

    Each calibrator is fitted on all folds but one and scored on that one, so the flexible
    isotonic fit does not win by memorising the split.
    """
    losses = {"none": log_loss(y, calibrated(None, log_odds))}
    folds = min(folds, int(np.bincount(y, minlength=2).min()))
    if folds < 2:
        return losses
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=random_state).split(log_odds, y))
    for method in METHODS:
        out_of_fold = np.empty(len(y))
        for fit_rows, score_rows in splits:
            calibrator = fit_calibrator(method, log_odds[fit_rows], y[fit_rows])
            out_of_fold[score_rows] = calibrated(calibrator, log_odds[score_rows])
        losses[method] = log_loss(y, out_of_fold)
    return losses

