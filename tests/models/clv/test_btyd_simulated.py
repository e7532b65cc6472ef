"""BTYD on a simulated world: predictions track the known truth.

Tolerances from seeds 0-2 (BG/NBD, Pareto/NBD): total predicted / actual purchases 1.07-1.09,
1.01-1.03; correlation of expected purchases with the true rate (0 once churned) 0.90-0.91;
AUC of p_alive for being alive 0.83-0.84, 0.97; correlation of the expected order value
with the true mean spend (frequency > 2) 0.94; total clv / actual spend 1.05-1.08, 0.99-1.03.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from cxmodels.data import Dataset
from cxmodels.simulate import simulate
from cxmodels.features import labels, value_summary
from cxmodels.models import BTYDModel

AS_OF = pd.Timestamp("2025-01-01", tz="UTC")


@pytest.fixture(scope="module")
def world():
    world = simulate(20_000, seed=1)
    dataset = Dataset(**world.tables)
    summary = value_summary(dataset.transactions, AS_OF)
    holdout = labels(dataset, AS_OF, 365, population=summary.index)
    return summary, holdout, world.truth.set_index("customer_id").loc[summary.index]


@pytest.mark.parametrize(("model", "min_auc"), [("bgnbd", 0.8), ("pareto", 0.93)])
def test_predictions_track_the_truth(world, model, min_auc):
    summary, holdout, truth = world
    predicted = BTYDModel(model, horizon_days=365, discount_rate=0.0).fit(summary).predict(summary)
    alive = ~(truth["churn_time"] < AS_OF).to_numpy()
    assert 0.95 < predicted["expected_purchases"].sum() / holdout["future_purchases"].sum() < 1.15
    assert np.corrcoef(predicted["expected_purchases"], truth["purchase_rate"] * alive)[0, 1] > 0.85
    assert roc_auc_score(alive, predicted["p_alive"]) > min_auc
    repeat = (summary["frequency"] > 2).to_numpy()
    assert np.corrcoef(predicted["expected_order_value"][repeat], truth["mean_spend"][repeat])[0, 1] > 0.9
    assert 0.9 < predicted["clv"].sum() / holdout["future_spend"].sum() < 1.15
