"""A case triggers At-risk by a noisy-OR of its problems; the world with a problem removed; the driver truth."""

import numpy as np
import pandas as pd
import pytest

from cxmodels.errors import ConfigError
from cxmodels.simulate import simulate
from cxmodels.simulate.drivers import DRIVERS, driver_truth, driver_truth_by_customer
from cxmodels.simulate.triggers import (EXTRA, EXTRA_CAP, PAIN, TABLES, TRANSFER, TRIGGER_BY_MASK, UNRESOLVED,
                                        fix_mask, trigger_probability)

AS_OF = "2025-09-01"


@pytest.fixture(scope="module")
def world():
    return simulate(6_000, seed=4, contractual=True)


def test_the_trigger_probability_is_a_noisy_or_of_the_problems():
    assert trigger_probability(False, True, False, 0) == 0
    both = trigger_probability(True, False, True, 2)
    assert both == pytest.approx(1 - (1 - PAIN) * (1 - UNRESOLVED[1]) * (1 - TRANSFER) * (1 - EXTRA) ** 2)
    assert trigger_probability(False, True, False, 9) == pytest.approx(1 - (1 - EXTRA) ** EXTRA_CAP)
    assert trigger_probability(True, False, True, 2, fix_mask(["transfers"])) == \
        pytest.approx(trigger_probability(True, False, False, 2))
    assert trigger_probability(True, False, True, 2, fix_mask(DRIVERS)) == pytest.approx(PAIN)


def test_the_mean_trigger_probability_by_kind_averages_the_profiles():
    for mask in range(len(TABLES)):
        for kind, (_, _, probability, trigger) in enumerate(TABLES[mask]):
            assert probability.sum() == pytest.approx(1)
            assert TRIGGER_BY_MASK[mask, kind] == pytest.approx((probability * trigger).sum())
    assert (TRIGGER_BY_MASK[fix_mask(DRIVERS)] <= TRIGGER_BY_MASK[0]).all()


def test_a_case_triggers_as_often_as_its_trigger_probability_says(world):
    truth = world.truth.set_index("customer_id")
    cases = world.case_truth
    at_risk = truth["at_risk_time"].reindex(cases["customer_id"]).to_numpy()
    engaged = (cases["start"].to_numpy() <= at_risk) | pd.isna(at_risk)
    cases = cases[engaged]
    triggered = cases["case_id"].isin(truth["trigger_case_id"].dropna())
    bins = pd.cut(cases["trigger_probability"], [-0.01, 0.05, 0.2, 0.4, 0.6, 1.0])
    table = pd.DataFrame({"p": cases["trigger_probability"], "triggered": triggered}).groupby(bins, observed=True).agg(
        p=("p", "mean"), share=("triggered", "mean"), n=("p", "size"))
    standard_error = np.sqrt(table["p"] * (1 - table["p"]) / table["n"])
    assert ((table["share"] - table["p"]).abs() <= 4 * standard_error + 0.01).all(), table


def test_transfers_and_extra_contacts_of_the_case_truth_are_in_the_contacts(world):
    log = world.tables["contacts"].groupby("case_id").agg(n=("case_id", "size"), logged=("transferred", "any"))
    cases = world.case_truth.set_index("case_id").join(log)
    assert (cases["n"] <= cases["extra_contacts"] + 1).all()
    assert not (cases["logged"] & ~cases["transferred"]).any()  # a transfer in the log is the case's
    complete = cases["n"] == cases["extra_contacts"] + 1  # no contact cut by a churn
    assert (cases.loc[complete, "logged"] == cases.loc[complete, "transferred"]).all()


def test_no_fixes_is_the_world_as_is_and_a_fix_only_delays_the_fixed_customers(world):
    same = simulate(6_000, seed=4, contractual=True, fixes={"transfers": 0.0})
    pd.testing.assert_frame_equal(same.truth, world.truth)
    fixed = simulate(6_000, seed=4, contractual=True, fixes={"unresolved_cases": 1.0})
    a, b = world.truth.set_index("customer_id"), fixed.truth.set_index("customer_id")
    assert (b["trigger_rate"] < a["trigger_rate"]).all()
    assert (a["signup_date"] == b["signup_date"]).all() and (a["friction"] == b["friction"]).all()
    cases = world.case_truth.set_index("case_id")
    resolved = cases["resolved"].reindex(a["trigger_case_id"]).fillna(False).to_numpy(bool)
    # an onset through a resolved case does not depend on resolution: the same case triggers, at the same time
    assert (b.loc[resolved, "at_risk_time"] == a.loc[resolved, "at_risk_time"]).all()
    both = a["at_risk_time"].notna() & b["at_risk_time"].notna()
    assert (b.loc[both, "at_risk_time"] >= a.loc[both, "at_risk_time"]).all()
    assert b["at_risk_time"].notna().sum() < a["at_risk_time"].notna().sum()
    with pytest.raises(ConfigError, match="no problem 'waits'"):
        simulate(100, fixes={"waits": 0.5})
    with pytest.raises(ConfigError, match=r"must be in \[0, 1\]"):
        simulate(100, fixes={"transfers": 1.5})


def test_the_driver_truth_falls_on_customers_at_risk_through_a_case_with_the_problem(world):
    by_customer = driver_truth_by_customer(world, AS_OF, 90)
    truth = world.truth.set_index("customer_id").reindex(by_customer.index)
    through_a_case = ((truth["at_risk_time"] <= pd.Timestamp(AS_OF, tz="UTC"))
                      & (truth["at_risk_cause"] == "support_case"))
    assert (by_customer >= 0).all().all() and (by_customer[~through_a_case.to_numpy()] == 0).all().all()
    cases = world.case_truth.set_index("case_id").reindex(truth["trigger_case_id"])
    transferred = cases["transferred"].fillna(False).to_numpy(bool)
    assert (by_customer.loc[~transferred, "transfers"] == 0).all()
    assert (by_customer.loc[transferred, "transfers"] > 0).any()
    totals = driver_truth(world, AS_OF, 90)
    assert list(totals.index) == list(DRIVERS) and (totals > 0).all()
