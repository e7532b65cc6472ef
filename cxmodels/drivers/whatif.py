"""What-if: a driver's problem removed for a random share of the customers who have it, and the churners and
revenue that keeps over the model's horizon, with bootstrap intervals.

Changes read "DRIVER=-NN%": the problem of DRIVER gone for NN % of its affected customers (drawn at random,
seeded). Percentage-point shifts of a rate ("first_contact_resolution=+10pp") are refused: a KPI's rate is a
mix of problems and does not say which customers' experience changes; remove the problem itself for a share
of customers instead (unresolved_cases=-NN% or repeat_contacts=-NN%), docs/drivers.md.
"""

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmodels.drivers.attribution import DRAWS, LEVEL, poisson_bootstrap, revenue_weights
from cxmodels.drivers.counterfactual import (DriverEffect, History, added_probability, driver_owners, model_columns,
                                             rebuilt_values)
from cxmodels.errors import ConfigError

SYNTAX = "DRIVER=-NN% (the problem of DRIVER removed for NN % of the customers who have it), e.g. transfers=-50%"
CHANGE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*-\s*(\d+(?:\.\d*)?)\s*%\s*$")
POINTS = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*[-+]\s*\d+(?:\.\d*)?\s*pp\s*$")
WHATIF_COLUMNS = ["change", "customers_changed", "churners_retained", "churners_retained_low",
                  "churners_retained_high", "revenue_retained", "revenue_retained_low", "revenue_retained_high"]


@dataclass(frozen=True)
class Change:
    driver: str
    share: float  # of the affected customers, in (0, 1]

    def __str__(self) -> str:
        return f"{self.driver}=-{100 * self.share:g}%"


def parse_change(text: str, drivers=None) -> Change:
    """A --set value as a Change; ConfigError naming the syntax, or the known drivers when `drivers` (names)
    lacks it."""
    if isinstance(text, str) and POINTS.match(text):
        raise ConfigError(f"--set {text!r}: percentage-point shifts of a rate are not supported (a rate does not say "
                          f"whose experience changes); write {SYNTAX}; for first contact resolution use "
                          "unresolved_cases=-NN% or repeat_contacts=-NN%")
    match = CHANGE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(f"--set {text!r} is not a change; write {SYNTAX}")
    name, percent = match.group(1), float(match.group(2))
    if not 0 < percent <= 100:
        raise ConfigError(f"--set {text!r}: the share must be in (0, 100] %, got {percent:g} %")
    if drivers is not None and name not in drivers:
        raise ConfigError(f"--set {text!r}: no driver {name!r}; the drivers are: {', '.join(drivers)}")
    return Change(name, percent / 100)


def chosen_rows(effect: DriverEffect, share: float, rng: np.random.Generator) -> np.ndarray:
    """A random `share` of the driver's affected customers (rounded), as a boolean mask."""
    rows = np.flatnonzero(effect.affected)
    picked = np.zeros(len(effect.affected), bool)
    picked[rng.choice(rows, size=round(share * len(rows)), replace=False)] = True
    return picked


def together(inputs: pd.DataFrame, effects: dict[str, DriverEffect], changes: list[Change], parts: list,
             history: History | None) -> list:
    """The changes of `parts` made together: a customer whose history two support drivers edit gets the features
    rebuilt with both edits (one driver's rebuild alone would undo the other's in the features they share)."""
    edited = [i for i, (values, _) in enumerate(parts) if isinstance(values, pd.DataFrame)]
    if history is None or len(edited) < 2:
        return parts
    drivers = [effects[changes[i].driver].driver for i in edited]
    owners = driver_owners(effect.driver for effect in effects.values())
    mask = np.column_stack([parts[i][1] for i in edited])
    single = mask.sum(axis=1) == 1
    joined = [part for i, part in enumerate(parts) if i not in edited]
    joined += [(parts[i][0], parts[i][1] & single) for i in edited]
    for combo in {tuple(row) for row in mask[mask.sum(axis=1) > 1]}:
        rows = (mask == combo).all(axis=1)
        chosen = [driver for driver, used in zip(drivers, combo) if used]
        joined.append((rebuilt_values(chosen, inputs, rows, history, owners), rows))
    return joined


def whatif_table(model, features: pd.DataFrame, effects: dict[str, DriverEffect], changes: list[Change], clv,
                 draws: int = DRAWS, level: float = LEVEL, seed: int = 0,
                 history: History | None = None) -> pd.DataFrame:
    """One row per change and, with several, a row "all" with them made together (a customer with two problems
    removed re-scored once with both, from their history with both edits given the `history`): the customers
    changed, the churners and revenue retained, with bootstrap intervals over customers. `effects`:
    driver_effects of the same customers (with the same `history`)."""
    rng = np.random.default_rng(seed)
    inputs = features[model_columns(model)]
    clv = revenue_weights(clv)
    parts = [(effects[change.driver].values, chosen_rows(effects[change.driver], change.share, rng))
             for change in changes]
    rows = [(str(change), [part]) for change, part in zip(changes, parts)]
    if len(parts) > 1:
        rows.append(("all", together(inputs, effects, changes, parts, history)))
    retained = np.column_stack([added_probability(model, inputs, chosen) for _, chosen in rows])
    values = np.hstack([retained, retained * clv[:, None]])
    low, high = poisson_bootstrap(values, draws, level, seed)
    k = len(rows)
    changed = [int(np.logical_or.reduce([mask for _, mask in chosen]).sum()) for _, chosen in rows]
    return pd.DataFrame({
        "change": [name for name, _ in rows], "customers_changed": changed,
        "churners_retained": retained.sum(axis=0), "churners_retained_low": low[:k],
        "churners_retained_high": high[:k], "revenue_retained": (retained * clv[:, None]).sum(axis=0),
        "revenue_retained_low": low[k:], "revenue_retained_high": high[k:],
    })[WHATIF_COLUMNS]
