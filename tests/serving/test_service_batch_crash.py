"""A batch run killed midway leaves the previous batch served; the next complete batch is served without a restart."""

import subprocess
import sys

import pytest
import sqlalchemy as sa

from serving.store import BATCHES

# A batch run whose store writes are slow: it says when its first chunk of scores is in, then waits to be killed.
SLOW_BATCH = """
import time
from serving import store
from serving.batch import run_batch
from serving.config import load_serving_config

store.CHUNK_ROWS = 200
write_chunk = store.ScoreStore._insert_chunk

def slow_write_chunk(self, *args):
    write_chunk(self, *args)
    print("chunk written", flush=True)
    time.sleep(60)

store.ScoreStore._insert_chunk = slow_write_chunk
run_batch("world", {out!r}, config=load_serving_config({config!r}))
"""


def incomplete_batches(world) -> int:
    engine = sa.create_engine(world.store_url)
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).where(BATCHES.c.completed_at.is_(None))).scalar()
    engine.dispose()
    return count


def served(client) -> set[str]:
    """The batch ids of the latest batch as /version, /ready, a look-up and /segments name it."""
    lookup = client.get("/customers/C0000001/scores").json()
    return {client.get("/version").json()["batch"]["batch_id"], client.get("/ready").json()["batch_id"],
            lookup["batch_id"], client.get("/segments").json()["batch_id"]}


@pytest.mark.slow
def test_a_batch_killed_midway_leaves_the_previous_batch_served(served_world, client):
    world = served_world
    (previous,) = served(client)
    code = SLOW_BATCH.format(config=str(world.config), out=str(world.scores_file))
    batch = subprocess.Popen([sys.executable, "-c", code], cwd=world.folder,
                             env=world.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert batch.stdout.readline().strip() == "chunk written"
    finally:
        batch.kill()
        batch.wait()
    assert incomplete_batches(world) == 1  # killed with scores written: the batch is half there
    assert served(client) == {previous}
    assert client.post("/score", json={"transactions": [
        {"customer_id": "x", "timestamp": "2025-01-01", "amount": 5.0}]}).json()["reference_batch_id"] == previous

    world.run_batch()
    (latest,) = served(client)
    assert latest != previous and incomplete_batches(world) == 0  # the next batch cleaned the leftovers
