"""The churn model on a cluster: lightgbm.dask on training snapshots that stay on the workers; early stopping and
calibration on the client, on the same out-of-time validation split as `ChurnModel.fit`, so that the result is an
ordinary fitted ChurnModel (registry, pyfunc, scoring and reasons read it as any other).

lightgbm.dask trains every worker on its local rows in one distributed booster, but its early stopping would
stop each worker on its own part of the validation rows; so the booster grows its `n_estimators` trees, and
the client picks the iteration `lightgbm.early_stopping` would have stopped at, from the validation log loss
after each tree, on the validation split gathered (at most VALIDATION_ROWS of it, a random sample beyond).
"""

from operator import itemgetter

import numpy as np
import pandas as pd

from cxmodels.cluster.partition import PartitionedDataset
from cxmodels.errors import ConfigError, DataError
from cxmodels.features import LABEL_COLUMNS
from cxmodels.models.churn._calibration import CHOICES
from cxmodels.models.churn._inputs import _categories, _is_categorical, feature_columns
from cxmodels.models.churn.model import ChurnModel, out_of_time_note, out_of_time_rows

VALIDATION_ROWS = 500_000  # of the validation split gathered on the client for early stopping and calibration
LABEL = "churned"


def fit_on_cluster(model: ChurnModel, snapshots: PartitionedDataset) -> ChurnModel:
    """`model` fitted with lightgbm.dask on `snapshots`: per partition a snapshot frame (as_of, customer_id, the
    features and the labels), its `churned` the target; returns the fitted `model`.

    The categories of the category columns are those a single frame would give (sorted, or the categorical dtype's
    own); `model.validation` must be a number of as_of dates (the latest, as in `ChurnModel.fit`).
    """
    if model.calibration not in CHOICES:
        raise ConfigError(f"calibration must be one of {CHOICES}, got {model.calibration!r}")
    if isinstance(model.validation, bool) or not isinstance(model.validation, (int, np.integer)) \
            or model.validation < 1:
        raise ConfigError(f"on a cluster the churn model's validation must be a number of as_of dates (int >= 1), "
                          f"got {model.validation!r}")
    facts = snapshots.map(_facts)
    _learn_columns(model, facts)
    dates = sorted(set().union(*(fact["dates"] for fact in facts)))
    if len(dates) <= model.validation:
        raise DataError(f"validation={model.validation} as_of dates leaves none to train on: the snapshots have "
                        f"{len(dates)}")
    chosen = dates[-int(model.validation):]
    split = snapshots.apply(_split, model, chosen)
    sizes = split.map(_sizes)
    validation = snapshots.client.gather(snapshots.client.map(itemgetter(1), split.parts))
    matrix, target = _sample(validation, model.random_state)
    training_rows = sum(size[0] for size in sizes)
    model.validation_ = out_of_time_note(chosen, sum(fact["rows"] for fact in facts), training_rows,
                                         sum(size[1] for size in sizes))
    churned = sum(size[2] for size in sizes)
    for name, both in (("training", 0 < churned < training_rows), ("validation", 0 < target.sum() < len(target))):
        if not both:
            raise DataError(f"the {name} split ({model.validation_}) holds a single class; "
                            f"give more as_of dates or change `validation`")
    booster = _dask_booster(model, split, sizes)
    losses = _losses(booster, matrix, target)
    best = _early_stopped(losses, model.early_stopping_rounds)
    booster.best_iteration = best
    booster.best_score = {"valid_0": {"binary_logloss": float(losses[best - 1])}}
    return model._adopt(booster, best, matrix, target)


def _facts(frame: pd.DataFrame) -> dict:
    """What a partition's snapshot frame says about the columns, categories, labels and dates."""
    X = frame.drop(columns=list(LABEL_COLUMNS))
    names = feature_columns(X) if len(X) else [str(name) for name in X.columns if name not in ("as_of", "customer_id")]
    return {"names": names, "rows": len(frame), "dates": set(frame["as_of"].unique()),
            "categories": {name: _categories(X[name]) for name in names if _is_categorical(X[name])},
            "classes": set(np.unique(frame[LABEL].to_numpy()).tolist())}


def _learn_columns(model: ChurnModel, facts: list[dict]) -> None:
    """The feature names, categories and classes the model learns, as `_learn_inputs` on the whole frame would."""
    names = facts[0]["names"]
    if not names:
        raise DataError("X has no feature columns")
    model.feature_names_in_ = np.asarray(names, dtype=object)
    model.categories_ = {}
    for name in facts[0]["categories"]:
        found = [fact["categories"][name] for fact in facts if fact["rows"]]
        same = all(categories == found[0] for categories in found)
        model.categories_[name] = found[0] if same else sorted(set().union(*found))
    classes = np.array(sorted(set().union(*(fact["classes"] for fact in facts))))
    if len(classes) != 2:
        raise DataError(f"y must hold two classes (churned or not), got {classes.tolist()}")
    model.classes_ = classes


def _split(frame: pd.DataFrame, model: ChurnModel, chosen: list) -> tuple:
    """((training matrix, target), (validation matrix, target)) of a partition's snapshot frame."""
    training, held_out = out_of_time_rows(frame["as_of"], chosen, model.horizon_days)
    target = (frame[LABEL].to_numpy() == model.classes_[1]).astype(np.int8)
    matrix = model._matrix(frame.drop(columns=list(LABEL_COLUMNS)))
    return (np.ascontiguousarray(matrix[training]), target[training]), (matrix[held_out], target[held_out])


def _sizes(split: tuple) -> tuple[int, int, int]:
    """Training rows, validation rows and churned training rows of a partition's split."""
    return len(split[0][1]), len(split[1][1]), int(split[0][1].sum())


def _sample(validation: list[tuple], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The partitions' validation rows together, in partition order; a random VALIDATION_ROWS of them beyond that."""
    matrix = np.concatenate([part[0] for part in validation])
    target = np.concatenate([part[1] for part in validation])
    if len(target) > VALIDATION_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(target), VALIDATION_ROWS, replace=False))
        matrix, target = matrix[rows], target[rows]
    return matrix, target


def _dask_booster(model: ChurnModel, split: PartitionedDataset, sizes: list[tuple]):
    """A lightgbm.Booster of `model.n_estimators` trees trained by DaskLGBMClassifier on the training rows of every
    partition where they are (partitions without any are left out)."""
    import dask
    import dask.array as da
    from lightgbm.dask import DaskLGBMClassifier

    client, width = split.client, len(model.feature_names_in_)
    kept = [(part, size[0]) for part, size in zip(split.parts, sizes, strict=True) if size[0]]
    training = [dask.delayed(itemgetter(0))(part) for part, _ in kept]
    X = da.concatenate([da.from_delayed(dask.delayed(itemgetter(0))(part), (rows, width), np.float64)
                        for part, (_, rows) in zip(training, kept)])
    y = da.concatenate([da.from_delayed(dask.delayed(itemgetter(1))(part), (rows,), np.int8)
                        for part, (_, rows) in zip(training, kept)])
    params = {name: value for name, value in model.lightgbm_params().items() if name != "num_threads"}
    estimator = DaskLGBMClassifier(client=client, n_estimators=model.n_estimators, **params)
    estimator.fit(X, y, feature_name=list(model.feature_names_in_), categorical_feature=model._category_positions())
    return estimator.to_local().booster_


def _losses(booster, matrix: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The binary log loss of `booster` on the rows `matrix`, `target` after each of its trees."""
    leaves = booster.predict(matrix, pred_leaf=True)
    leaves = leaves.reshape(len(matrix), -1)
    raw, losses = np.zeros(len(matrix)), np.empty(leaves.shape[1])
    trees = booster.dump_model()["tree_info"]
    for tree in range(leaves.shape[1]):
        values = np.array([booster.get_leaf_output(tree, leaf) for leaf in range(trees[tree]["num_leaves"])])
        raw += values[leaves[:, tree]]
        # log(1 + e^-z) for the churned, log(1 + e^z) for the others: the log loss of the scores so far
        losses[tree] = np.mean(np.logaddexp(0, np.where(target == 1, -raw, raw)))
    return losses


def _early_stopped(losses: np.ndarray, rounds: int) -> int:
    """The iteration (from 1) `lightgbm.early_stopping(rounds)` keeps: the best so far when `rounds` trees in a row
    have not improved on it (or when the trees run out)."""
    best = 0
    for iteration in range(1, len(losses)):
        if losses[iteration] < losses[best]:
            best = iteration
        elif iteration - best >= rounds:
            break
    return best + 1
