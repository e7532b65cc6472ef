"""TreeSHAP contributions of a LightGBM booster on many rows, exactly LightGBM's, at a fraction of the cost.

Path-dependent TreeSHAP reads a row only through the direction it takes at each split of a tree
(the branch it follows, also at the splits off its own path): rows that go the same way at every
split of a tree get the same contributions from that tree. A tree of a few dozen splits sees few
distinct direction patterns, so LightGBM's own TreeSHAP (`pred_contrib`) runs on one row of each
pattern, tree by tree, and each row gets its pattern's contributions.
"""

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

ZERO = 1e-35  # LightGBM's kZeroThreshold: values this small are read as 0
DENSE_PATTERNS = 20  # trees of at most this many splits number their patterns with a table, not a hash


@dataclass(frozen=True)
class Split:
    """One internal node as LightGBM decides it: go left or right."""

    feature: int
    threshold: float  # numerical splits: left when value <= threshold
    categories: tuple  # categorical splits: left when the (whole) value is one of these
    default_left: bool  # where a missing value goes, per missing_type
    missing_type: str  # "None" (missing read as 0), "Zero" (0 and missing go the default way) or "NaN"

    def goes_left(self, values: np.ndarray) -> np.ndarray:
        """Whether each value (one feature's column, tiny magnitudes already 0) goes left, as LightGBM decides."""
        if self.categories:
            return np.isin(np.trunc(values), self.categories)  # missing and negative values go right
        if self.missing_type != "Zero":  # NaN compares false: `not >` sends it left, `<=` right
            missing_left = self.default_left if self.missing_type == "NaN" else 0 <= self.threshold  # "None": as 0
            return ~(values > self.threshold) if missing_left else values <= self.threshold
        return np.where((values == 0) | np.isnan(values), self.default_left, values <= self.threshold)


def tree_splits(booster: lgb.Booster, num_iteration: int | None = None) -> list[list[Split]]:
    """The internal nodes of each tree of the booster (its first `num_iteration` trees)."""
    trees = []
    for info in booster.dump_model(num_iteration=num_iteration)["tree_info"]:
        splits, pending = [], [info["tree_structure"]]
        while pending:
            node = pending.pop()
            if "split_feature" not in node:
                continue
            categorical = node["decision_type"] == "=="
            splits.append(Split(
                feature=node["split_feature"], threshold=np.nan if categorical else float(node["threshold"]),
                categories=tuple(int(c) for c in str(node["threshold"]).split("||")) if categorical else (),
                default_left=bool(node["default_left"]), missing_type=node["missing_type"]))
            pending += [node["left_child"], node["right_child"]]
        trees.append(splits)
    return trees


def patterns(matrix: np.ndarray, splits: list[Split]) -> np.ndarray:
    """Per row, the number (0, 1, ...) of its direction pattern through these splits."""
    if not splits:
        return np.zeros(len(matrix), dtype=np.intp)
    words = []  # the pattern's bits, 31 to a word
    for start in range(0, len(splits), 31):
        word = np.zeros(len(matrix), dtype=np.int64)
        for bit, split in enumerate(splits[start:start + 31]):
            word |= split.goes_left(matrix[:, split.feature]).astype(np.int64) << bit
        words.append(word)
    if len(splits) <= DENSE_PATTERNS:
        seen = np.zeros(1 << len(splits), dtype=np.intp)
        seen[words[0]] = 1
        return (np.cumsum(seen) - 1)[words[0]]
    codes = pd.factorize(words[0])[0]
    for word in words[1:]:
        codes = pd.factorize(codes.astype(np.int64) << 31 | word)[0]
    return codes


def tree_contributions(booster: lgb.Booster, matrix: np.ndarray, num_iteration: int | None = None) -> np.ndarray:
    """`booster.predict(matrix, pred_contrib=True, num_iteration=num_iteration)` of a binary or regression
    booster: per row the contribution of each feature and, last, the bias; equal to LightGBM's up to the
    order of the sums (round-off)."""
    matrix = np.asarray(matrix, dtype=float)
    read = np.where(np.abs(matrix) <= ZERO, 0.0, matrix)  # as LightGBM reads the values
    read = np.asfortranarray(read)  # a feature's column contiguous
    total = np.zeros((matrix.shape[1] + 1, len(matrix)))  # per feature, per row
    for tree, splits in enumerate(tree_splits(booster, num_iteration)):
        codes = patterns(read, splits)
        first = np.empty(codes.max() + 1, dtype=np.intp)
        first[codes] = np.arange(len(codes))  # one row of each pattern (any one: they are alike)
        table = booster.predict(matrix[first], pred_contrib=True, start_iteration=tree, num_iteration=1,
                                num_threads=1)
        for feature in sorted({split.feature for split in splits}):
            total[feature] += table[codes, feature]
        total[-1] += table[0, -1]  # the tree's expected value, the same for every row
    return total.T
