"""A churn model whose probability is a known function of two features, and customers to attribute."""

import numpy as np
import pandas as pd
import pytest


class LinearRisk:
    """P(churn) = 0.1 + 0.1 * transfer_rate_90d + 0.02 * open_cases (clipped), missing counting as 0: the
    counterfactual differences are known exactly."""

    feature_names_in_ = np.array(["transfer_rate_90d", "open_cases", "nps_category"])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = 0.1 + 0.1 * X["transfer_rate_90d"].fillna(0).to_numpy(float) \
            + 0.02 * X["open_cases"].fillna(0).to_numpy(float) \
            + 0.05 * (X["nps_category"].astype(object) == "detractor").to_numpy()
        p = np.clip(p, 0, 1)
        return np.column_stack([1 - p, p])


@pytest.fixture
def model():
    return LinearRisk()


@pytest.fixture
def features():
    rng = np.random.default_rng(0)
    n = 400
    transfer = np.where(rng.random(n) < 0.3, rng.random(n), 0.0)
    transfer[:10] = np.nan  # no contacts in 90 days
    return pd.DataFrame({
        "transfer_rate_90d": transfer,
        "open_cases": rng.integers(0, 3, n).astype(float),
        "unresolved_cases_90d": rng.integers(0, 2, n).astype(float),
        "nps_latest": rng.integers(0, 11, n).astype(float),
        "nps_category": pd.Categorical(rng.choice(["detractor", "passive", "promoter"], n)),
    }, index=pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id"))
