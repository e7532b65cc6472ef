"""The score store: round trips, only complete batches visible, crashes, pagination, pruning, errors."""

import json
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from backends import BACKENDS, create_database, drop_database
from cxmodels.cli import app
from cxmodels.errors import DataError
from serving import store as store_module
from serving.scoring import SCORE_COLUMNS
from serving.store import ScoreStore, StoreError

TEXT = {"customer_id", "status", "churn_risk", "reason_1", "reason_2", "reason_3", "value_tier", "nps_category", "segments",
        "churn_model_version", "clv_model_version"}
SEGMENTS = ["save_now;champions", "", "save_now", "lost;at_risk", "save_now;lost"]


def score_frame(customers: int = 5, as_of: str = "2025-01-01", shift: float = 0.0) -> pd.DataFrame:
    """A score frame (SCORE_COLUMNS) of `customers` rows, not in customer_id order, row 1 missing every value."""
    rng = np.random.default_rng(customers)
    ids = [f"C{i:03d}" for i in range(customers)][::-1]
    ids[0] = "Zoë 'o\"; --"
    frame = pd.DataFrame({"customer_id": ids, "as_of": pd.Timestamp(as_of, tz="UTC").as_unit("ns")})
    for name in SCORE_COLUMNS[2:]:
        if name in TEXT:
            values = pd.Series([f"{name} {i}" for i in range(customers)], dtype=object)
        else:
            values = pd.Series(rng.random(customers) + shift)
        values[1] = None
        frame[name] = values
    frame["segments"] = [SEGMENTS[i % len(SEGMENTS)] for i in range(customers)]
    return frame


def as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as the store reads it back: in customer_id order, text as str."""
    expected = frame.sort_values("customer_id", ignore_index=True)
    text = [name for name in expected if name in TEXT or expected[name].dtype == object]
    return expected.astype(dict.fromkeys(text, "str"))


def count(store: ScoreStore, table: str, batch_id: str | None = None) -> int:
    query = f"SELECT count(*) FROM {table}" + (" WHERE batch_id = :batch_id" if batch_id else "")
    with store.engine.connect() as conn:
        return conn.execute(sa.text(query), {"batch_id": batch_id}).scalar()


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    url = create_database(request.param, tmp_path)
    yield url
    drop_database(url)


@pytest.fixture
def store(url):
    return ScoreStore(url)


def test_a_batch_reads_back_as_written(store, monkeypatch):
    monkeypatch.setattr(store_module, "CHUNK_ROWS", 2)  # written and read in chunks
    frame = score_frame()
    batch = store.write_batch(frame, {"reference": {"clv": [1.5, 20.0]}, "churn_model_version": "3"})

    assert batch.rows == len(frame) and batch.as_of == pd.Timestamp("2025-01-01", tz="UTC")
    assert batch.metadata == {"reference": {"clv": [1.5, 20.0]}, "churn_model_version": "3"}
    assert batch.created_at <= batch.completed_at and batch.completed_at.tz is not None
    assert_frame_equal(store.scores(), as_read(frame))
    assert store.scores().dtypes["as_of"] == "datetime64[ns, UTC]"

    served, row = store.customer_scores("Zoë 'o\"; --")
    assert served == batch
    assert list(row) == list(SCORE_COLUMNS) and json.loads(json.dumps(row)) == row
    assert row["as_of"] == "2025-01-01T00:00:00+00:00"
    assert row["churn_probability"] == frame.loc[0, "churn_probability"] and row["reason_1"] == "reason_1 0"
    _, missing = store.customer_scores(frame.loc[1, "customer_id"])
    assert all(missing[name] is None for name in SCORE_COLUMNS if name not in ("customer_id", "as_of", "segments"))
    assert missing["segments"] == ""
    assert store.customer_scores("nobody") == (batch, None)


def test_readers_see_the_latest_complete_batch(store):
    first = store.write_batch(score_frame(as_of="2025-01-01"), {"n": 1})
    second = store.write_batch(score_frame(as_of="2025-02-01", shift=1.0), {"n": 2})

    assert store.latest_batch() == second
    assert store.batches() == [second, first]
    assert store.customer_scores("C001")[1]["churn_probability"] > 1
    assert store.customer_scores("C001", batch_id=first.batch_id)[1]["churn_probability"] < 1
    assert_frame_equal(store.scores(first.batch_id), as_read(score_frame(as_of="2025-01-01")))
    assert first.batch_id != second.batch_id


def test_a_failed_write_leaves_the_previous_batch_and_no_rows(store, monkeypatch):
    previous = store.write_batch(score_frame(), {})
    insert = ScoreStore._insert_chunk
    calls = []

    def fail_on_second_chunk(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return insert(self, *args)

    monkeypatch.setattr(store_module, "CHUNK_ROWS", 2)
    monkeypatch.setattr(ScoreStore, "_insert_chunk", fail_on_second_chunk)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.write_batch(score_frame(shift=1.0), {})

    assert store.latest_batch() == previous and store.batches() == [previous]
    assert count(store, "scores") == previous.rows and count(store, "batches") == 1



def test_a_batch_in_parts_reads_back_as_one_frame_and_counts_every_part(store):
    frame = score_frame(customers=7)
    parts = store.write_batch(iter([frame.iloc[:3], frame.iloc[:0], frame.iloc[3:]]), {"n": 1})
    whole = store.write_batch(frame, {"n": 2})

    assert parts.rows == whole.rows == 7
    assert_frame_equal(store.scores(parts.batch_id), store.scores(whole.batch_id))
    assert store.segment_counts(parts.batch_id) == store.segment_counts(whole.batch_id)


def test_a_batch_whose_parts_fail_midway_leaves_the_previous_batch_served(store):
    previous = store.write_batch(score_frame(), {})
    frame = score_frame(customers=6, shift=1.0)

    def parts():
        yield frame.iloc[:3]
        raise RuntimeError("worker lost")

    with pytest.raises(RuntimeError, match="worker lost"):
        store.write_batch(parts(), {})
    assert store.latest_batch() == previous and store.batches() == [previous]
    assert count(store, "scores") == previous.rows and store.incomplete_batches() == []


@pytest.mark.parametrize("change, named", [
    (lambda part: part.assign(as_of=pd.Timestamp("2025-02-01", tz="UTC").as_unit("ns")), "same as_of"),
    (lambda part: part.drop(columns="clv"), "same columns"),
    (lambda part: part.assign(clv="high"), "holds text values in a part"),
])
def test_a_part_unlike_the_first_is_refused_and_the_batch_never_shows(store, change, named):
    frame = score_frame(customers=6)
    with pytest.raises(DataError, match=named):
        store.write_batch(iter([frame.iloc[:3], change(frame.iloc[3:])]), {})
    assert store.batches() == [] and count(store, "scores") == 0


WRITER = """
import pickle, sys, time
from serving import store
store.CHUNK_ROWS = 2
insert, calls = store.ScoreStore._insert_chunk, []
def insert_then_hang(self, *args):
    members = insert(self, *args)
    calls.append(1)
    if len(calls) == 2:  # the first chunk is committed, the second is in an open transaction
        print("writing", flush=True)
        time.sleep(60)
    return members
store.ScoreStore._insert_chunk = insert_then_hang
with open(sys.argv[2], "rb") as file:
    store.ScoreStore(sys.argv[1]).write_batch(pickle.load(file), {})
"""


def test_a_killed_writer_leaves_the_previous_batch_and_the_next_write_cleans_up(store, url, tmp_path):
    previous = store.write_batch(score_frame(), {})
    frame_file = tmp_path / "frame.pickle"
    frame_file.write_bytes(pickle.dumps(score_frame(customers=8, shift=1.0)))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url, str(frame_file)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(10)

    assert store.latest_batch() == previous
    assert store.customer_scores("C001")[1]["churn_probability"] < 1
    assert count(store, "batches") == 2 and count(store, "scores") == previous.rows + 2  # the dead batch's chunk
    assert len(store.incomplete_batches()) == 1

    latest = store.write_batch(score_frame(as_of="2025-02-01"), {})
    assert store.batches() == [latest, previous] and store.incomplete_batches() == []
    assert count(store, "scores") == previous.rows + latest.rows
    assert count(store, "segment_members") == 2 * count(store, "segment_members", previous.batch_id)


def test_reads_go_on_while_a_batch_is_written(store, url, monkeypatch):
    previous = store.write_batch(score_frame(), {})
    inside, resume = threading.Event(), threading.Event()
    insert = ScoreStore._insert_chunk

    def insert_then_wait(self, *args):
        members = insert(self, *args)
        if not inside.is_set():  # hold the write transaction open while the reader reads
            inside.set()
            resume.wait(10)
        return members

    monkeypatch.setattr(store_module, "CHUNK_ROWS", 2)
    monkeypatch.setattr(ScoreStore, "_insert_chunk", insert_then_wait)
    result = {}
    writer = threading.Thread(target=lambda: result.update(batch=ScoreStore(url).write_batch(
        score_frame(shift=1.0), {})))
    writer.start()
    try:
        assert inside.wait(10)
        reader = ScoreStore(url)
        start = time.perf_counter()
        assert reader.latest_batch() == previous
        assert reader.customer_scores("C001")[1]["churn_probability"] < 1
        assert reader.segment_counts() == store.segment_counts(previous.batch_id)
        assert time.perf_counter() - start < 1  # not waiting for the writer's lock
    finally:
        resume.set()
        writer.join(10)
    assert reader.latest_batch() == result["batch"]
    assert reader.customer_scores("C001")[1]["churn_probability"] > 1


def test_look_ups_during_publishing_never_see_a_half_written_batch_nor_miss_a_customer(store, url, monkeypatch):
    """Batches n = 0, 1, ... (churn_probability in [n, n + 1)) are published, each pruning the one before
    (keep=1), while readers look customers up: every look-up finds its customer in a complete batch."""
    batch_row = ScoreStore._batch_row

    def slow_batch_row(self, *args):  # a reader takes its time between reading the batch and its rows
        row = batch_row(self, *args)
        time.sleep(0.002)
        return row

    monkeypatch.setattr(ScoreStore, "_batch_row", slow_batch_row)
    monkeypatch.setattr(store_module, "CHUNK_ROWS", 20)
    frame = score_frame(customers=200).drop(index=1)  # row 1 has no scores
    ids = frame["customer_id"].tolist()
    store.write_batch(frame, {"n": 0})
    published, problems, seen = threading.Event(), [], []

    def publish() -> None:
        for n in range(1, 13):
            store.write_batch(frame.assign(churn_probability=frame["churn_probability"] + n), {"n": n}, keep=1)
        published.set()

    def look_up(number: int) -> None:
        reader, rng, last = ScoreStore(url), np.random.default_rng(number), 0
        while not published.is_set():
            batch, row = reader.customer_scores(ids[rng.integers(len(ids))])
            n = batch.metadata["n"]
            if row is None or int(row["churn_probability"]) != n or n < last:
                problems.append((batch.batch_id, n, last, row and row["churn_probability"]))
            whole = reader.scores()["churn_probability"].astype(int)  # the whole latest batch, one n only
            if len(whole) != len(ids) or whole.nunique() != 1:
                problems.append(("half-written", len(whole), sorted(set(whole))))
            seen.append(n)
            last = n

    readers = [threading.Thread(target=look_up, args=(i,)) for i in range(2)]
    for thread in readers:
        thread.start()
    publish()
    for thread in readers:
        thread.join(60)
    assert not problems, problems[:5]
    assert len(set(seen)) > 3  # the readers read across several publications
    assert len(store.batches()) == 1


def test_sqlite_connections_use_wal_and_wait_for_locks(tmp_path):
    store = ScoreStore(f"sqlite:///{tmp_path / 'scores.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == store_module.SQLITE_BUSY_TIMEOUT_MS


def test_segment_members_and_counts(store):
    frame = score_frame(customers=11)
    store.write_batch(frame, {})

    counts = store.segment_counts()
    assert counts == {"at_risk": 2, "champions": 3, "lost": 4, "save_now": 7}
    assert all(len(store.segment_members(name)) == members for name, members in counts.items())
    members = frame[frame["segments"].str.split(";").map(lambda names: "save_now" in names)]
    expected = as_read(members)
    assert_frame_equal(store.segment_members("save_now"), expected)
    pages = [store.segment_members("save_now", limit=4, offset=offset) for offset in (0, 4, 8)]
    assert [len(page) for page in pages] == [4, 3, 0]
    assert_frame_equal(pd.concat(pages[:2], ignore_index=True), expected)
    assert list(pages[2].columns) == list(SCORE_COLUMNS) and pages[2].dtypes.equals(expected.dtypes)
    assert store.segment_members("nobody_is_here").empty
    with pytest.raises(ValueError, match="negative"):
        store.segment_members("save_now", offset=-1)


def test_publishing_a_batch_prunes_all_but_the_newest_in_the_same_transaction(store, monkeypatch):
    batches = [store.write_batch(score_frame(), {"n": n}) for n in range(3)]
    newest = store.write_batch(score_frame(), {"n": 3}, keep=2)

    assert store.batches() == [newest, batches[2]]
    assert count(store, "scores") == 2 * len(score_frame()) and count(store, "batches") == 2
    assert count(store, "segment_members", batches[0].batch_id) == 0
    assert store.write_batch(score_frame(), {}, keep=5) == store.latest_batch() and len(store.batches()) == 3

    delete, deleted = store_module._delete, []

    def delete_then_fail(conn, batch_ids):  # the prune deletes, then the publishing transaction fails
        delete(conn, batch_ids)
        if batch_ids and not deleted:
            deleted.append(batch_ids)
            raise RuntimeError("power cut")

    kept = store.batches()
    monkeypatch.setattr(store_module, "_delete", delete_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        store.write_batch(score_frame(), {}, keep=1)
    assert deleted and store.batches() == kept  # neither published nor pruned
    with pytest.raises(ValueError, match="keep must be at least 1"):
        store.write_batch(score_frame(), {}, keep=0)


def test_store_status_lists_the_batches_and_marks_the_served_one(store, url):
    empty = CliRunner().invoke(app, ["store", "status", "--store", url])
    assert empty.exit_code == 0 and "0 complete batch(es)" in empty.output and "nothing is served" in empty.output
    older = store.write_batch(score_frame(), {"churn_model_version": "3", "clv_model_version": "2"})
    newer = store.write_batch(score_frame(customers=8), {"churn_model_version": "4", "clv_model_version": "2"})

    status = CliRunner().invoke(app, ["store", "status", "--store", url])
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert "2 complete batch(es), the newest 10 kept" in lines[0] and " MB" in lines[0]
    assert lines[2].startswith(f"* {newer.batch_id}") and lines[2].split()[-3:] == ["8", "v4", "v2"]
    assert lines[3].startswith(f"  {older.batch_id}") and lines[3].split()[-3:] == ["5", "v3", "v2"]
    assert store.size_bytes() > 0


def test_a_segment_export_escapes_formulas_for_spreadsheets(store, url, tmp_path):
    frame = score_frame().assign(reason_1="=cmd|' /C calc'!A0", churn_probability=-0.5)
    store.write_batch(frame, {"segments": {"save_now": "high value at high risk"}})
    out = tmp_path / "save_now.csv"
    result = CliRunner().invoke(app, ["segments", "export", "save_now", "--out", str(out), "--store", url])
    assert result.exit_code == 0, result.output
    exported = pd.read_csv(out)
    assert (exported["reason_1"] == "'=cmd|' /C calc'!A0").all() and (exported["churn_probability"] == -0.5).all()


def test_a_new_column_is_added_and_a_change_of_kind_refused(store):
    first = store.write_batch(score_frame(), {})
    wider = score_frame().assign(reason_4="one more reason")
    second = store.write_batch(wider, {})

    assert_frame_equal(store.scores(second.batch_id), as_read(wider))
    assert_frame_equal(store.scores(first.batch_id), as_read(score_frame()))
    assert "reason_4" not in store.customer_scores("C001", first.batch_id)[1]

    store.write_batch(score_frame().assign(reason_4=np.nan), {})  # all missing: kept as the store's text
    assert store.scores()["reason_4"].isna().all()
    with pytest.raises(StoreError, match="'churn_risk' holds float values .* keeps it as text"):
        store.write_batch(score_frame().assign(churn_risk=0.5), {})
    assert store.batches()[1] == second


@pytest.mark.parametrize("change, message", [
    (lambda frame: frame.drop(columns="segments"), "needs the columns"),
    (lambda frame: frame.iloc[:0], "empty"),
    (lambda frame: frame.assign(customer_id="same"), "unique"),
    (lambda frame: frame.assign(as_of=pd.date_range("2025-01-01", periods=len(frame), tz="UTC")), "same as_of"),
    (lambda frame: frame.assign(flag=True), "'flag'"),
])
def test_frames_that_cannot_be_a_batch_are_refused(store, change, message):
    with pytest.raises(ValueError, match=message):
        store.write_batch(change(score_frame()), {})
    assert count(store, "batches") == 0


def test_errors_name_the_store(store, url, tmp_path):
    for call in (lambda: store.customer_scores("C001"), store.scores, store.segment_counts):
        with pytest.raises(StoreError, match=re.escape(f"no complete batch in the score store at {url}")):
            call()
    assert store.latest_batch() is None and store.batches() == []
    store.write_batch(score_frame(), {})
    with pytest.raises(StoreError, match=re.escape(f"no complete batch 'nope' in the score store at {url}")):
        store.customer_scores("C001", batch_id="nope")

    unreachable = f"sqlite:///{tmp_path / 'missing' / 'scores.db'}"
    with pytest.raises(StoreError, match=re.escape(f"score store at {unreachable}: unable to open")):
        ScoreStore(unreachable)
    for bad, shown in [("nosuchdb://somewhere", "nosuchdb://somewhere"),
                       ("postgresql://reader:secret@127.0.0.1:1/scores", "postgresql://reader:***@127.0.0.1:1/scores")]:
        with pytest.raises(StoreError, match=re.escape(f"score store at {shown}: ")) as raised:
            ScoreStore(bad)
        assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no SQLAlchemy traceback


@pytest.mark.parametrize("model, noted", [("AdditiveChurnModel", True), ("ChurnModel", False)])
def test_segment_lists_say_when_churn_risk_comes_from_the_small_data_fallback(tmp_path, model, noted):
    from typer.testing import CliRunner

    from cxmodels.cli import app

    url = f"sqlite:///{tmp_path / 'scores.db'}"
    ScoreStore(url).write_batch(score_frame(), metadata={"churn_model": model, "segments": {"save_now": "High value"}})
    result = CliRunner().invoke(app, ["segments", "list", "--store", url])
    assert result.exit_code == 0 and "save_now" in result.stdout
    assert ("small-data fallback" in result.stderr) is noted


DRIVERS = pd.DataFrame({"driver": ["repeat_contacts", "transfers"], "customers_affected": [120, 80],
                        "expected_churners": [12.5, 6.0], "revenue_at_risk": [5000.25, 2400.0],
                        "revenue_at_risk_low": [4000.0, 1800.0], "revenue_at_risk_high": [6100.0, 3000.0],
                        "features_moved": ["most_contacts_on_one_case_90d", "transfers_90d"]})


def test_a_batch_keeps_its_tables_and_loses_them_when_pruned(store):
    kpis = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"], utc=True), "kpi": "nps",
                         "value": [12.5, np.nan], "n": [40, 0]})
    links = pd.DataFrame({"experience": ["nps"], "band": ["detractor"], "churn_rate": [0.31]})
    links.attrs = {"as_of": "2024-10-01", "horizon_days": 90}
    first = store.write_batch(score_frame(), {}, tables={"kpis": kpis, "links": links})
    tables = store.batch_tables()
    assert sorted(tables) == ["kpis", "links"] and tables["links"].attrs == links.attrs
    assert_frame_equal(tables["kpis"], kpis, check_dtype=False)
    assert_frame_equal(tables["links"], links, check_dtype=False)
    second = store.write_batch(score_frame(), {}, keep=1)
    assert store.batch_tables() == {} and count(store, "stored_tables") == 0
    with pytest.raises(StoreError, match=f"no complete batch '{first.batch_id}'"):
        store.batch_tables(first.batch_id)
    assert second == store.latest_batch()


def test_the_latest_driver_table_replaces_the_previous_one(store):
    assert store.latest_drivers() is None
    store.write_drivers(DRIVERS.iloc[::-1], {"as_of": "2025-01-01", "churn_model_version": "3"})
    store.write_drivers(DRIVERS, {"as_of": pd.Timestamp("2025-02-01", tz="UTC"), "churn_model_version": "4"})
    latest = store.latest_drivers()
    assert latest.metadata == {"as_of": "2025-02-01T00:00:00+00:00", "churn_model_version": "4"}
    assert_frame_equal(latest.frame, DRIVERS, check_dtype=False) and count(store, "stored_tables") == 1
    store.write_batch(score_frame(), {}, keep=1)  # batches come and go; the driver table stays
    assert store.latest_drivers().metadata == latest.metadata


@pytest.mark.parametrize("frame, metadata, words", [
    (DRIVERS.drop(columns="revenue_at_risk_low"), {"as_of": "2025-01-01"}, "missing: ['revenue_at_risk_low']"),
    (DRIVERS.iloc[:0], {"as_of": "2025-01-01"}, "the driver table is empty"),
    (DRIVERS, {}, "needs its as_of"),
])
def test_a_driver_table_that_cannot_be_kept_is_refused(store, frame, metadata, words):
    with pytest.raises(DataError, match=re.escape(words)):
        store.write_drivers(frame, metadata)
    assert store.latest_drivers() is None
