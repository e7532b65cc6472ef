"""How well churn probabilities rank and how true they are: AUCs, Brier, log loss, lift, calibration.

Every function takes the outcomes `y` (1 or True: churned) and the predicted churn
probabilities `p`, one per customer.
"""

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics

from cxmodels.errors import ConfigError, DataError

EPSILON = 1e-15  # probabilities are clipped to [EPSILON, 1 - EPSILON] in the log loss


def _arrays(y, p) -> tuple[np.ndarray, np.ndarray]:
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if y.shape != p.shape or y.ndim != 1 or len(y) == 0:
        raise DataError(f"y and p must be two 1-D arrays of the same non-zero length, got {y.shape} and {p.shape}")
    if not np.isin(y, (0, 1)).all():
        raise DataError("y must hold 0/1 or booleans")
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise DataError("p must be probabilities in [0, 1]")
    return y, p


def roc_auc(y, p) -> float:
    """Area under the ROC curve: the chance that a churner gets a higher probability than a stayer."""
    y, p = _arrays(y, p)
    return float(metrics.roc_auc_score(y, p))


def roc_auc_difference(y, p, q) -> tuple[float, float]:
    """ROC-AUC of `p` minus that of `q` on the same customers, and its standard error by DeLong's method
    (DeLong, DeLong & Clarke-Pearson 1988), which accounts for both being scored on the same customers.
    A constant `q` (AUC 0.5 with no variance) leaves the standard error of `p`'s AUC alone."""
    y, p = _arrays(y, p)
    _, q = _arrays(y, q)
    positive = y == 1
    n1, n0 = int(positive.sum()), int((~positive).sum())
    if n1 == 0 or n0 == 0:
        raise DataError("the AUC needs churners and stayers; y holds one class")
    placements = []
    for scores in (p, q):
        everyone = stats.rankdata(scores)
        among_positive, among_negative = stats.rankdata(scores[positive]), stats.rankdata(scores[~positive])
        v10 = (everyone[positive] - among_positive) / n0  # per churner: the share of stayers it outranks
        v01 = 1 - (everyone[~positive] - among_negative) / n1  # per stayer: the share of churners above it
        placements.append((v10, v01))
    aucs = [float(v10.mean()) for v10, _ in placements]
    s10 = np.cov(np.vstack([v10 for v10, _ in placements]))
    s01 = np.cov(np.vstack([v01 for _, v01 in placements]))
    variance = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / n1 + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n0
    return aucs[0] - aucs[1], float(np.sqrt(max(variance, 0.0)))


def pr_auc(y, p) -> float:
    """Area under the precision-recall curve, as average precision (precision at each churner found, averaged)."""
    y, p = _arrays(y, p)
    return float(metrics.average_precision_score(y, p))


def brier_score(y, p) -> float:
    """Mean squared difference between the probability and the outcome (0 is perfect)."""
    y, p = _arrays(y, p)
    return float(np.mean((p - y) ** 2))


def log_loss(y, p) -> float:
    """Mean negative log-likelihood of the outcomes, probabilities clipped to [1e-15, 1 - 1e-15]."""
    y, p = _arrays(y, p)
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def roc_curve(y, p) -> pd.DataFrame:
    """The ROC curve: for each threshold, the share of stayers flagged (false_positive_rate) and of
    churners found (true_positive_rate) among customers at or above it."""
    y, p = _arrays(y, p)
    false_positive_rate, true_positive_rate, threshold = metrics.roc_curve(y, p)
    return pd.DataFrame({"false_positive_rate": false_positive_rate, "true_positive_rate": true_positive_rate,
                         "threshold": threshold})


def gain_curve(y, p) -> pd.DataFrame:
    """Cumulative gain: contacting customers from the highest probability down, the share of churners
    found (`churners_found`) against the share contacted (`customers_contacted`), from (0, 0) to (1, 1).
    Equal probabilities are contacted together. `lift` is churners_found / customers_contacted."""
    y, p = _arrays(y, p)
    order = np.argsort(-p, kind="stable")
    p_sorted, found = p[order], np.cumsum(y[order])
    last_of_tie = np.append(p_sorted[1:] != p_sorted[:-1], True)
    contacted = np.flatnonzero(last_of_tie) + 1
    share = np.append(0.0, contacted / len(y))
    churners = np.append(0.0, found[contacted - 1] / max(found[-1], 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        lift = np.where(share > 0, churners / share, np.nan)
    return pd.DataFrame({"customers_contacted": share, "churners_found": churners, "lift": lift})


def top_decile_lift(y, p, share: float = 0.1) -> float:
    """Churn rate among the `share` of customers with the highest probabilities, over the overall churn rate.

    The top is the first ceil(share * n) customers by probability; customers tied at its edge
    count in proportion, so the result does not depend on the order of ties.
    """
    y, p = _arrays(y, p)
    if not 0 < share <= 1:
        raise ConfigError(f"share must be in (0, 1], got {share}")
    k = int(np.ceil(share * len(y)))
    edge = np.sort(p)[::-1][k - 1]
    above = p > edge
    tied = p == edge
    churners_in_top = y[above].sum() + (k - above.sum()) * y[tied].mean()
    return float(churners_in_top / k / y.mean()) if y.mean() > 0 else float("nan")


def calibration_table(y, p, bins: int = 10, strategy: str = "uniform") -> pd.DataFrame:
    """Per bin of predicted probability: customers (n), mean predicted probability and observed churn rate.

    strategy "uniform": bins of equal width on [0, 1]; "quantile": bins of about equal size.
    Empty bins are left out. A calibrated model has mean_predicted close to observed_rate.
    """
    y, p = _arrays(y, p)
    if strategy == "uniform":
        edges = np.linspace(0, 1, bins + 1)
    elif strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    else:
        raise ConfigError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}")
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    frame = pd.DataFrame({"bin": which, "p": p, "y": y}).groupby("bin")
    table = pd.DataFrame({
        "bin_low": edges[:-1], "bin_high": edges[1:],
    }).join(frame.agg(n=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean")), how="inner")
    return table.reset_index(drop=True)


def churn_report(y, p) -> dict[str, float]:
    """The headline numbers of a churn model in one call: customers, churn rate, ROC-AUC, PR-AUC,
    Brier score, log loss, top-decile lift and the mean predicted probability."""
    y, p = _arrays(y, p)
    return {
        "customers": len(y),
        "churn_rate": float(y.mean()),
        "mean_predicted": float(p.mean()),
        "roc_auc": roc_auc(y, p),
        "pr_auc": pr_auc(y, p),
        "brier": brier_score(y, p),
        "log_loss": log_loss(y, p),
        "top_decile_lift": top_decile_lift(y, p),
    }


def compare_churn_models(y, predictions: dict[str, np.ndarray]) -> pd.DataFrame:
    """`churn_report` of each model's probabilities on the same customers, one row per model."""
    return pd.DataFrame({name: churn_report(y, p) for name, p in predictions.items()}).T.rename_axis("model")
