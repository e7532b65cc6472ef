"""The `[cluster]` table of the training and serving configurations: where per-customer work runs."""

from dataclasses import dataclass

from cxmodels.errors import ConfigError


@dataclass(frozen=True)
class ClusterSettings:
    """address: "" (this process), "local", "local:N" (a LocalCluster started by the command) or a scheduler
    address (tcp://host:8786); --cluster and --scheduler override it. partitions: the co-partitioning of the
    dataset by customer (0: four per worker thread). gather_rows: `train` fits the churn model on the client
    when its training snapshots have at most this many rows, else with lightgbm.dask on the cluster."""

    address: str = ""
    partitions: int = 0
    gather_rows: int = 5_000_000

    def __post_init__(self) -> None:
        for name in ("partitions", "gather_rows"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"cluster.{name} must be a whole number >= 0, got {value!r}")
        if not isinstance(self.address, str):
            raise ConfigError(f"cluster.address must be text ('local', 'local:N' or tcp://host:8786), "
                              f"got {self.address!r}")
