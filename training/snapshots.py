"""Where the snapshots go: the present of the data, the held-out snapshot and the training cut-offs before it."""

from dataclasses import dataclass, replace

import pandas as pd

from cxmodels.data import Dataset
from cxmodels.features.snapshots import observed_until
from cxmodels.data.cutoff import utc_timestamp


@dataclass(frozen=True)
class SnapshotPlan:
    """present: the end of the data; test_as_of: the held-out snapshot, its labels ending at the present
    (floored to a day); train_as_of: the training cut-offs, earliest first, their labels ending by test_as_of."""

    present: pd.Timestamp
    test_as_of: pd.Timestamp
    train_as_of: tuple[pd.Timestamp, ...]


def data_as_of(dataset: Dataset, present=None) -> tuple[Dataset, pd.Timestamp]:
    """The dataset as it was at `present` (rows at or after it dropped; customers signed up after it too),
    and the present: by default just after the last timestamp (the end of its day)."""
    if present is None:
        return dataset, observed_until(dataset)
    present = utc_timestamp(present)
    tables = {name: _before(frame, present) for name, frame in dataset.tables.items()}
    return replace(dataset, **tables), present


def plan_snapshots(present, horizon_days: int, count: int, spacing_days: int) -> SnapshotPlan:
    """The held-out snapshot `horizon_days` before the present, and `count` training cut-offs
    `spacing_days` apart whose label windows end by the held-out cut-off."""
    present = utc_timestamp(present)
    horizon = pd.Timedelta(days=horizon_days)
    test_as_of = present.floor("D") - horizon
    latest = test_as_of - horizon
    train = tuple(latest - pd.Timedelta(days=spacing_days * k) for k in reversed(range(count)))
    return SnapshotPlan(present, test_as_of, train)


def _before(frame: pd.DataFrame, present: pd.Timestamp) -> pd.DataFrame:
    column = "timestamp" if "timestamp" in frame.columns else "signup_date" if "signup_date" in frame.columns else None
    if column is None:
        return frame
    keep = frame[column].isna() | (frame[column] < present)
    return frame[keep.to_numpy()].reset_index(drop=True)
