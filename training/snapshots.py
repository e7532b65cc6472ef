"""Where the snapshots go: the held-out snapshot and the training cut-offs before it."""

from dataclasses import dataclass

import pandas as pd

from cxmodels.data.cutoff import utc_timestamp


@dataclass(frozen=True)
class SnapshotPlan:
    """present: the end of the data; test_as_of: the held-out snapshot, its labels ending at the present
    (floored to a day); train_as_of: the training cut-offs, earliest first, their labels ending by test_as_of."""

    present: pd.Timestamp
    test_as_of: pd.Timestamp
    train_as_of: tuple[pd.Timestamp, ...]


def plan_snapshots(present, horizon_days: int, count: int, spacing_days: int) -> SnapshotPlan:
    """The held-out snapshot `horizon_days` before the present, and `count` training cut-offs
    `spacing_days` apart whose label windows end by the held-out cut-off."""
    present = utc_timestamp(present)
    horizon = pd.Timedelta(days=horizon_days)
    test_as_of = present.floor("D") - horizon
    latest = test_as_of - horizon
    train = tuple(latest - pd.Timedelta(days=spacing_days * k) for k in reversed(range(count)))
    return SnapshotPlan(present, test_as_of, train)
