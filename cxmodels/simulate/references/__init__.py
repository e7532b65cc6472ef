"""The simulator's churn probabilities a model is compared with, from the most to the least informed."""

import pandas as pd

from cxmodels.simulate.references.rates import rate_posterior_churn_probability
from cxmodels.simulate.references.state import state_posterior_churn_probability
from cxmodels.simulate.references.tables import table_posterior_churn_probability
from cxmodels.simulate.truth import true_churn_probability
from cxmodels.simulate.world import World


def churn_references(world: World, as_of, horizon_days: int, definition: str) -> dict[str, pd.Series]:
    """By name: the oracle (state and rates known), oracle_without_rates, oracle_without_state and, for
    "contractual", oracle_from_tables (neither known: the best the tables allow).

    No model on the tables can beat the last three in expected Brier score: each knows at least what the
    tables show.
    """
    references = {"oracle": true_churn_probability(world.truth, as_of, horizon_days, definition),
                  "oracle_without_rates": rate_posterior_churn_probability(world, as_of, horizon_days, definition),
                  "oracle_without_state": state_posterior_churn_probability(world, as_of, horizon_days, definition)}
    if definition == "contractual":
        references["oracle_from_tables"] = table_posterior_churn_probability(world, as_of, horizon_days)
    return references
