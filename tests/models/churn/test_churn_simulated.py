"""The churn model on simulated worlds, out of time, against its baselines and the simulator's exact probability.

The full measurement is `benchmarks/churn_eval.py`; the bounds here were measured on these
worlds (seed 1) and leave room for the noise of a smaller test snapshot.
"""

import numpy as np
import pandas as pd
import pytest

from cxmodels.simulate import churn_references, simulate, true_churn_probability
from cxmodels.data.validate import validate_tables
from cxmodels.features import FeatureConfig, build_snapshots, builder
from cxmodels.models.churn import ChurnModel
from cxmodels.models.churn.baselines import BGNBDChurnBaseline, LogisticChurnBaseline
from cxmodels.models.churn.evaluation import evaluate_out_of_time, features_and_churn, out_of_time_split

HORIZON_DAYS = 90
CONFIG = FeatureConfig(attributes=("plan", "region"))


def evaluate(customers: int, contractual: bool, baselines: bool = True,
             **model_params) -> tuple[pd.DataFrame, ChurnModel, pd.DataFrame]:
    """(evaluation table with the oracle and the references, fitted churn model, test snapshot) of a simulated world."""
    world = simulate(customers, seed=1, contractual=contractual)
    dataset = validate_tables(world.tables).dataset
    dates = pd.date_range(world.start + pd.Timedelta(days=182), world.end - pd.Timedelta(days=HORIZON_DAYS + 1),
                          freq="90D")
    train, test = out_of_time_split(build_snapshots(dataset, dates, HORIZON_DAYS, CONFIG), HORIZON_DAYS)
    as_of, definition = test["as_of"].iloc[0], "contractual" if contractual else "no_purchase"
    references = (churn_references(world, as_of, HORIZON_DAYS, definition) if baselines
                  else {"oracle": true_churn_probability(world.truth, as_of, HORIZON_DAYS, definition)})
    models = {"churn_model": ChurnModel(horizon_days=HORIZON_DAYS, feature_config=CONFIG, n_jobs=2, **model_params)}
    if baselines:  # BG/NBD only where churn is no purchase: in a contractual world nobody drops out of buying
        models |= {"logistic": LogisticChurnBaseline()}  # ... before cancelling, and its fit is rightly refused
        if not contractual:
            models |= {"bgnbd": BGNBDChurnBaseline(horizon_days=HORIZON_DAYS)}
    known = {name: probability.reindex(test["customer_id"]).to_numpy() for name, probability in references.items()}
    table, _, fitted = evaluate_out_of_time(models, train, test, known)
    return table, fitted["churn_model"], test


def test_small_world_end_to_end():
    table, model, test = evaluate(3_000, False, baselines=False, learning_rate=0.1, early_stopping_rounds=20)
    assert table.loc["churn_model", "roc_auc"] > 0.9
    assert abs(table.loc["churn_model", "mean_predicted"] - table.loc["churn_model", "churn_rate"]) < 0.05
    reasons = model.explain(features_and_churn(test)[0].head(5))
    assert reasons["reason_1"].str.contains(r"\((?:raises|lowers) risk\)").all()


@pytest.mark.slow
@pytest.mark.parametrize("contractual, customers", [(False, 20_000), (True, 40_000)],
                         ids=["non_contractual", "contractual"])
def test_beats_the_baselines_and_approaches_what_the_tables_allow(contractual, customers):
    """The issue's criteria: beat both baselines; ROC-AUC within 0.05 of the oracle's; Brier within 15 % of
    the oracle's; effort features among the top drivers.

    The oracle knows what no data shows (each customer's rates and current state), and the exact references
    of `churn_references` show that no model on the tables can meet the oracle margins: the best the tables
    allow, oracle_from_tables (contractual), is 0.056 (seed 2: 0.061) ROC-AUC below the oracle and 14.3 %
    (17.4 %) above it in Brier; non-contractual, a reference that knows every rate and only infers the state
    is already 15.2 % (15.4 %) above. So the margins are held against those references instead.
    Measured, seed 1 here (seed 2 by benchmarks/churn_eval.py --seed 2, 40,000 customers): contractual,
    0.008 (0.013) ROC-AUC below oracle_from_tables and 6.2 % (7.4 %) above it in Brier; non-contractual,
    0.013 (0.013) ROC-AUC below the oracle and 12.4 % (10.8 %) above oracle_without_state in Brier.
    """
    table, model, test = evaluate(customers, contractual)
    ours, oracle = table.loc["churn_model"], table.loc["oracle"]
    assert ours["roc_auc"] > table.loc["logistic", "roc_auc"]
    if not contractual:
        assert ours["roc_auc"] > table.loc["bgnbd", "roc_auc"]
        assert ours["brier"] < table.loc["bgnbd", "brier"]
    assert abs(ours["mean_predicted"] - ours["churn_rate"]) < 0.01  # calibrated on the later period
    # The bounds measured against the oracle before the references existed (0.08 and 1.3 contractual).
    assert ours["roc_auc"] > oracle["roc_auc"] - (0.08 if contractual else 0.025)
    assert ours["brier"] < oracle["brier"] * (1.3 if contractual else 1.4)
    # The margins against the best reference; ROC-AUC held to 0.025 rather than the 0.05 asked.
    best = table.loc["oracle_from_tables" if contractual else "oracle_without_state"]
    assert best["brier"] > oracle["brier"] * 1.1  # what the tables cannot tell
    assert ours["brier"] < best["brier"] * 1.15
    if contractual:
        assert best["roc_auc"] < oracle["roc_auc"] - 0.05
        assert ours["roc_auc"] > best["roc_auc"] - 0.025
    importance = model.feature_importance(features_and_churn(test)[0])
    effort = {column.name for column in builder("effort").columns(CONFIG)}
    best_effort_rank = int(np.flatnonzero(importance.index.isin(effort))[0]) + 1
    # measured 1 and 6 of 82 (after five purchase features); 4 contractual with the noisy-OR case triggers of the
    # simulator (a case's risk now split over its pain, resolution, transfer and extra contacts)
    assert best_effort_rank <= (5 if contractual else 10)
