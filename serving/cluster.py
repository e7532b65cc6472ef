"""Batch scoring on a Dask cluster: the scores of one process, computed partition by partition.

Each worker loads the champions once from the MLflow registry (`worker_champions`). Phase 1 runs
`score_inputs` and `model_scores` on every partition of the co-partitioned dataset and keeps the result
on the workers; the client gathers only the REFERENCE_COLUMNS, so the value tiers and RFM edges come
from the whole population (`reference_from`); phase 2 runs `tiered` per partition. The parts are then
moved into ranges of customer id (boundaries from a sample of each part's ids), each sorted, so the
parts in order are the single-process frame: same rows, order, columns and values.
"""

import os
import secrets
import shutil
import threading
from functools import cache
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd

from cxmodels.cluster.features import data_end
from cxmodels.cluster.partition import PartitionedDataset
from cxmodels.data.cutoff import utc_timestamp
from cxmodels.errors import ConfigError
from cxmodels.features import data_as_of
from serving.champions import load_champions
from serving.scoring import REFERENCE_COLUMNS, model_scores, reference_from, score_inputs, tiered

SAMPLE_IDS = 64  # customer ids per part sampled for the boundaries of the output's ranges
PART_NAME = "part-{:05d}.parquet"
_LOADING = threading.Lock()


def worker_champions(tracking_uri: str, churn_version: str, clv_version: str):
    """The champions of these versions, loaded from the registry at `tracking_uri` once per process."""
    with _LOADING:
        return _champions(tracking_uri, churn_version, clv_version)


@cache
def _champions(tracking_uri: str, churn_version: str, clv_version: str):
    return load_champions(tracking_uri, {"churn_model_version": churn_version, "clv_model_version": clv_version})


def cluster_score(data: PartitionedDataset, champions, tracking_uri: str, as_of, config) -> tuple[list, dict]:
    """(futures of the score parts in customer id order, the reference) of every customer of `data`
    as of `as_of` (default: the end of the data) with the `champions` (their versions, loaded on the workers
    from `tracking_uri`). Concatenated, the parts are `score` of the whole dataset in one process."""
    present = data_end(data) if as_of is None else utc_timestamp(as_of)
    versions = champions.versions()
    models = (tracking_uri, versions["churn_model_version"], versions["clv_model_version"])
    scored = data.apply(_model_scores, present, models, config)
    reference = reference_from(pd.concat(scored.map(itemgetter(REFERENCE_COLUMNS))), config.value)
    parts = scored.apply(tiered, present, versions, config, reference)
    return by_customer(parts), reference


def _model_scores(dataset, as_of, models: tuple, config) -> pd.DataFrame:
    champions = worker_champions(*models)
    dataset, as_of = data_as_of(dataset, as_of)
    features, status, summary = score_inputs(dataset, champions, as_of)
    return model_scores(features, champions, config, summary, status=status)


def by_customer(parts: PartitionedDataset) -> list:
    """Futures of frames with a customer_id column, as many as `parts`, holding their rows in ranges of
    customer id: part k's ids all below part k+1's, each part sorted by id."""
    client, count = parts.client, parts.partitions
    samples = np.concatenate(parts.map(_sample_ids))
    boundaries = np.sort(samples)[np.linspace(0, len(samples), count + 1, dtype=int)[1:-1]] if len(samples) else []
    splits = parts.apply(_split, list(boundaries), count).parts
    pieces = [[client.submit(itemgetter(k), split, pure=False) for split in splits] for k in range(count)]
    return [client.submit(_joined, *row, pure=False) for row in pieces]


def _sample_ids(frame: pd.DataFrame) -> np.ndarray:
    ids = frame["customer_id"].astype(str).to_numpy(dtype=object)
    return ids[np.linspace(0, len(ids) - 1, min(SAMPLE_IDS, len(ids)), dtype=int)] if len(ids) else ids


def _split(frame: pd.DataFrame, boundaries: list[str], count: int) -> list[pd.DataFrame]:
    """`frame`'s rows by range of customer id: piece k holds the ids from boundary k-1 (included) to boundary k."""
    ranges = np.searchsorted(np.asarray(boundaries, dtype=object),
                             frame["customer_id"].astype(str).to_numpy(dtype=object), side="right")
    return [frame[ranges == k] for k in range(count)]


def _joined(*pieces: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(pieces).sort_values("customer_id", kind="stable").reset_index(drop=True)


def check_parts_out(out: Path) -> Path:
    """`out` when it can be the folder of Parquet parts a cluster run writes; else ConfigError saying what to give."""
    if out.suffix.lower() != ".parquet":
        raise ConfigError(f"cannot write {out} on a cluster: the scores are written as a folder of Parquet parts "
                          "(one per partition), whose name must end in .parquet, e.g. --out scores.parquet; "
                          "CSV is written without --cluster/--scheduler")
    return out


def write_parts(client, parts: list, out: Path) -> Path:
    """The score `parts` (futures) written by the workers as `out`/part-00000.parquet, ... with one schema, into a
    temporary sibling folder renamed to `out` once every part is written: a reader finds the previous `out` or
    the complete new one (a failed run leaves no half folder). The workers must be able to write to `out`'s
    folder (a shared file system)."""
    import pyarrow as pa

    out = check_parts_out(Path(out)).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    temporary, previous = out.with_name(f".{out.name}.{token}.tmp"), out.with_name(f".{out.name}.{token}.old")
    temporary.mkdir()
    try:
        schema = pa.unify_schemas(client.gather(client.map(_schema, parts, pure=False)))
        client.gather(client.map(_write_part, parts, [temporary / PART_NAME.format(k) for k in range(len(parts))],
                                 [schema] * len(parts), pure=False))
        if out.exists():
            out.rename(previous)
        temporary.rename(out)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        if previous.exists() and not out.exists():
            previous.rename(out)
        raise
    if previous.is_dir():
        shutil.rmtree(previous)
    elif previous.exists():
        os.unlink(previous)
    return out


def _schema(frame: pd.DataFrame):
    import pyarrow as pa

    return pa.Schema.from_pandas(frame, preserve_index=False)


def _write_part(frame: pd.DataFrame, path: Path, schema) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), path)
