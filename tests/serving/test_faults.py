"""Faults, each met with a clear answer: a damaged score store file, an MLflow store that cannot be reached
when the service starts, a registered model whose artifacts were deleted. (A batch run killed while writing
the store: tests/serving/test_store.py and test_service_batch_crash.py.)"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from mlflow.tracking import MlflowClient

from serving.champions import ChampionError, load_champions
from serving.store import ScoreStore
from service_world import BIN, free_port
from test_store import score_frame


@pytest.fixture
def store_file(tmp_path) -> Path:
    """A SQLite score store with one batch of 5,000 customers, its WAL folded into the file."""
    path = tmp_path / "scores.db"
    store = ScoreStore(f"sqlite:///{path}")
    store.write_batch(score_frame(customers=5000), {"segments": {"save_now": "high value at high risk"}})
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.engine.dispose()
    return path


def cxmodels(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "cxmodels"), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("damage, words", [
    (lambda path: path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 3]), "is damaged or not a score store"),
    (lambda path: path.write_bytes(b"this is not a database\n" * 100), "is damaged or not a score store"),
    (lambda path: (path.unlink(), path.mkdir()), "check that its folder exists"),
])
def test_a_damaged_store_file_gives_one_line_naming_it_and_an_exit_status(store_file, tmp_path, damage, words):
    damage(store_file)
    result = cxmodels("segments", "export", "save_now", "--out", str(tmp_path / "out.csv"),
                      "--store", f"sqlite:///{store_file}")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: score store at sqlite:///") and str(store_file) in line and words in line


def test_an_unreachable_mlflow_store_at_start_gives_503_on_ready_with_the_reason_and_200_on_health(tmp_path):
    config = tmp_path / "serving.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "scores.db"}"\n')
    tracking = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    port = free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
           "CXMODELS_API_KEY": "k"}
    process = subprocess.Popen([str(BIN / "cxmodels"), "serve", "--port", str(port), "--config", str(config)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline, ready = time.monotonic() + 60, None
            while time.monotonic() < deadline and (ready is None or "not loaded yet" in ready.text):
                time.sleep(0.2)
                try:
                    ready = client.get("/ready")
                except httpx.TransportError:
                    continue
            assert ready.status_code == 503 and ready.json()["ready"] is False
            assert f"cannot reach the MLflow store {tracking} to find the champion of cxmodels-churn" in ready.text
            assert client.get("/health").status_code == 200
    finally:
        process.terminate()
        process.wait(30)


def test_a_registered_model_whose_artifacts_were_deleted_gives_a_clear_error_at_load(world, tmp_path):
    client = MlflowClient(world.tracking_uri, world.tracking_uri)
    churn = client.get_model_version_by_alias("cxmodels-churn", "champion")
    clv = client.get_model_version_by_alias("cxmodels-clv", "champion")
    copy = tmp_path / "artifacts"  # a version of its own, so the champion's files stay for the other tests
    shutil.copytree(world.folder / "mlruns" / "artifacts" / "models" / churn.source.removeprefix("models:/") /
                    "artifacts", copy)
    orphan = client.create_model_version("cxmodels-churn", source=copy.as_uri(), run_id=churn.run_id)
    shutil.rmtree(copy)

    with pytest.raises(ChampionError) as raised:
        load_champions(world.tracking_uri, {"churn_model_version": orphan.version,
                                            "clv_model_version": clv.version})
    assert str(raised.value).startswith(f"cannot load cxmodels-churn v{orphan.version} from {world.tracking_uri} "
                                        f"(its artifacts: {copy.as_uri()}): ")
    assert "if they were deleted, train again" in str(raised.value)
