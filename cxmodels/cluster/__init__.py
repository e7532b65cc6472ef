"""Per-customer work on a Dask cluster: tables co-partitioned by customer, the pandas builders run per partition."""

from cxmodels.cluster.client import connect, connected
from cxmodels.cluster.features import cluster_features
from cxmodels.cluster.kpis import cluster_kpi_table, cluster_link_table
from cxmodels.cluster.partition import PartitionedDataset, partition_dataset
from cxmodels.cluster.settings import ClusterSettings
from cxmodels.cluster.value import cluster_btyd, cluster_value_summary

__all__ = ["ClusterSettings", "PartitionedDataset", "cluster_btyd", "cluster_features", "cluster_kpi_table",
           "cluster_link_table", "cluster_value_summary", "connect", "connected", "partition_dataset"]
