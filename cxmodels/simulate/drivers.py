"""The truth the driver table is judged against: the churn probability each support problem added at a cut-off.

A customer At-risk at the cut-off through a support case got there with that case's trigger probability p
(triggers.py); without one of its problems the probability would have been p' <= p, so with probability
1 - p'/p (the same uniform draw, compared with p') the case would not have triggered. The customer would
then be Engaged at the cut-off, unless the drift or another case had turned them since (hazard
onset_rate + trigger_rate over the days since; the early-tenure multiplier is left out). The problem's
truth is the sum, over the customers alive at the cut-off, of (1 - p'/p) times their true churn probability
in the horizon minus the one they would have then. Only the problems of cases before the cut-off are
removed: the customer's future cases keep their rates, as a model's counterfactual on past features does.
Customers who already churned before the cut-off are not in the churn population (contractual definition).
"""

import numpy as np
import pandas as pd

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.simulate.triggers import FIXABLE, fix_mask, trigger_probability
from cxmodels.simulate.truth import churn_probability_given, days_after, rates_of, states_at

DRIVERS = FIXABLE  # the support drivers with a truth: unresolved_cases, transfers, repeat_contacts


def driver_truth_by_customer(world, as_of, horizon_days: int) -> pd.DataFrame:
    """Per customer alive at `as_of` (rows by customer_id), the churn probability within `horizon_days` each
    problem of DRIVERS added through the case that made them At-risk (0 for the others)."""
    as_of = utc_timestamp(as_of)
    states = states_at(world.truth, as_of, "contractual").reset_index(drop=True)
    rates = rates_of(states)
    actual = churn_probability_given(states, rates, horizon_days, "contractual")
    engaged = churn_probability_given(states.assign(at_risk=False), rates, horizon_days, "contractual")
    at_risk = churn_probability_given(states.assign(at_risk=True), rates, horizon_days, "contractual")
    since = -days_after(states["at_risk_time"], as_of)
    still_engaged = np.exp(-(rates["onset_rate"] + rates["trigger_rate"]) * np.nan_to_num(since))
    undone = still_engaged * engaged + (1 - still_engaged) * at_risk

    cases = world.case_truth.set_index("case_id")
    triggered = (states["at_risk"] & (states["at_risk_cause"] == "support_case")).to_numpy(bool)
    case = cases.reindex(states.loc[triggered, "trigger_case_id"].to_numpy())
    p = case["trigger_probability"].to_numpy(float)
    result = pd.DataFrame(0.0, index=pd.Index(states["customer_id"], name="customer_id"), columns=list(DRIVERS))
    for driver in DRIVERS:
        without = trigger_probability(case["painful"].to_numpy(bool), case["resolved"].to_numpy(bool),
                                      case["transferred"].to_numpy(bool), case["extra_contacts"].to_numpy(int),
                                      fix_mask([driver]))
        undone_share = np.where(p > 0, 1 - without / np.where(p > 0, p, 1), 0.0)
        result.loc[triggered, driver] = undone_share * (actual[triggered] - undone[triggered])
    return result


def driver_truth(world, as_of, horizon_days: int) -> pd.Series:
    """Per driver of DRIVERS, the expected churners within `horizon_days` its problems before `as_of` added
    (driver_truth_by_customer, summed)."""
    return driver_truth_by_customer(world, as_of, horizon_days).sum().rename("truth")


def attribution_against_truth(model, features: pd.DataFrame, world, as_of, horizon_days: int) -> pd.DataFrame:
    """Per support driver of DRIVERS: the model's attribution (expected_churners of the driver table, by
    cxmodels.drivers, of `features` at `as_of`: the churn population, indexed by customer_id), the truth
    (driver_truth over the same customers) and attribution / truth."""
    from cxmodels.drivers import BUILT_IN, driver_effects

    effects = driver_effects(model, features, {name: BUILT_IN[name] for name in DRIVERS})
    truth = driver_truth_by_customer(world, as_of, horizon_days).reindex(features.index).fillna(0.0).sum()
    table = pd.DataFrame({"attribution": [effects[name].added.sum() for name in DRIVERS],
                          "truth": truth[list(DRIVERS)].to_numpy()}, index=pd.Index(DRIVERS, name="driver"))
    return table.assign(ratio=table["attribution"] / table["truth"])
