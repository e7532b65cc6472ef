"""A trained world with a batch in its score store, and the service running on it in its own process.

Everything runs in subprocesses with the world's folder as working directory, as a user would run it,
so MLflow's global state in the test process is never touched.
"""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent
API_KEY = "test-key-0123456789"
ADMIN_KEY = "test-admin-key-9876543210"
KEYS_FILE = "keys.toml"  # in the world's folder: more keys, read again when it changes
MAX_REQUEST_BYTES = 200_000
READY_IN_A_ROW = 20  # answers of /ready, each on a new connection, that say the service (every process) is ready
SERVING_CONFIG = f"""
[service]
keys_file = "{KEYS_FILE}"
max_request_bytes = {MAX_REQUEST_BYTES}
page_size = 50
max_page_size = 500
"""


@dataclass(frozen=True)
class World:
    """A working directory holding the dataset (world/) and the MLflow store (mlruns/); its batches go to the
    score store `store_url` (set in the serving configuration `config`) and to `scores_file`."""

    folder: Path
    config: Path
    store_url: str
    scores_file: Path

    def on_store(self, url: str, name: str) -> "World":
        """The same world with its batches going to the score store at `url` (and to scores-`name`.parquet)."""
        config = self.folder / f"serving-{name}.toml"
        config.write_text(f"[store]\nurl = {json.dumps(url)}\n{SERVING_CONFIG}")
        return World(self.folder, config, url, self.folder / f"scores-{name}.parquet")

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.folder / 'mlruns' / 'mlflow.db'}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "MLFLOW_TRACKING_URI": self.tracking_uri, "CXMODELS_API_KEY": API_KEY,
                "CXMODELS_ADMIN_KEY": ADMIN_KEY}

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """A command in the world's folder; fails the test, with its output, when it fails."""
        result = subprocess.run(args, cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def python(self, code: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-c", code, timeout=timeout)

    def write_drivers(self, drivers: list[dict], metadata: dict) -> None:
        """`ScoreStore.write_drivers` on the world's score store, as `cxmodels drivers` stores its table."""
        self.python(f"import pandas as pd; from serving.store import ScoreStore; ScoreStore({self.store_url!r})"
                    f".write_drivers(pd.DataFrame({drivers!r}), {metadata!r})")

    def run_batch(self) -> None:
        """`serving.batch.run_batch` on the world with its serving configuration."""
        self.python(f"from serving.batch import run_batch; from serving.config import load_serving_config; "
                    f"run_batch('world', {str(self.scores_file)!r}, config=load_serving_config({str(self.config)!r}))")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Service:
    url: str
    process: subprocess.Popen

    def client(self, key: str | None = API_KEY, **kwargs) -> httpx.Client:
        """A client sending `key` (default the read key)."""
        return httpx.Client(base_url=self.url, headers={"X-API-Key": key} if key else {}, timeout=60, **kwargs)


def start_service(world: World, *options: str) -> Service:
    """`cxmodels serve` (with `options`) on a free loopback port, once /ready answers 200 READY_IN_A_ROW times in a
    row on new connections (with --workers N, each process loads its models on its own); its log in service.log."""
    port = free_port()
    command = [str(BIN / "cxmodels"), "serve", "--port", str(port), "--config", str(world.config), *options]
    with open(world.folder / "service.log", "a") as log:
        process = subprocess.Popen(command, cwd=world.folder, env=world.env, stdout=log, stderr=subprocess.STDOUT)
    service = Service(f"http://127.0.0.1:{port}", process)
    deadline, ready = time.monotonic() + 90, 0
    while time.monotonic() < deadline and process.poll() is None:
        try:
            ready = ready + 1 if httpx.get(f"{service.url}/ready", timeout=5).status_code == 200 else 0
        except httpx.TransportError:
            ready = 0
        if ready >= READY_IN_A_ROW:
            return service
        time.sleep(0.2 if ready == 0 else 0.01)
    process.kill()
    pytest.fail(f"the service did not become ready:\n{(world.folder / 'service.log').read_text()}")


def children(pid: int) -> list[int]:
    """The process ids whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


def make_world(folder: Path) -> World:
    """2,000 simulated customers, trained and scored into the SQLite score store `folder`/scores.db."""
    config = folder / "serving.toml"
    config.write_text(SERVING_CONFIG)
    (folder / KEYS_FILE).write_text("read = []\n")
    world = World(folder, config, f"sqlite:///{folder / 'scores.db'}", folder / "scores.parquet")
    world.run(str(BIN / "cxmodels"), "simulate", "world", "--customers", "2000", "--seed", "1")
    world.run(str(BIN / "cxmodels"), "train", "world")
    world.run_batch()
    return world
