"""The KPI table and the experience-and-churn table on a cluster, equal to the single-process ones.

Each KPI's counts and sums per (period, segment) are computed per partition (`kpi_statistics`; every partition
holds whole customers) and added up on the client, and the single-process finishing code makes values and
intervals. The span in which the customer base is seen is found over all partitions first.
"""

import pandas as pd

from cxmodels.cluster.features import data_end
from cxmodels.cluster.partition import PartitionedDataset
from cxmodels.features import FeatureConfig
from cxmodels.metrics.kpis import kpi_statistics, kpis_of_statistics, merge_statistics
from cxmodels.metrics.links import band_counts_at, churn_by_band, no_customer
from cxmodels.metrics.retention import retention_span


def cluster_kpi_table(data: PartitionedDataset, by: str = "month", segment: str | None = None, *,
                      active_days: float = 365) -> pd.DataFrame:
    """`kpi_table` of the whole dataset, partition by partition."""
    spans = pd.DataFrame(data.map(retention_span, active_days))
    span = (spans[0].min(), spans[1].max())
    parts = data.map(kpi_statistics, by, segment, span, active_days=active_days)
    return kpis_of_statistics(merge_statistics(parts))


def cluster_link_table(data: PartitionedDataset, horizon_days: int = 90,
                       config: FeatureConfig | None = None) -> pd.DataFrame:
    """`link_table` at its default cut-off (the data's end minus the horizon), partition by partition: each
    partition's customers get their bands and churn labels there, and the per-band counts are added up."""
    as_of = data_end(data) - pd.Timedelta(days=horizon_days)
    parts = data.map(band_counts_at, as_of, horizon_days, config or FeatureConfig())
    if not sum(customers for _, customers in parts):
        raise no_customer(as_of)
    table = churn_by_band(pd.concat([counts for counts, _ in parts], ignore_index=True))
    table.attrs |= {"as_of": str(as_of), "horizon_days": horizon_days}
    return table
