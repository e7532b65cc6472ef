"""How far a distribution has moved from a reference: profiles of a snapshot's columns and the population
stability index (PSI) of new values against them.

A profile holds a column's bins and the share of the reference in each: for numbers, up to BINS bins
between its quantiles; for text and categories, one bin per category; missing values in a bin of their
own, so a column that goes missing shows as drift too. Values outside every reference category fall in
an "other" bin. PSI = sum over bins of (current - reference) * ln(current / reference), each share at
least EPSILON; by the usual reading below 0.1 is stable, 0.1-0.25 a shift, above 0.25 a large shift.
"""

import numpy as np
import pandas as pd

from cxmodels.errors import DataError

BINS = 10
EPSILON = 1e-4
OTHER = "(other)"


def profile(values: pd.Series, bins: int = BINS) -> dict:
    """The profile of one column (JSON-able): kind, bin edges or categories, shares per bin, missing share."""
    if len(values) == 0:
        raise DataError(f"column {values.name!r} has no rows to profile")
    missing = values.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        known = values.to_numpy(dtype=float, na_value=np.nan)[~missing]
        edges = np.unique(np.quantile(known, np.linspace(0, 1, bins + 1)[1:-1])) if len(known) else np.array([])
        result = {"kind": "numeric", "edges": [float(edge) for edge in edges]}
    else:
        result = {"kind": "categorical", "categories": sorted(values[~missing].astype(str).unique().tolist())}
    result["shares"] = shares(result, values).tolist()
    result["missing"] = float(missing.mean())
    return result


def shares(reference: dict, values: pd.Series) -> np.ndarray:
    """The share of `values` in each bin of `reference` (its profile): the bins, then other, then missing."""
    missing = values.isna().to_numpy()
    if reference["kind"] == "numeric":
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        known = np.searchsorted(np.asarray(reference["edges"], dtype=float), numbers[~missing], side="left")
        counts = np.bincount(known, minlength=len(reference["edges"]) + 1).astype(float)
        counts = np.append(counts, 0.0)  # numbers have no "other"
    else:
        categories = reference["categories"]
        position = pd.Categorical(values[~missing].astype(str), categories=categories).codes
        counts = np.bincount(np.where(position < 0, len(categories), position), minlength=len(categories) + 1)
    counts = np.append(counts.astype(float), missing.sum())
    return counts / max(len(values), 1)


def psi(reference: dict, values: pd.Series) -> float:
    """The population stability index of `values` against the reference profile."""
    expected = np.maximum(np.asarray(reference["shares"], dtype=float), EPSILON)
    actual = np.maximum(shares(reference, values), EPSILON)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def frame_profile(frame: pd.DataFrame, bins: int = BINS) -> dict[str, dict]:
    """The profile of every column of `frame`, by name."""
    return {str(name): profile(frame[name], bins) for name in frame.columns}


def new_categories(reference: dict, values: pd.Series) -> list[str]:
    """The values of a categorical column that its reference profile never saw."""
    if reference["kind"] != "categorical":
        return []
    seen = set(reference["categories"])
    return sorted(set(values.dropna().astype(str)) - seen)
