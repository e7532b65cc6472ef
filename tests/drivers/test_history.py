"""The support drivers' edits of the contacts, and the features rebuilt from them."""

import numpy as np
import pandas as pd
import pytest

from cxmodels.data.validate import validate_tables
from cxmodels.drivers import BUILT_IN, Change, History, driver_effects, whatif_table
from cxmodels.drivers.history import (can_edit, edited_features, without_repeat_contacts, without_transfers,
                                      without_unresolved_cases)
from cxmodels.features import FeatureConfig, build_features
from cxmodels.simulate import simulate

CONTACTS = pd.DataFrame({
    "customer_id": ["a", "a", "a", "b", "b"],
    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-03", "2025-01-02", "2025-01-05", "2025-01-06"], utc=True),
    "case_id": ["T1", "T1", "T1", "T2", None],
    "transferred": pd.array([False, False, True, False, True], dtype="boolean"),
    "resolved": pd.array([False, True, False, False, False], dtype="boolean"),
})


def test_without_transfers_no_contact_is_transferred():
    assert not without_transfers(CONTACTS)["transferred"].any()


def test_without_repeat_contacts_each_case_ends_at_its_first_contact_keeping_its_other_problems():
    edited = without_repeat_contacts(CONTACTS)
    assert edited["timestamp"].tolist() == list(CONTACTS["timestamp"].iloc[[0, 3, 4]])
    # T1's first contact now ends it as its last (2025-01-03) did, resolved, and it had a transfer
    assert edited["resolved"].tolist() == [True, False, False] and edited["transferred"].tolist() == [True, False, True]


def test_without_unresolved_cases_each_case_ends_resolved():
    edited = without_unresolved_cases(CONTACTS)
    assert edited["resolved"].tolist() == [False, True, False, True, True]  # T1's last by time, T2's, the lone one


@pytest.fixture(scope="module")
def world():
    world = simulate(600, seed=2)
    return validate_tables(world.tables).dataset


def test_the_rebuilt_features_are_those_of_the_edited_contacts(world):
    config, as_of = FeatureConfig(), "2025-06-01"
    customers = pd.Index(world.contacts["customer_id"].unique()[:50], name="customer_id")
    rebuilt = edited_features(world, as_of, config, ["transfers"], customers)
    assert (rebuilt["transfer_rate_90d"].fillna(0) == 0).all()
    before = build_features(world, as_of, config, customers)
    assert rebuilt["purchases_90d"].equals(before["purchases_90d"]) and can_edit("transfers", world)


def test_a_support_driver_with_its_history_moves_the_features_that_follow_from_it(world):
    as_of = "2025-06-01"
    features = build_features(world, as_of, FeatureConfig())

    class Model:  # risk from difficult cases only: the feature-level counterfactual of transfers cannot move it
        feature_names_in_ = ("difficult_cases_90d", "transfer_rate_90d")

        def predict_proba(self, X):
            p = 0.1 + 0.05 * X["difficult_cases_90d"].fillna(0).to_numpy(float)
            return pd.DataFrame({0: 1 - p, 1: p}).to_numpy()

    drivers = {"transfers": BUILT_IN["transfers"]}
    plain = driver_effects(Model(), features, drivers)["transfers"]
    edited = driver_effects(Model(), features, drivers, History(world, as_of, FeatureConfig()))["transfers"]
    assert plain.added.sum() == 0 and edited.added.sum() > 0
    assert "difficult_cases_90d" in edited.features_moved and (edited.added[~edited.affected] == 0).all()


def test_a_support_driver_leaves_other_drivers_features_and_the_contact_volume_as_they_are(world):
    as_of = "2025-06-01"
    features = build_features(world, as_of, FeatureConfig())

    class Model:
        feature_names_in_ = ("wait_time_mean_90d", "contacts_90d", "most_contacts_on_one_case_90d")

        def predict_proba(self, X):
            p = 0.1 + 0.01 * X["contacts_90d"].fillna(0).to_numpy(float) \
                + 0.02 * X["most_contacts_on_one_case_90d"].fillna(0).to_numpy(float)
            return pd.DataFrame({0: 1 - p, 1: p}).to_numpy()

    effect = driver_effects(Model(), features, {"repeat_contacts": BUILT_IN["repeat_contacts"]},
                            History(world, as_of, FeatureConfig()))["repeat_contacts"]
    # the contacts on one case follow from fewer repeat contacts; the contact volume stays as observed (history.py)
    # and the mean wait is long_waits' to move
    assert effect.features_moved == ("most_contacts_on_one_case_90d",)
    rebuilt = effect.values["most_contacts_on_one_case_90d"]  # 1, or 0 where the case's first contact is older
    assert set(rebuilt) <= {0, 1}
    assert effect.added[effect.affected] == pytest.approx(
        0.02 * (features.loc[effect.affected, "most_contacts_on_one_case_90d"] - rebuilt))


def test_two_support_drivers_together_rebuild_the_history_with_both_edits(world):
    as_of = "2025-06-01"
    features = build_features(world, as_of, FeatureConfig())

    class Model:  # risk from difficult cases only: a case transferred and unresolved stays difficult with one fixed
        feature_names_in_ = ("difficult_cases_90d", "transfer_rate_90d", "open_cases")

        def predict_proba(self, X):
            p = 0.1 + 0.05 * X["difficult_cases_90d"].fillna(0).to_numpy(float)
            return pd.DataFrame({0: 1 - p, 1: p}).to_numpy()

    history = History(world, as_of, FeatureConfig())
    drivers = {name: BUILT_IN[name] for name in ("transfers", "unresolved_cases", "repeat_contacts")}
    effects = driver_effects(Model(), features, drivers, history)
    changes = [Change(name, 1.0) for name in drivers]
    table = whatif_table(Model(), features, effects, changes, np.ones(len(features)), history=history)
    # together, the cases become plain: more retained than the three apart, and most of the difficult cases gone
    # (not all: a case transferred before the 90 days of transfer_rate_90d does not make its customer affected)
    together = table["churners_retained"].iloc[3]
    assert together > table["churners_retained"].iloc[:3].sum()
    moved = np.logical_or.reduce([effects[name].affected for name in drivers])
    assert 0.9 < together / (0.05 * features.loc[moved, "difficult_cases_90d"].fillna(0).sum()) <= 1
