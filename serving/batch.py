"""A batch run: the champions score every customer of a dataset; the scores go to a file and the score store,
with the tables the dashboard shows of the same data: the KPIs by month and the churn rate by experience band."""

import time
from dataclasses import dataclass
from pathlib import Path

from cxmodels.cluster.partition import partition_dataset
from cxmodels.data import load_dataset
from cxmodels.errors import DataError
from cxmodels.features import data_as_of
from cxmodels.metrics.kpis import kpi_table
from cxmodels.metrics.links import link_table
from serving.champions import load_champions
from serving.cluster import check_parts_out, cluster_score, write_parts
from serving.config import ServingConfig
from serving.files import check_format, write_atomically
from serving.scoring import score
from serving.store import Batch, ScoreStore
from training import tracking

CLUSTER_TABLES = ("not computed by a batch on a cluster (the dataset is not held in one process): `cxmodels kpis` "
                  "gives the KPIs by month and the churn rate by experience band")


@dataclass(frozen=True)
class BatchResult:
    """The file written, the batch as stored, and the seconds each step took."""

    out: Path
    batch: Batch
    seconds: dict[str, float]


def run_batch(data_dir, out, as_of=None, config: ServingConfig | None = None, tracking_uri: str | None = None,
              store_url: str | None = None, progress: bool = False, client=None) -> BatchResult:
    """Score the customers of the dataset in `data_dir` as of `as_of` (default: just after its last
    timestamp; rows at or after it are ignored) with the champion models; write the scores atomically to
    `out` (.parquet or .csv) and as a new batch of the score store (`store_url`, default the config's).

    With a Dask `client`, the same scores are computed on its cluster (serving/cluster.py, partitions as
    `config.cluster` says); `out` is then a folder of Parquet parts, the store is filled one part at a time,
    and the batch has no dashboard tables (their notes say why)."""
    config = config or ServingConfig()
    out = check_format(out) if client is None else check_parts_out(Path(out))
    seconds, start = {}, time.perf_counter()

    def lap(step: str) -> None:
        nonlocal start
        seconds[step], start = time.perf_counter() - start, time.perf_counter()

    store = ScoreStore(store_url or config.store.url)
    tracking_uri = tracking.tracking_uri(tracking_uri)
    champions = load_champions(tracking_uri)
    if client is None:
        dataset, present = data_as_of(load_dataset(data_dir), as_of)
        lap("load")
        scores, reference = score(dataset, champions, present, config, progress=progress)
        lap("score")
        write_atomically(scores, out)
        lap("write file")
        tables, notes = dashboard_tables(dataset, champions.churn.horizon_days or 90, champions.feature_config)
        lap("kpis")
    else:
        from distributed import wait

        data = partition_dataset(client, data_dir, config.cluster.partitions or None)
        lap("load")
        parts, reference = cluster_score(data, champions, tracking_uri, as_of, config)
        wait(parts)  # computed here, kept on the workers: the laps time what they say
        lap("score")
        write_parts(client, parts, out)
        lap("write file")
        scores, tables, notes = (part.result() for part in parts), {}, dict.fromkeys(("kpis", "links"), CLUSTER_TABLES)
    catalog = config.catalog()
    batch = store.write_batch(scores, progress=progress, keep=config.store.keep_batches, tables=tables, metadata={
        **champions.versions(), "churn_model": type(champions.churn).__name__,
        "data_dir": str(Path(data_dir).resolve()), "reference": reference,
        "segments": {name: segment.description for name, segment in catalog.items()}, "notes": notes,
    })
    lap("write store")
    return BatchResult(out, batch, seconds)


def dashboard_tables(dataset, horizon_days: int, feature_config) -> tuple[dict, dict]:
    """{"kpis": the KPIs by month, "links": the churn rate by experience band over `horizon_days`} of `dataset`,
    and {table: why it is missing}: the links need a cut-off with customers and complete churn labels."""
    tables, notes = {"kpis": kpi_table(dataset, by="month")}, {}
    try:
        tables["links"] = link_table(dataset, horizon_days=horizon_days, config=feature_config)
    except DataError as error:
        notes["links"] = str(error)
    return tables, notes
