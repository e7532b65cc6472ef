"""The feature matrix on a cluster: the registry's builders run per co-partitioned Dataset, rows as in one process."""

import pandas as pd

from cxmodels.cluster.partition import PartitionedDataset
from cxmodels.data.cutoff import utc_timestamp
from cxmodels.features.config import FeatureConfig
from cxmodels.features.matrix import build_features
from cxmodels.features.snapshots import data_as_of, observed_until


def data_end(data: PartitionedDataset) -> pd.Timestamp:
    """The default present of the whole dataset (`observed_until`): the latest of the partitions'."""
    return max(data.map(observed_until))


def cluster_features(data: PartitionedDataset, as_of=None, config: FeatureConfig | None = None) -> tuple:
    """(matrix, as_of): `build_features` as of `as_of` (default: the end of the data), partition by partition.

    Each partition's population is its customers known before `as_of`; the rows come out sorted by
    customer id like the single-process matrix, with the same columns and dtypes.
    """
    present = data_end(data) if as_of is None else utc_timestamp(as_of)
    parts = data.map(_partition_features, present, config or FeatureConfig())
    return pd.concat(parts).sort_index(kind="stable"), present


def _partition_features(dataset, as_of, config: FeatureConfig) -> pd.DataFrame:
    dataset, as_of = data_as_of(dataset, as_of)
    return build_features(dataset, as_of, config)
