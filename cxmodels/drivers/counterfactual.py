"""Counterfactual re-scoring: each customer's churn probability minus the probability with a driver's features
set to the experience of a customer without the problem, every other feature kept."""

import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmodels.drivers.declared import BUILT_IN, MISSING, UNAFFECTED, Driver
from cxmodels.drivers.history import VOLUME, can_edit, edited_features
from cxmodels.errors import DataError

COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
           "!=": operator.ne}


@dataclass(frozen=True)
class DriverEffect:
    """Per customer of the features' index: whether the driver's problem is there, and the churn probability it
    adds in the model's view (0 where not affected); `features_moved`: the moved features the model reads."""

    driver: Driver
    affected: np.ndarray
    added: np.ndarray
    features_moved: tuple[str, ...]
    values: dict | pd.DataFrame  # {feature moved: its counterfactual value}, or the rebuilt features by customer


def affected(driver: Driver, features: pd.DataFrame) -> np.ndarray:
    """Whether each customer has the driver's problem (any of its conditions holds; missing values never do)."""
    absent = [condition.feature for condition in driver.affected if condition.feature not in features]
    if absent:
        raise DataError(f"driver {driver.name}: its condition reads {absent}, which these features lack")
    mask = np.zeros(len(features), bool)
    for condition in driver.affected:
        values = pd.to_numeric(features[condition.feature], errors="coerce").to_numpy(float)
        threshold = condition.value
        if threshold is None:
            known = values[~np.isnan(values)]
            threshold = np.percentile(known, condition.percentile) if len(known) else np.nan
        with np.errstate(invalid="ignore"):
            mask |= COMPARE[condition.operator](values, threshold) & ~np.isnan(values)
    return mask


def counterfactual_values(driver: Driver, features: pd.DataFrame, problem: np.ndarray) -> dict:
    """{feature: the value without the problem} for the driver's features present in `features`."""
    values = {}
    for name, value in driver.counterfactual.items():
        if name not in features:
            continue
        if value == UNAFFECTED:
            column = features.loc[~problem, name].dropna()
            if pd.api.types.is_numeric_dtype(column):
                value = float(column.median()) if len(column) else np.nan
            else:
                value = column.mode().iloc[0] if len(column) else np.nan
        values[name] = np.nan if value == MISSING else value
    return values


def apply_counterfactual(features: pd.DataFrame, changes: list[tuple[dict | pd.DataFrame, np.ndarray]]) -> pd.DataFrame:
    """A copy of `features` with each (values, rows) of `changes` set on the rows of a boolean mask: values
    {feature: value}, or a frame of features by customer_id (the rebuilt features of those customers); the
    dtypes kept."""
    changed = features.copy()
    for values, rows in changes:
        if isinstance(values, pd.DataFrame):
            customers = features.index[rows]
            for name in values.columns:
                changed.loc[rows, name] = values.loc[customers, name].to_numpy()
            continue
        for name, value in values.items():
            column = changed[name]
            if isinstance(column.dtype, pd.CategoricalDtype) and not pd.isna(value) \
                    and value not in column.cat.categories:
                changed[name] = column.cat.add_categories([value])
            changed.loc[rows, name] = None if pd.isna(value) else value
    return changed


def added_probability(model, features: pd.DataFrame, changes: list[tuple[dict, np.ndarray]]) -> np.ndarray:
    """Per customer, the model's churn probability minus its probability with `changes` (apply_counterfactual)
    made; 0 for the customers no change touches. `features`: the model's input columns."""
    rows = np.zeros(len(features), bool)
    for _, changed_rows in changes:
        rows |= changed_rows
    added = np.zeros(len(features))
    if rows.any():
        before, after = features[rows], apply_counterfactual(features, changes)[rows]
        added[rows] = model.predict_proba(before)[:, 1] - model.predict_proba(after)[:, 1]
    return added


def model_columns(model) -> list[str]:
    return [str(name) for name in model.feature_names_in_]


@dataclass(frozen=True)
class History:
    """The data the features were built from, for the drivers that edit it (history.py)."""

    dataset: object
    as_of: object
    config: object  # FeatureConfig


def owned_features(drivers) -> dict[str, str]:
    """{feature: the driver whose conditions or counterfactual name it} over `drivers` (Driver objects)."""
    return {feature: driver.name for driver in drivers
            for feature in [*driver.features, *(condition.feature for condition in driver.affected)]}


def driver_owners(drivers) -> dict[str, str]:
    """owned_features of the built-in drivers and `drivers` (which replace built-ins of the same name)."""
    return owned_features(({driver.name: driver for driver in BUILT_IN.values()}
                           | {driver.name: driver for driver in drivers}).values())


def rebuilt_values(drivers: list[Driver], inputs: pd.DataFrame, rows: np.ndarray, history: History,
                   owners: dict[str, str]) -> pd.DataFrame:
    """The model's features of the customers of `rows` rebuilt from their history without the problems of
    `drivers`: the columns that change for any of them, but the contact volume (history.VOLUME) and those other
    drivers own (`owners`, owned_features: removing repeat contacts also changes the mean wait, which is
    long_waits' to move, so each row keeps to its own)."""
    customers = inputs.index[rows]
    names = {driver.name for driver in drivers}
    others = {feature for feature, owner in owners.items() if owner not in names}
    rebuilt = edited_features(history.dataset, history.as_of, history.config, [d.history for d in drivers],
                              customers)
    rebuilt = rebuilt.reindex(customers)[inputs.columns]
    before = inputs.loc[customers]
    moved = [name for name in inputs.columns if name not in others and not VOLUME.fullmatch(name)
             and not (before[name].isna() & rebuilt[name].isna() | (before[name] == rebuilt[name])).all()]
    return rebuilt[moved]


def driver_effects(model, features: pd.DataFrame, drivers: dict[str, Driver],
                   history: History | None = None) -> dict[str, DriverEffect]:
    """The DriverEffect of each driver whose conditions `features` (a feature matrix with at least the churn
    model's columns) can check; the drivers whose conditions read features it lacks are left out. With the
    `history` the features were built from, a driver that edits it (Driver.history) is re-scored on the
    affected customers' features rebuilt without the problem, but for the features of other drivers (the
    built-in ones and those of `drivers`)."""
    columns = model_columns(model)
    inputs = features[columns]
    owners = driver_owners(drivers.values())
    effects = {}
    for name, driver in drivers.items():
        if any(condition.feature not in features for condition in driver.affected):
            continue
        problem = affected(driver, features)
        if history is not None and driver.history and problem.any() and can_edit(driver.history, history.dataset):
            values = rebuilt_values([driver], inputs, problem, history, owners)
            moved = tuple(values.columns)
        else:
            values = counterfactual_values(driver, inputs, problem)
            moved = tuple(values)
        added = added_probability(model, inputs, [(values, problem)]) if moved else np.zeros(len(features))
        effects[name] = DriverEffect(driver, problem, added, moved, values)
    return effects
