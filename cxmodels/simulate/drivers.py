"""The truth the driver table is judged against: the churn probability each support problem added at a cut-off.

A customer At-risk at the cut-off through a support case got there with that case's trigger probability p
(triggers.py); without one of its problems the probability would have been p' <= p, so with probability
1 - p'/p (the same uniform draw, compared with p') the case would not have triggered. The customer would
then be Engaged at the cut-off, unless the drift or another case (without the problem) had turned them
since (hazard onset_rate + that trigger rate over the days since; the early-tenure multiplier is left
out). The problem's
truth is the sum, over the customers alive at the cut-off, of (1 - p'/p) times their true churn probability
in the horizon minus the one they would have then. Only the problems of cases before the cut-off are
removed: the customer's future cases keep their rates, as a model's counterfactual on past features does.
Customers who already churned before the cut-off are not in the churn population (contractual definition).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.simulate.population import case_kinds
from cxmodels.simulate.triggers import FIXABLE, TRIGGER_BY_MASK, fix_mask, trigger_probability
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
    since = np.nan_to_num(-days_after(states["at_risk_time"], as_of))
    kinds = case_kinds(states["friction"].to_numpy(float))

    cases = world.case_truth.set_index("case_id")
    triggered = (states["at_risk"] & (states["at_risk_cause"] == "support_case")).to_numpy(bool)
    case = cases.reindex(states.loc[triggered, "trigger_case_id"].to_numpy())
    p = case["trigger_probability"].to_numpy(float)
    result = pd.DataFrame(0.0, index=pd.Index(states["customer_id"], name="customer_id"), columns=list(DRIVERS))
    for driver in DRIVERS:
        # since the onset, the drift and the cases without the problem could have turned the customer At-risk
        trigger_rate = rates["contact_rate"] * (kinds @ TRIGGER_BY_MASK[fix_mask([driver])])
        still_engaged = np.exp(-(rates["onset_rate"] + trigger_rate) * since)
        undone = still_engaged * engaged + (1 - still_engaged) * at_risk
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


@dataclass(frozen=True)
class Attribution:
    """The support drivers attributed against their truth: `table` (per driver of DRIVERS: attribution, truth,
    ratio), the churn model, the churn population's features at `as_of` and the DriverEffects."""

    table: pd.DataFrame
    model: object
    features: pd.DataFrame
    effects: dict
    as_of: pd.Timestamp


def attribution_against_truth(world, horizon_days: int = 90, config=None) -> Attribution:
    """The support drivers of a contractual `world` attributed by a churn model and against their truth: the
    model (ChurnModel, defaults) fitted out of time on snapshots every 90 days from half a year after the start,
    as `cxmodels train` does, and the drivers attributed (cxmodels.drivers, with the history) on the latest
    complete snapshot, which it was not trained on; the truth over the same customers."""
    from cxmodels.data.validate import validate_tables
    from cxmodels.drivers import BUILT_IN, History, driver_effects
    from cxmodels.features import FeatureConfig, build_snapshots
    from cxmodels.models.churn import ChurnModel
    from cxmodels.models.churn.evaluation import features_and_churn, out_of_time_split

    config = config or FeatureConfig()
    dataset = validate_tables(world.tables).dataset
    dates = pd.date_range(world.start + pd.Timedelta(days=182), world.end - pd.Timedelta(days=horizon_days + 1),
                          freq="90D")
    train, test = out_of_time_split(build_snapshots(dataset, dates, horizon_days, config), horizon_days)
    (X, y), (X_test, _) = features_and_churn(train), features_and_churn(test)
    model = ChurnModel(horizon_days=horizon_days, feature_config=config, n_jobs=1).fit(X, y)
    as_of, features = X_test["as_of"].iloc[0], X_test.set_index("customer_id")
    effects = driver_effects(model, features, {name: BUILT_IN[name] for name in DRIVERS},
                             History(dataset, as_of, config))
    truth = driver_truth_by_customer(world, as_of, horizon_days).reindex(features.index).fillna(0.0).sum()
    table = pd.DataFrame({"attribution": [effects[name].added.sum() for name in DRIVERS],
                          "truth": truth[list(DRIVERS)].to_numpy()}, index=pd.Index(DRIVERS, name="driver"))
    return Attribution(table.assign(ratio=table["attribution"] / table["truth"]), model, features, effects, as_of)


def removed_by_fix(world, fixed, as_of, horizon_days: int, population: pd.Index) -> float:
    """Expected churners within `horizon_days` removed at `as_of` among `population` (alive in `world` then) in the
    world `fixed` (simulate(..., fixes=...) of the same seed): their true churn probabilities in `world` minus
    the same with their states at `as_of` in `fixed` and their rates as in `world` (the problems of past cases
    removed, the future as it was; a customer of `population` gone by `as_of` in `fixed` counts 0)."""
    own = world.truth.set_index("customer_id")
    totals = []
    for truth in (world.truth, fixed.truth):
        states = states_at(truth, as_of, "contractual")
        states = states[states["customer_id"].isin(population)].reset_index(drop=True)
        rates = rates_of(own.loc[states["customer_id"]].reset_index())
        totals.append(churn_probability_given(states, rates, horizon_days, "contractual").sum())
    return float(totals[0] - totals[1])
