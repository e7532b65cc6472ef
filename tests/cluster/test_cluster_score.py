"""`cxmodels score` on the cluster: the single-process scores, in a folder of Parquet parts and in the store; the
[cluster] address of the serving configuration; nothing half written when a part fails; clear usage errors.

The commands run in subprocesses in the world's folder, as a user runs them: MLflow's global state in the test
process is never touched. The cluster ones use the session's LocalCluster (--scheduler or [cluster] address).
"""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from cxmodels.cli import app
from serving.cluster import PART_NAME, write_parts
from serving.scoring import CLV_COLUMNS, SCORE_COLUMNS
from serving.store import ScoreStore

CLI = [sys.executable, "-c", "from cxmodels.cli import app; app()"]
PARTITIONS = 3  # of the [cluster] table in the configuration test; --scheduler alone: four per worker thread


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlruns' / 'mlflow.db'}"}
    result = subprocess.run([*CLI, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A folder with world/ (1,500 customers, tables as folders of 3 Parquet parts), its champions in mlruns/ and
    the single-process batch: alone.parquet and the store alone.db."""
    folder = tmp_path_factory.mktemp("scored")
    run(folder, "simulate", "world", "--customers", "1500", "--seed", "3", "--partitions", "3")
    run(folder, "train", "world")
    run(folder, "score", "world", "--out", "alone.parquet", "--store", "sqlite:///alone.db")
    return folder


def assert_same_scores(cluster: pd.DataFrame, alone: pd.DataFrame) -> None:
    """Same rows, order, columns and dtypes; every value identical but the CLV ones, equal to round-off (the BTYD
    sums run over arrays of another length)."""
    assert list(cluster.columns) == list(SCORE_COLUMNS) and len(cluster) == len(alone)
    exact = [name for name in cluster.columns if name not in CLV_COLUMNS]
    assert_frame_equal(cluster[exact], alone[exact], check_exact=True)
    assert_frame_equal(cluster[CLV_COLUMNS], alone[CLV_COLUMNS], check_exact=False, rtol=1e-9, atol=0)


def worker_loads(client) -> list[int]:
    """How many times each worker process loaded champions from the registry."""
    return list(client.run(lambda: __import__("serving.cluster", fromlist=["_"])._champions.cache_info().misses)
                .values())


def test_the_cluster_scores_are_the_single_process_ones_in_the_parts_and_the_store(client, trained):
    result = run(trained, "score", "world", "--out", "cluster.parquet", "--store", "sqlite:///cluster.db",
                 "--scheduler", client.scheduler.address)

    parts = sorted(path.name for path in (trained / "cluster.parquet").iterdir())
    assert parts == [PART_NAME.format(k) for k in range(len(parts))] and len(parts) == 4 * 2  # 4 per worker thread
    assert not [path for path in trained.iterdir() if path.name.startswith(".cluster.parquet")]  # no temporary left
    alone = pd.read_parquet(trained / "alone.parquet")
    assert alone["status"].nunique() == 2  # lapsed customers too
    assert_same_scores(pd.read_parquet(trained / "cluster.parquet"), alone)

    single, clustered = ScoreStore("sqlite:///" + str(trained / "alone.db")), ScoreStore(
        "sqlite:///" + str(trained / "cluster.db"))
    assert_same_scores(clustered.scores(), single.scores())
    assert clustered.segment_counts() == single.segment_counts()
    batch, reference = clustered.batch(), single.batch().metadata["reference"]
    assert batch.metadata["reference"].keys() == reference.keys()
    for name, cuts in reference.items():  # the population's quantile cuts, to round-off
        assert batch.metadata["reference"][name] == pytest.approx(cuts, rel=1e-12), name
    assert batch.rows == len(alone) and f"Scored {len(alone):,} customers" in result.stdout
    assert clustered.batch_tables() == {} and single.batch_tables().keys() == {"kpis", "links"}
    assert all("cxmodels kpis" in note for note in batch.metadata["notes"].values())
    assert worker_loads(client) == [1, 1]  # each worker loaded the champions once for all its partitions


def test_the_configured_cluster_address_and_partitions_are_used_and_the_flags_override_them(client, trained):
    (trained / "configured.toml").write_text(f'[cluster]\naddress = "{client.scheduler.address}"\n'
                                             f"partitions = {PARTITIONS}\n")
    (trained / "overridden.toml").write_text(f'[cluster]\naddress = "tcp://127.0.0.1:9"\npartitions = {PARTITIONS}\n')
    run(trained, "score", "world", "--out", "configured.parquet", "--store", "sqlite:///configured.db",
        "--config", "configured.toml")
    run(trained, "score", "world", "--out", "overridden.parquet", "--store", "sqlite:///overridden.db",
        "--config", "overridden.toml", "--scheduler", client.scheduler.address)

    alone = pd.read_parquet(trained / "alone.parquet")
    for name in ("configured", "overridden"):
        assert len(list((trained / f"{name}.parquet").iterdir())) == PARTITIONS
        assert_same_scores(pd.read_parquet(trained / f"{name}.parquet"), alone)
    assert worker_loads(client) == [1, 1]  # the same champions: loaded once per worker for every batch


def test_a_failed_part_leaves_the_previous_folder_and_the_previous_batch(client, tmp_path):
    out, store = tmp_path / "scores.parquet", ScoreStore(f"sqlite:///{tmp_path / 'scores.db'}")
    good = client.scatter([pd.DataFrame({"customer_id": ["a", "b"], "as_of": pd.Timestamp("2025-01-01", tz="UTC"),
                                         "segments": ["", "x"]})])
    write_parts(client, good, out)
    previous = store.write_batch((part.result() for part in good), {})

    failing = [*good, client.submit(_fail, pure=False)]
    with pytest.raises(RuntimeError, match="worker lost"):
        write_parts(client, failing, out)
    with pytest.raises(RuntimeError, match="worker lost"):
        store.write_batch((part.result() for part in failing), {})

    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".scores.parquet")]  # no temporary
    assert [path.name for path in out.iterdir()] == [PART_NAME.format(0)]
    assert_frame_equal(pd.read_parquet(out), good[0].result())
    assert store.batches() == [previous] and store.incomplete_batches() == []


def _fail():
    raise RuntimeError("worker lost")


@pytest.mark.parametrize("args, config, named", [
    (["--cluster", "local:x"], "", "whole number"),
    (["--scheduler", "local"], "", "not an address"),
    ([], '[cluster]\naddress = "nonsense"\n', "is not understood"),
    ([], "[cluster]\npartitions = -1\n", "cluster.partitions must be a whole number"),
])
def test_a_bad_cluster_spec_is_a_usage_error(tmp_path, monkeypatch, args, config, named):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "serving.toml").write_text(config)
    result = CliRunner().invoke(app, ["score", str(tmp_path), "--out", "s.parquet", "--config", "serving.toml", *args])
    assert result.exit_code == 2, result.output
    assert named in result.output


def test_a_csv_out_on_the_cluster_is_refused_naming_the_folder_of_parts(client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["score", str(tmp_path), "--out", "scores.csv",
                                      "--scheduler", client.scheduler.address])
    assert result.exit_code == 2, result.output
    assert "folder of Parquet parts" in result.output and "scores.parquet" in result.output
