"""One LocalCluster of 2 worker processes for the cluster tests, and a small world written twice:
as single table files (read by the single-process path) and with tables as folders of Parquet parts."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cxmodels.data import load_dataset
from cxmodels.data.io import write_tables
from cxmodels.features import data_as_of
from cxmodels.simulate import simulate

PARTITIONS = 4


@pytest.fixture(scope="session")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


@pytest.fixture(scope="session")
def world_dirs(tmp_path_factory) -> tuple[Path, Path]:
    """(single-file dataset, the same tables with transactions/ and contacts.parquet/ as folders of 3 parts)."""
    single = tmp_path_factory.mktemp("single")
    write_tables(simulate(2000, seed=5).tables, single)
    parts = tmp_path_factory.mktemp("parts")
    for file in single.glob("*.parquet"):
        table = pq.read_table(file)
        if file.stem in ("transactions", "contacts"):
            folder = parts / (file.stem if file.stem == "transactions" else file.name)
            folder.mkdir()
            step = -(-table.num_rows // 3)
            for i in range(3):
                pq.write_table(table.slice(i * step, step), folder / f"part-{i}.parquet")
        else:
            pq.write_table(table, parts / file.name)
    return single, parts


@pytest.fixture(scope="session")
def single(world_dirs):
    """(dataset, as_of) of the single-process path."""
    return data_as_of(load_dataset(world_dirs[0]))


@pytest.fixture(scope="session")
def partitioned(client, world_dirs):
    from cxmodels.cluster import partition_dataset

    return partition_dataset(client, world_dirs[1], PARTITIONS)
