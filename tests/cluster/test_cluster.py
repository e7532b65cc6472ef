"""The cluster path gives the single-process answers: features, value summary, BTYD; partitions aligned by customer."""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from cxmodels.cluster import cluster_btyd, cluster_features, cluster_value_summary, connect, partition_dataset
from cxmodels.cluster.partition import partition_key
from cxmodels.errors import ConfigError
from cxmodels.features import build_features, value_summary
from cxmodels.models.clv.btyd import BTYDModel
from cxmodels.simulate import simulate
from tests.cluster.conftest import PARTITIONS


def _keys(dataset) -> dict:
    return {name: set(partition_key(frame["customer_id"], PARTITIONS)) for name, frame in dataset.tables.items()}


def test_partition_k_of_every_table_holds_exactly_the_customers_of_key_k(partitioned, single):
    keys = partitioned.map(_keys)
    assert len(keys) == PARTITIONS
    for k, tables in enumerate(keys):
        assert set(tables) == set(single[0].tables)
        assert all(found <= {k} for found in tables.values()), (k, tables)
    rows = partitioned.map(lambda dataset: {name: len(frame) for name, frame in dataset.tables.items()})
    assert {name: sum(part[name] for part in rows) for name in rows[0]} == \
        {name: len(frame) for name, frame in single[0].tables.items()}


def test_features_equal_build_features(partitioned, single):
    dataset, as_of = single
    matrix, present = cluster_features(partitioned)
    assert present == as_of
    pd.testing.assert_frame_equal(matrix, build_features(dataset, as_of), check_exact=True)


def test_features_at_an_earlier_cut_off_equal_build_features(partitioned, single):
    from cxmodels.features import data_as_of

    dataset, as_of = data_as_of(single[0], "2025-03-15")
    matrix, present = cluster_features(partitioned, "2025-03-15")
    assert present == as_of
    pd.testing.assert_frame_equal(matrix, build_features(dataset, as_of), check_exact=True)


def test_value_summary_equals_the_single_process_one(partitioned, single):
    dataset, as_of = single
    pd.testing.assert_frame_equal(cluster_value_summary(partitioned, as_of), value_summary(dataset.transactions, as_of),
                                  check_exact=True)


def test_btyd_parameters_and_predictions_equal_the_single_process_ones(partitioned, single):
    dataset, as_of = single
    summary = value_summary(dataset.transactions, as_of)
    expected = BTYDModel().fit(summary)
    model, predictions = cluster_btyd(partitioned, as_of, BTYDModel())
    assert model.params_.keys() == expected.params_.keys()
    for name, value in expected.params_.items():
        assert model.params_[name] == pytest.approx(value, rel=1e-12), name
    expected_predictions = expected.predict(summary)
    point = [column for column in expected_predictions.columns if not column.endswith(("_low", "_high"))]
    pd.testing.assert_frame_equal(predictions[point], expected_predictions[point], rtol=1e-12)
    # the interval bounds go through the covariance at the optimum, whose round-off is larger
    pd.testing.assert_frame_equal(predictions, expected_predictions, rtol=1e-9)


@pytest.mark.parametrize("spec", ["local:0", "local:two", "somewhere:8786"])
def test_a_bad_cluster_spec_is_a_config_error(spec):
    with pytest.raises(ConfigError, match="local:N"):
        connect(spec)


def test_losing_a_worker_mid_features_still_gives_the_complete_identical_matrix(client, world_dirs, single):
    """A worker process is killed once a first partition's features are done; its nanny restarts it, the scheduler
    recomputes what it held (reads, shuffles, partitions) and the matrix is complete and identical."""
    data = partition_dataset(client, world_dirs[1], 8)
    before = set(client.scheduler_info()["workers"])
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(cluster_features, data)
        deadline = time.monotonic() + 60
        while not (done := [holders for key, holders in client.who_has().items()
                            if "_partition_features" in str(key) and holders]):
            assert time.monotonic() < deadline and not running.done(), "no partition finished before the kill"
            time.sleep(0.005)
        victim = done[0][0]
        os.kill(client.run(os.getpid, workers=[victim])[victim], signal.SIGKILL)
        matrix, _ = running.result(timeout=180)
    assert victim in before and victim not in set(client.scheduler_info()["workers"])
    dataset, as_of = single
    pd.testing.assert_frame_equal(matrix, build_features(dataset, as_of), check_exact=True)


def test_a_customer_s_partition_follows_the_id_as_the_contract_reads_it():
    integers = partition_key(pd.Series([7, 12, 345], dtype="Int64"), 16)  # Parquet integers: their digits
    texts = partition_key(pd.Series([" 7", "12 ", "345"]), 16)  # text: trimmed
    np.testing.assert_array_equal(integers, texts)
    assert len(set(partition_key(pd.Series([f"C{i}" for i in range(200)]), 16))) > 8  # the ids spread


def test_csv_tables_with_a_byte_order_mark_give_the_single_process_features(client, tmp_path):
    """CSV files as spreadsheets save them ("CSV UTF-8": a byte-order mark first) read as in one process."""
    from cxmodels.data import load_dataset
    from cxmodels.data.io import write_tables
    from cxmodels.features import data_as_of

    write_tables(simulate(300, seed=7).tables, tmp_path, file_format="csv")
    for file in tmp_path.glob("*.csv"):
        file.write_bytes(b"\xef\xbb\xbf" + file.read_bytes())
    dataset, as_of = data_as_of(load_dataset(tmp_path))
    matrix, present = cluster_features(partition_dataset(client, tmp_path, 2))
    assert present == as_of
    pd.testing.assert_frame_equal(matrix, build_features(dataset, as_of), check_exact=True)
