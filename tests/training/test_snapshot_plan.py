"""Where the snapshots go, and the data as of a present."""

import pandas as pd

from cxmodels.data import Dataset
from cxmodels.features import data_as_of
from training.snapshots import plan_snapshots


def test_the_held_out_labels_end_at_the_present_and_training_labels_by_the_held_out_cut_off():
    plan = plan_snapshots("2025-07-01 15:00", horizon_days=90, count=3, spacing_days=30)
    day = pd.Timedelta(days=1)
    assert plan.test_as_of == pd.Timestamp("2025-07-01", tz="UTC") - 90 * day
    assert plan.train_as_of == tuple(plan.test_as_of - (90 + k) * day for k in (60, 30, 0))


def test_rows_at_or_after_the_present_are_ignored():
    stamps = pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"], utc=True)
    dataset = Dataset(
        transactions=pd.DataFrame({"customer_id": ["a", "b", "c"], "timestamp": stamps, "amount": [1.0, 2.0, 3.0]}),
        customers=pd.DataFrame({"customer_id": ["a", "b", "c"], "signup_date": [stamps[0], pd.NaT, stamps[2]]}))
    cut, present = data_as_of(dataset, "2025-02-01")
    assert present == stamps[1]
    assert cut.transactions["customer_id"].tolist() == ["a"]
    assert cut.customers["customer_id"].tolist() == ["a", "b"]  # no signup date: kept


def test_the_default_present_is_just_after_the_last_timestamp():
    stamps = pd.to_datetime(["2025-01-01 10:00", "2025-01-03 18:30"], utc=True)
    dataset = Dataset(transactions=pd.DataFrame({"customer_id": ["a", "b"], "timestamp": stamps,
                                                 "amount": [1.0, 2.0]}))
    same, present = data_as_of(dataset)
    assert same is dataset and present == pd.Timestamp("2025-01-04", tz="UTC")
