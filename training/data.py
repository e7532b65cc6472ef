"""What a training run reads of its dataset: in this process, or co-partitioned by customer on a Dask cluster.

Per-customer work (snapshots, value summaries, labels) runs on each partition with the single-process builders;
what is global (the present of the data, the snapshot dates, the start of the data, the fingerprint) is
computed once from every partition. What the client then holds is one row per customer: the held-out
snapshot, the value summaries and the customers table, never the interaction tables.
"""

from dataclasses import dataclass

import pandas as pd

from cxmodels.data import load_dataset
from cxmodels.data.arrival import categories
from cxmodels.data.cutoff import utc_timestamp
from cxmodels.features import build_snapshots, data_as_of
from training import tracking
from training.snapshots import SnapshotPlan, plan_snapshots


@dataclass(frozen=True)
class RunData:
    """The dataset as observed up to the present (`dataset` in this process, else `parts` on a cluster), where the
    snapshots sit, and what the run needs of the whole dataset."""

    dataset: object | None
    parts: object | None  # cxmodels.cluster.PartitionedDataset
    plan: SnapshotPlan
    fingerprint: str
    start: pd.Timestamp  # the first transaction
    contractual: bool
    categories: dict  # cxmodels.data.arrival.categories
    customers: pd.DataFrame | None
    end: pd.Timestamp | None = None  # on a cluster: where the whole data ends (`observed_until`)

    def whole(self, function, *args):
        """`function(dataset, *args)`, a frame indexed by customer_id: of the dataset in this process, else of
        every partition, concatenated and sorted by customer as the whole dataset's would be."""
        if self.parts is None:
            return function(self.dataset, *args)
        return pd.concat(self.parts.map(function, *args)).sort_index(kind="stable")


def load_data(data_dir, as_of, config, client=None) -> RunData:
    """The dataset in `data_dir` observed up to `as_of` (default: the end of its data), in this process or (with
    `client`) co-partitioned on its cluster (`config.cluster.partitions`)."""
    if client is None:
        dataset, present = data_as_of(load_dataset(data_dir), as_of)
        return _run_data(dataset, None, present, [_facts(dataset)], config)
    from cxmodels.cluster import partition_dataset
    from cxmodels.cluster.features import data_end

    parts = partition_dataset(client, data_dir, config.cluster.partitions or None)
    present = data_end(parts) if as_of is None else utc_timestamp(as_of)
    if as_of is not None:
        parts = parts.apply(_observed_at, present)
    return _run_data(None, parts, present, parts.map(_facts), config, data_end(parts))


def _run_data(dataset, parts, present, facts: list[dict], config, end=None) -> RunData:
    starts = [fact["start"] for fact in facts if fact["start"] is not None]
    found = {}
    for fact in facts:
        for name, values in fact["categories"].items():
            found.setdefault(name, set()).update(values)
    customers = [fact["customers"] for fact in facts if fact["customers"] is not None]
    return RunData(dataset, parts, plan_snapshots(present, **vars(config.snapshots)),
                   tracking.combined_fingerprint([fact["digests"] for fact in facts]), min(starts, default=pd.NaT),
                   facts[0]["contractual"], {name: sorted(values) for name, values in found.items()},
                   (customers[0] if dataset is not None else pd.concat(customers, ignore_index=True))
                   if customers else None, end)


def _observed_at(dataset, present):
    return data_as_of(dataset, present)[0]


def _facts(dataset) -> dict:
    """What the run needs of one dataset (the whole one, or a partition) to know the whole dataset's."""
    timestamps = dataset.transactions["timestamp"]
    return {"digests": tracking.table_digests(dataset), "start": timestamps.min() if len(timestamps) else None,
            "contractual": dataset.is_contractual, "categories": categories(dataset), "customers": dataset.customers}


def snapshots(data: RunData, dates, config) -> pd.DataFrame:
    """The snapshots at `dates` (each built alone, as `build_snapshots` builds one cut-off), one frame, ordered
    by date and customer; gathered from the partitions on a cluster."""
    if data.parts is None:
        frames = [build_snapshots(data.dataset, [as_of], config.snapshots.horizon_days, config.features)
                  for as_of in dates]
        return pd.concat(frames, ignore_index=True)
    return gathered(snapshot_parts(data, dates, config))


def snapshot_parts(data: RunData, dates, config):
    """The snapshots at `dates` of each partition, kept on the workers (a PartitionedDataset of frames)."""
    return data.parts.apply(_partition_snapshots, list(dates), config.snapshots.horizon_days, config.features,
                            data.end)


def gathered(parts) -> pd.DataFrame:
    """The partitions' snapshot frames as one, in the order of the single-process frame: by date, then customer."""
    frame = pd.concat(parts.client.gather(parts.parts), ignore_index=True)
    return frame.sort_values(["as_of", "customer_id"], kind="stable", ignore_index=True)


def _partition_snapshots(dataset, dates: list, horizon_days: int, features, end) -> pd.DataFrame:
    return pd.concat([build_snapshots(dataset, [as_of], horizon_days, features, end) for as_of in dates],
                     ignore_index=True)
