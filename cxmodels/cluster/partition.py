"""Co-partitioning a dataset folder by customer on a cluster: partition k of every table holds the customers of key k.

Each table is read with dask.dataframe (a file or a folder of Parquet parts), keyed by
hash(customer_id) % N and shuffled once onto known divisions 0..N-1, so a customer's rows of
every table land in the same partition in their original order. Each partition is then
validated and coerced as the single-process path does (every rule of the contract is about
one customer's rows), giving one Dataset per partition, kept on the workers.
"""

from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd

from cxmodels.data.coerce import coerce_column
from cxmodels.data.load import find_table_files
from cxmodels.data.report import EXIT_OK, DataValidationError
from cxmodels.data.validate import TableInput, validate_inputs
from cxmodels.errors import ConfigError, DataError

KEY = "_cx_partition"  # hash(customer_id) % N: the partition a row goes to
ROW = "_cx_row"  # the row's position in its table (partition number, row within it): restores the table's order
ROW_BITS = 40  # rows per input part below 2**40


def partition_key(customer_ids: pd.Series, partitions: int) -> np.ndarray:
    """The partition of each customer id: a deterministic hash of the id as the contract reads it (trimmed text,
    Parquet integers as their digits), modulo `partitions`; so every table puts a customer in one partition."""
    text = coerce_column(customer_ids, "id")[0].fillna("").to_numpy(dtype=object)
    return (pd.util.hash_array(text, categorize=False) % np.uint64(partitions)).astype(np.int64)


def table_paths(folder: Path) -> dict[str, Path]:
    """The file or folder of parts of each contract table in `folder` (`find_table_files`); DataError naming the
    structural problems of the layout."""
    files, problems = find_table_files(folder)
    if problems:
        raise DataError(f"{folder}: " + "; ".join(str(problem) for problem in problems)
                        + " (cxmodels validate gives the whole report)")
    return files


@dataclass
class PartitionedDataset:
    """A dataset co-partitioned by customer: `parts` are futures of one validated Dataset per partition (or of what
    `apply` derived from them, partition by partition)."""

    client: object
    parts: list
    source: str

    @property
    def partitions(self) -> int:
        return len(self.parts)

    def apply(self, function, *args, **kwargs) -> "PartitionedDataset":
        """`function(part, *args, **kwargs)` on every partition, the results kept on the workers as the new parts."""
        futures = self.client.map(function, self.parts, *[[arg] * self.partitions for arg in args],
                                  pure=False, **kwargs)
        return PartitionedDataset(self.client, futures, self.source)

    def map(self, function, *args, **kwargs) -> list:
        """`function(part, *args, **kwargs)` on every partition, results gathered in partition order."""
        return self.client.gather(self.apply(function, *args, **kwargs).parts)


def partition_dataset(client, path: Path | str, partitions: int | None = None) -> PartitionedDataset:
    """The dataset folder at `path` validated and co-partitioned on the cluster of `client`.

    `partitions` defaults to four per worker thread. Raises DataValidationError with a partition's
    report when rows break the contract (fix them, or quarantine them with `cxmodels validate`).
    """
    import dask

    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder")
    if partitions is None:
        partitions = 4 * max(sum(client.nthreads().values()), 1)
    if partitions < 1:
        raise ConfigError(f"the partition count must be at least 1, got {partitions}")
    files = table_paths(folder)
    tables = {name: aligned(read(file), partitions).to_delayed() for name, file in files.items()}
    csv = {name for name, file in files.items() if file.suffix == ".csv"}
    parts = [dask.delayed(validated)({name: delayeds[k] for name, delayeds in tables.items()}, csv, str(folder))
             for k in range(partitions)]
    futures = client.compute(parts)
    reports = client.gather(client.map(itemgetter(1), futures))
    failed = next((report for report in reports if report.exit_code != EXIT_OK), None)
    if failed is not None:
        raise DataValidationError(failed)
    return PartitionedDataset(client, client.map(itemgetter(0), futures), str(folder))


def read(file: Path):
    """A table as a dask DataFrame of its raw values (CSV as text, like the single-process reader)."""
    import dask.dataframe as dd

    if file.suffix == ".csv":
        return dd.read_csv(file, dtype=str, keep_default_na=False, blocksize="64MB")
    return dd.read_parquet(file)


def aligned(frame, partitions: int):
    """`frame` shuffled once so that partition k holds exactly the rows whose customer key is k."""
    if "customer_id" not in frame.columns:
        raise DataError(f"a table has no customer_id column (columns: {list(frame.columns)})")
    keyed = frame.map_partitions(_keyed, partitions, meta=_keyed(frame._meta, partitions))
    return keyed.set_index(KEY, divisions=list(range(partitions)) + [partitions - 1])


def _keyed(frame: pd.DataFrame, partitions: int, partition_info: dict | None = None) -> pd.DataFrame:
    """`frame` with the partition key and the row's position in the table."""
    number = partition_info["number"] if partition_info else 0
    return frame.assign(**{KEY: partition_key(frame["customer_id"], partitions),
                           ROW: (number << ROW_BITS) + np.arange(len(frame), dtype=np.int64)})


def validated(raw: dict[str, pd.DataFrame], csv: set[str], source: str) -> tuple:
    """(Dataset or None, report) of one partition's raw tables, rows back in their table's order."""
    sources = {}
    for name, frame in raw.items():
        frame = frame.sort_values(ROW, kind="stable").drop(columns=ROW).reset_index(drop=True)
        sources[name] = TableInput(name, frame=frame, is_text=name in csv)
    result = validate_inputs(sources, [], None, source)
    return result.dataset, result.report
