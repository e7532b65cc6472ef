"""The reasons behind a churn probability, in words a CRM user reads.

A reason is one feature's contribution to the customer's score (TreeSHAP, in log-odds),
phrased from the registry's plain-words description of the feature and the customer's
value: "Days since the last purchase: 124 (raises risk)".
"""

import numpy as np
import pandas as pd

from cxmodels.errors import ConfigError
from cxmodels.features import FeatureConfig, describe

TREND_MARK = "(-1 stopped"  # in the descriptions of the trend features, which run from -1 to +1


def feature_descriptions(names, config: FeatureConfig | None = None) -> dict[str, str]:
    """Plain-words description of each feature, from the registry under `config`; else the name in words."""
    registry = describe(config)
    return {name: registry.get(name, name.replace("_", " ")) for name in names}


def format_value(value, description: str) -> str:
    """A feature value as a person writes it: shares in %, trends signed, counts, days and seconds whole."""
    if value is None or pd.isna(value):
        return "none on record"
    if isinstance(value, str):
        return value
    value = float(value)
    if description.startswith("share of"):
        return f"{value:.0%}"
    if TREND_MARK in description:
        return f"{value:+.2f}"
    if abs(value) >= 10 or value == round(value) or description.startswith("days") or "in seconds" in description:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0")


def phrase(description: str, value, contribution: float) -> str:
    """One reason: "<Description>: <value> (raises risk)" or "(lowers risk)"."""
    direction = "raises risk" if contribution > 0 else "lowers risk"
    return f"{description[:1].upper()}{description[1:]}: {format_value(value, description)} ({direction})"


def top_reasons(contributions: np.ndarray, values: pd.DataFrame, descriptions: dict[str, str],
                top: int) -> pd.DataFrame:
    """Per row, the `top` features with the largest contributions in absolute value.

    contributions: n x features, in the column order of `values` (the customers' feature values).
    Returns reason_1..reason_k (text), then feature_i and contribution_i; a feature that did not
    move the score (contribution 0) gives no reason (missing).
    """
    if top < 1:
        raise ConfigError(f"top must be at least 1, got {top}")
    top = min(top, contributions.shape[1])
    names = np.asarray(values.columns, dtype=object)
    rows = np.arange(len(values))[:, None]
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :top]
    picked = contributions[rows, order]
    cells = values.to_numpy(dtype=object)[rows, order]
    moved = picked != 0
    texts, features = {}, {}
    for i in range(top):
        column, amount = order[:, i], picked[:, i]
        texts[f"reason_{i + 1}"] = [phrase(descriptions[names[col]], cell, c) if m else None
                                    for col, cell, c, m in zip(column, cells[:, i], amount, moved[:, i])]
        features[f"feature_{i + 1}"] = np.where(moved[:, i], names[column], None)
        features[f"contribution_{i + 1}"] = np.where(moved[:, i], amount, np.nan)
    return pd.DataFrame({**texts, **features}, index=values.index)
