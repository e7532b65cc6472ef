"""The driver table: per driver, the customers affected, the churners and the revenue its problem adds in the
model's view over the horizon, with bootstrap intervals over customers."""

import numpy as np
import pandas as pd

from cxmodels.drivers.counterfactual import DriverEffect

DRIVER_COLUMNS = ["driver", "customers_affected", "expected_churners", "revenue_at_risk", "revenue_at_risk_low",
                  "revenue_at_risk_high"]
EXTRA_COLUMNS = ["expected_churners_low", "expected_churners_high", "share_of_churners", "features_moved",
                 "description"]
DRAWS, LEVEL = 200, 0.9


def poisson_bootstrap(values: np.ndarray, draws: int = DRAWS, level: float = LEVEL, seed: int = 0) -> tuple:
    """(low, high) of the `level` interval of the column sums of `values` (customers x quantities) over `draws`
    Poisson-bootstrap resamples of the customers (each customer weighted by a Poisson(1) count, the weights
    scaled to the number of customers: the population's size is known, as in a multinomial bootstrap)."""
    rng = np.random.default_rng(seed)
    totals = np.empty((draws, values.shape[1]))
    for draw in range(draws):
        weights = rng.poisson(1.0, len(values))
        totals[draw] = weights @ values * (len(values) / max(weights.sum(), 1))
    tail = (1 - level) / 2
    return np.quantile(totals, tail, axis=0), np.quantile(totals, 1 - tail, axis=0)


def revenue_weights(clv) -> np.ndarray:
    """Each customer's CLV as the weight of their churn probability; 0 where it is unknown (no purchase yet)."""
    return np.nan_to_num(np.asarray(clv, float), nan=0.0)


def drivers_table(effects: dict[str, DriverEffect], probability, clv, draws: int = DRAWS, level: float = LEVEL,
                  seed: int = 0) -> pd.DataFrame:
    """One row per driver of `effects` (driver_effects on the churn population), by revenue at risk: DRIVER_COLUMNS,
    then EXTRA_COLUMNS. `probability`: the model's churn probability of the same customers (for the share of the
    expected churners each driver adds); `clv`: their CLV."""
    clv = revenue_weights(clv)
    names = list(effects)
    added = np.column_stack([effects[name].added for name in names]) if names else np.zeros((len(clv), 0))
    values = np.hstack([added, added * clv[:, None]])
    low, high = poisson_bootstrap(values, draws, level, seed)
    churners, revenue = added.sum(axis=0), (added * clv[:, None]).sum(axis=0)
    k = len(names)
    table = pd.DataFrame({
        "driver": names,
        "customers_affected": [int(effects[name].affected.sum()) for name in names],
        "expected_churners": churners,
        "revenue_at_risk": revenue,
        "revenue_at_risk_low": low[k:],
        "revenue_at_risk_high": high[k:],
        "expected_churners_low": low[:k],
        "expected_churners_high": high[:k],
        "share_of_churners": churners / max(float(np.nansum(probability)), 1e-12),
        "features_moved": [" ".join(effects[name].features_moved) for name in names],
        "description": [effects[name].driver.description for name in names],
    })
    return table.sort_values("revenue_at_risk", ascending=False, ignore_index=True)
