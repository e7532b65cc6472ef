"""95 % (or any level) confidence intervals for the KPIs, vectorised over groups.

Every function takes array-likes of equal length (one entry per group) and returns
`(low, high)` as float arrays; a group with no observations gets NaN.
"""

import numpy as np
from scipy import stats


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(successes, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion `successes / n`; stays inside [0, 1] even at 0 or n."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = successes / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def mean_interval(
    mean, std, n, confidence: float = 0.95, within: tuple[float, float] = (-np.inf, np.inf)
) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval for a mean from the sample standard deviation (ddof=1), clipped to the
    range `within` the values can take (a time is >= 0, a score stays on its scale); NaN when n < 2."""
    mean, std, n = (np.asarray(a, dtype=float) for a in (mean, std, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        half = stats.t.ppf(0.5 + confidence / 2, np.where(n >= 2, n - 1, np.nan)) * std / np.sqrt(n)
    return np.clip(mean - half, *within), np.clip(mean + half, *within)


def nps_interval(promoters, detractors, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Normal interval for NPS in points from the trinomial variance, clipped to [-100, 100].

    With shares pP and pD of promoters and detractors among n answers,
    var(NPS / 100) = (pP + pD - (pP - pD)^2) / n.
    """
    promoters, detractors, n = (np.asarray(a, dtype=float) for a in (promoters, detractors, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_promoter, p_detractor = promoters / n, detractors / n
        score = p_promoter - p_detractor
        half = _z(confidence) * np.sqrt((p_promoter + p_detractor - score**2) / n)
    return np.clip(100 * (score - half), -100, 100), np.clip(100 * (score + half), -100, 100)
