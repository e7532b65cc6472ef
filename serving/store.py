"""The score store: batches of scores in a database (SQLAlchemy Core; SQLite by default, in WAL mode).

A batch is visible once complete. Its row in `batches` goes in first with `completed_at` NULL, then its scores
and segment memberships in chunks (one transaction each), and `completed_at` is set last. Readers only see
complete batches, so a batch that dies midway leaves the previous one served. The next write deletes what
the dead batch left behind. A batch can come in parts (an iterable of frames, e.g. one per partition of
a cluster), read one at a time, so the writer never holds the whole batch; it too is visible once complete.
Batches beyond the newest `keep` are deleted in the transaction that publishes a new one. Every read is one transaction, so it sees the store as it was at one moment (SQLite: one WAL
snapshot; PostgreSQL: REPEATABLE READ).

Score columns: `scores` holds batch_id, customer_id and a column for every score column ever written: FLOAT
for numbers, TEXT for text. A frame with a new column (say a fourth reason) adds that column. A column that
changes kind is refused, unless all its values are missing. Each batch records its own columns, so it reads
back as written. as_of is stored once per batch, in `batches`.

Tables: small frames kept whole as JSON (pandas' table orient, which keeps the dtypes) in `stored_tables`.
A batch's own (the monthly KPIs and the churn-by-experience links of the data it scored) are inserted in the
transaction that publishes it and deleted with it. The driver table stands on its own: `write_drivers`
replaces the previous one in one transaction. The tables are created in a store made before them on opening.
"""

import io
import itertools
import json
import secrets
from contextlib import contextmanager, suppress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from pandas.api.types import is_bool_dtype, is_float_dtype, is_numeric_dtype, is_object_dtype, is_string_dtype
from tqdm import tqdm

from cxmodels.drivers import DRIVER_COLUMNS
from cxmodels.errors import ConfigError, CxmodelsError, DataError

DEFAULT_STORE_URL = "sqlite:///scores.db"
CHUNK_ROWS = 50_000
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITING = "cxmodels_writing"  # execution option of the connections that write
KINDS = {"float": sa.Float, "text": sa.Text}  # the SQL type of each kind of score column
DTYPES = {"as_of": "datetime64[ns, UTC]", "float": "float64", "text": "str"}  # and its dtype when read back

SCHEMA = sa.MetaData()
BATCHES = sa.Table(
    "batches", SCHEMA,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("completed_at", sa.DateTime),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("columns", sa.Text, nullable=False),  # JSON [[name, kind], ...] in the frame's order
    sa.Column("segment_counts", sa.Text),  # JSON {segment: members}, set with completed_at
    sa.Column("metadata", sa.Text, nullable=False),  # JSON
)
SCORES = sa.Table(
    "scores", SCHEMA,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("customer_id", sa.Text, primary_key=True),
)
MEMBERS = sa.Table(
    "segment_members", SCHEMA,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("segment", sa.Text, primary_key=True),
    sa.Column("customer_id", sa.Text, primary_key=True),
    sqlite_with_rowid=False,
)
TABLES = sa.Table(
    "stored_tables", SCHEMA,
    sa.Column("table_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("batch_id", sa.String(64), index=True),  # the batch it belongs to; NULL: its own (the driver table)
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("metadata", sa.Text, nullable=False),  # JSON
    sa.Column("frame", sa.Text, nullable=False),  # JSON, pandas' orient="table"
)
DRIVERS = "drivers"
NEWEST = (BATCHES.c.completed_at.desc(), BATCHES.c.batch_id.desc())


class StoreError(CxmodelsError, RuntimeError):
    """The store cannot answer: no such batch, or the database cannot be reached."""


@dataclass(frozen=True, eq=False)
class StoredTable:
    """A table of the store: its name, the frame, its metadata and when it was written (UTC)."""

    name: str
    frame: pd.DataFrame
    metadata: dict
    created_at: pd.Timestamp


@dataclass(frozen=True)
class Batch:
    """A complete batch: its id, cut-off, when it was started and completed (UTC), its row count and metadata."""

    batch_id: str
    as_of: pd.Timestamp
    created_at: pd.Timestamp
    completed_at: pd.Timestamp
    rows: int
    metadata: dict


class ScoreStore:
    """Batches of score frames in the database at `url` (any SQLAlchemy URL); creates the tables if needed."""

    def __init__(self, url: str = DEFAULT_STORE_URL):
        self.url = url
        try:
            self.url = sa.make_url(url).render_as_string(hide_password=True)
            self.engine = sa.create_engine(url)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot open the score store at {self.url}: {exc}") from None
        self._reader = self.engine
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        elif self.engine.dialect.name == "postgresql":
            self._reader = self.engine.execution_options(isolation_level="REPEATABLE READ")
        with self._connection() as conn:  # no write lock unless a table is missing: readers open stores too
            SCHEMA.create_all(conn)

    def write_batch(self, scores: pd.DataFrame | Iterable[pd.DataFrame], metadata: dict, progress: bool = False,
                    keep: int | None = None, tables: dict[str, pd.DataFrame] | None = None) -> Batch:
        """Store `scores` (a score frame, one as_of; or an iterable of score frames with the same columns and
        as_of, each customer in one, read one at a time) as a new batch, visible once complete; memberships come
        from its `segments` column (";"-joined names), and `tables` ({name: frame}) are its own tables
        (`batch_tables`). Leftovers of batches that died midway are deleted first.
        With `keep`, the complete batches beyond the newest `keep` are deleted in the transaction that
        publishes this one: readers see the new batch and the pruned store at the same moment."""
        if keep is not None and keep < 1:
            raise ConfigError(f"keep must be at least 1 (the new batch), got {keep}")
        frames = iter([scores] if isinstance(scores, pd.DataFrame) else scores)
        first = next((frame for frame in frames if not frame.empty), None)
        as_of = _as_of(scores if first is None and isinstance(scores, pd.DataFrame) else first)
        document = json.dumps(metadata, default=_jsonable)
        batch_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
        with self._connection(write=True) as conn:
            incomplete = conn.execute(sa.select(BATCHES.c.batch_id).where(BATCHES.c.completed_at.is_(None)))
            _delete(conn, incomplete.scalars().all())
            columns = self._columns(conn, first)
            conn.execute(BATCHES.insert().values(
                batch_id=batch_id, as_of=as_of.tz_localize(None).to_pydatetime(), created_at=_now(),
                rows=len(first), columns=json.dumps(columns), metadata=document))
        names = _stored(columns)
        counts, rows = pd.Series(dtype="int64"), 0
        try:
            total = len(scores) if isinstance(scores, pd.DataFrame) else None
            with tqdm(total=total, unit="rows", desc="score store", disable=not progress) as bar:
                for frame in itertools.chain([first], frames):
                    if frame is not first:
                        _check_part(frame, columns, as_of)
                    order = frame["customer_id"].astype(str).argsort().to_numpy()  # index pages fill in key order
                    for start in range(0, len(frame), CHUNK_ROWS):
                        chunk = frame.iloc[order[start:start + CHUNK_ROWS]]
                        with self._connection(write=True) as conn:
                            members = self._insert_chunk(conn, batch_id, chunk, names)
                        counts = counts.add(members.value_counts(), fill_value=0)
                        bar.update(len(chunk))
                    rows += len(frame)
            counts = {name: int(counts[name]) for name in sorted(counts.index)}
            with self._connection(write=True) as conn:
                done = conn.execute(BATCHES.update().values(completed_at=_now(), rows=rows,
                                                            segment_counts=json.dumps(counts))
                                    .where(BATCHES.c.batch_id == batch_id, BATCHES.c.completed_at.is_(None))).rowcount
                if done != 1:
                    raise StoreError(f"batch {batch_id} was deleted from the score store at {self.url} while being "
                                     "written (by another writer?)")
                for name, frame in (tables or {}).items():
                    _insert_table(conn, name, frame, frame.attrs, batch_id)
                if keep is not None:
                    old = conn.execute(sa.select(BATCHES.c.batch_id).where(BATCHES.c.completed_at.is_not(None))
                                       .order_by(*NEWEST).offset(keep)).scalars().all()
                    _delete(conn, [old_id for old_id in old if old_id != batch_id])
        except BaseException:
            with suppress(StoreError), self._connection(write=True) as conn:
                _delete(conn, [batch_id])
            raise
        return self.batch(batch_id)

    def batch_tables(self, batch_id: str | None = None) -> dict[str, pd.DataFrame]:
        """The tables written with a batch (default the latest), by name, their `attrs` as written."""
        with self._connection() as conn:
            batch = self._batch_row(conn, batch_id)
            rows = conn.execute(sa.select(TABLES).where(TABLES.c.batch_id == batch.batch_id).order_by(TABLES.c.name))
            return {row.name: _read_frame(row.frame, row.metadata) for row in rows}

    def write_drivers(self, drivers: pd.DataFrame, metadata: dict) -> StoredTable:
        """Keep `drivers` (a driver table: DRIVER_COLUMNS, maybe more) as the latest driver table, in place of
        the previous one in one transaction; `metadata` needs its `as_of` and should name the model versions
        (churn_model_version, clv_model_version)."""
        missing = [name for name in DRIVER_COLUMNS if name not in drivers.columns]
        if missing:
            raise DataError(f"a driver table needs the columns {DRIVER_COLUMNS}; missing: {missing}")
        if drivers.empty:
            raise DataError("the driver table is empty: it needs one row per driver")
        if "as_of" not in metadata:
            raise DataError("the driver table's metadata needs its as_of (the cut-off it was computed at)")
        metadata = {**metadata, "as_of": pd.Timestamp(metadata["as_of"]).isoformat()}
        with self._connection(write=True) as conn:
            conn.execute(TABLES.delete().where(TABLES.c.name == DRIVERS, TABLES.c.batch_id.is_(None)))
            _insert_table(conn, DRIVERS, drivers, metadata)
        return self.latest_drivers()

    def latest_drivers(self) -> StoredTable | None:
        """The latest driver table, None when none was written."""
        with self._connection() as conn:
            row = conn.execute(sa.select(TABLES).where(TABLES.c.name == DRIVERS, TABLES.c.batch_id.is_(None))
                               .order_by(TABLES.c.created_at.desc()).limit(1)).first()
        if row is None:
            return None
        frame = _read_frame(row.frame, row.metadata)
        return StoredTable(row.name, frame, frame.attrs, pd.Timestamp(row.created_at, tz="UTC"))

    def latest_batch(self) -> Batch | None:
        """The newest complete batch (the last one completed), None when there is none."""
        with self._connection() as conn:
            row = conn.execute(_complete().order_by(*NEWEST).limit(1)).first()
        return _to_batch(row) if row else None

    def batches(self) -> list[Batch]:
        """The complete batches, newest first."""
        with self._connection() as conn:
            return [_to_batch(row) for row in conn.execute(_complete().order_by(*NEWEST))]

    def incomplete_batches(self) -> list[tuple[str, pd.Timestamp]]:
        """(batch_id, created_at) of the batches being written, or left by a run that died (the next write
        deletes those), oldest first."""
        with self._connection() as conn:
            rows = conn.execute(sa.select(BATCHES.c.batch_id, BATCHES.c.created_at)
                                .where(BATCHES.c.completed_at.is_(None)).order_by(BATCHES.c.created_at))
            return [(batch_id, pd.Timestamp(created_at, tz="UTC")) for batch_id, created_at in rows]

    def size_bytes(self) -> int | None:
        """The space the store takes: the SQLite file with its WAL, or the PostgreSQL tables with their
        indexes; None for another database."""
        database = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and database and database != ":memory:":
            return sum(path.stat().st_size for path in (Path(database), Path(f"{database}-wal")) if path.exists())
        if self.engine.dialect.name == "postgresql":
            with self._connection() as conn:
                return int(conn.execute(sa.text("SELECT sum(pg_total_relation_size(CAST(name AS regclass))) FROM "
                                                "unnest(CAST(:names AS text[])) AS name"),
                                        {"names": [table.name for table in SCHEMA.sorted_tables]}).scalar())
        return None

    def customer_scores(self, customer_id: str, batch_id: str | None = None) -> tuple[Batch, dict | None]:
        """A batch (default the latest) and one customer's row in it as JSON-able values, as_of in ISO 8601
        (None when the customer is not in the batch), both read at the same moment."""
        with self._connection() as conn:
            batch = self._batch_row(conn, batch_id)
            columns = json.loads(batch.columns)
            table = _scores_table(_stored(columns))
            row = conn.execute(sa.select(*table.c).where(
                table.c.batch_id == batch.batch_id, table.c.customer_id == str(customer_id))).first()
        if row is None:
            return _to_batch(batch), None
        values = row._mapping
        as_of = pd.Timestamp(batch.as_of, tz="UTC").isoformat()
        return _to_batch(batch), {name: as_of if kind == "as_of" else values[name] for name, kind in columns}

    def scores(self, batch_id: str | None = None) -> pd.DataFrame:
        """The whole batch (default the latest) as a score frame, in customer_id order."""
        with self._connection() as conn:
            batch = self._batch_row(conn, batch_id)
            table = _scores_table(_stored(json.loads(batch.columns)))
            result = conn.execution_options(yield_per=CHUNK_ROWS).execute(
                sa.select(*table.c).where(table.c.batch_id == batch.batch_id).order_by(table.c.customer_id))
            parts = [_frame(rows, batch) for rows in result.partitions()]  # Python rows for a chunk at a time
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def segment_counts(self, batch_id: str | None = None) -> dict[str, int]:
        """Members per segment in a batch (default the latest), by segment name; empty segments are absent."""
        with self._connection() as conn:
            return json.loads(self._batch_row(conn, batch_id).segment_counts)

    def segment_members(self, name: str, batch_id: str | None = None, limit: int | None = None,
                        offset: int = 0) -> pd.DataFrame:
        """The score rows of the members of segment `name` in a batch (default the latest), in customer_id
        order, `limit` rows from `offset`; empty for a segment without members (or unknown to the batch)."""
        if offset < 0 or (limit is not None and limit < 0):
            raise ConfigError(f"limit and offset must not be negative, got limit={limit}, offset={offset}")
        with self._connection() as conn:
            batch = self._batch_row(conn, batch_id)
            table = _scores_table(_stored(json.loads(batch.columns)))
            joined = MEMBERS.join(table, (table.c.batch_id == MEMBERS.c.batch_id)
                                  & (table.c.customer_id == MEMBERS.c.customer_id))
            rows = conn.execute(
                sa.select(*table.c).select_from(joined)
                .where(MEMBERS.c.batch_id == batch.batch_id, MEMBERS.c.segment == name)
                .order_by(MEMBERS.c.customer_id).limit(limit).offset(offset)).all()
        return _frame(rows, batch)

    @contextmanager
    def _connection(self, write: bool = False):
        """A connection in one transaction, committed at the end. Without `write` it sees one snapshot of the
        store throughout (a batch and its rows as they were at one moment); with it, it takes SQLite's write
        lock at once. Database errors become StoreError."""
        try:
            with (self.engine if write else self._reader).connect() as conn:
                conn.execution_options(**{WRITING: write})
                with conn.begin():
                    yield conn
        except sa.exc.SQLAlchemyError as exc:
            cause = str(getattr(exc, "orig", None) or exc)
            raise StoreError(f"score store at {self.url}: {cause}{self._hint(cause)}") from None

    def _hint(self, cause: str) -> str:
        """What to do about a SQLite file that cannot be used, naming it; empty for anything else."""
        database = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not database:
            return ""
        if "malformed" in cause or "not a database" in cause:
            return (f" (the file {Path(database).resolve()} is damaged or not a score store: restore it from a backup, "
                    "or move it away and run `cxmodels score` to start a new store)")
        if "unable to open" in cause:
            return f" (cannot open {Path(database).resolve()}: check that its folder exists and that it is writable)"
        return ""

    def batch(self, batch_id: str | None = None) -> Batch:
        """Complete batch `batch_id`, or the latest when None; StoreError when there is none."""
        with self._connection() as conn:
            return _to_batch(self._batch_row(conn, batch_id))

    def _batch_row(self, conn, batch_id: str | None):
        """The row of complete batch `batch_id`, or of the latest when None; StoreError when there is none."""
        query = _complete()
        query = query.order_by(*NEWEST).limit(1) if batch_id is None else query.where(BATCHES.c.batch_id == batch_id)
        row = conn.execute(query).first()
        if row is None:
            raise StoreError(f"no complete batch in the score store at {self.url}: run `cxmodels score` first"
                             if batch_id is None
                             else f"no complete batch {batch_id!r} in the score store at {self.url}")
        return row

    def _columns(self, conn, scores: pd.DataFrame) -> list[list[str]]:
        """[name, kind] of each column of `scores`; adds the columns `scores` lacks, refuses a change of kind."""
        stored = {column["name"]: "float" if isinstance(column["type"], sa.Float) else "text"
                  for column in sa.inspect(conn).get_columns("scores")}
        columns = []
        for name, kind in _kinds(scores):
            if name in stored and kind not in ("as_of", stored[name]):
                if scores[name].notna().any():
                    raise StoreError(f"column {name!r} holds {kind} values but the score store at {self.url} "
                                     f"keeps it as {stored[name]}; use a new store (or rename the column)")
                kind = stored[name]
            elif name not in stored and kind != "as_of":
                prepare = conn.dialect.identifier_preparer
                conn.exec_driver_sql(f"ALTER TABLE {prepare.format_table(SCORES)} ADD COLUMN "
                                     f"{prepare.quote(name)} {KINDS[kind]().compile(dialect=conn.dialect)}")
            columns.append([name, kind])
        return columns

    def _insert_chunk(self, conn, batch_id: str, chunk: pd.DataFrame, names: list[str]) -> pd.Series:
        """Insert the scores and segment memberships of `chunk` (rows of one batch); returns the segment of
        each membership."""
        ids = chunk["customer_id"].astype(str).to_numpy(dtype=object)
        batch = np.full(len(chunk), batch_id, dtype=object)
        _executemany(conn, _scores_table(names),
                     [batch, *(ids if name == "customer_id" else _values(chunk[name]) for name in names)])
        segments = chunk["segments"].reset_index(drop=True).fillna("").astype(str).str.split(";").explode()
        segments = segments[segments != ""]
        if len(segments):
            _executemany(conn, MEMBERS, [np.full(len(segments), batch_id, dtype=object),
                                         segments.to_numpy(dtype=object), ids[segments.index.to_numpy()]])
        return segments


def _sqlite_pragmas(connection, _record) -> None:
    """Each SQLite connection waits for locks instead of failing; WAL lets readers read while a batch is written.
    The driver's own transaction handling is off: `_sqlite_begin` starts every transaction."""
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    """A read is one transaction (one snapshot of the WAL); a write takes the write lock at its start, so it
    waits for another writer (busy_timeout) rather than failing when it first writes."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITING) else "BEGIN")


def _as_of(scores: pd.DataFrame | None) -> pd.Timestamp:
    """The one as_of of a score frame, in UTC (naive means UTC); DataError when the frame cannot be a batch (None:
    parts all empty)."""
    if scores is None:
        raise DataError("the score frames are all empty: a batch needs at least one customer")
    missing = sorted({"customer_id", "as_of", "segments"} - set(scores.columns))
    if missing:
        raise DataError(f"a score frame needs the columns {missing}")
    if "batch_id" in scores.columns:
        raise DataError("a score frame cannot have a column 'batch_id' (the store's own)")
    if scores.empty:
        raise DataError("the score frame is empty: a batch needs at least one customer")
    ids = scores["customer_id"]
    if ids.isna().any() or ids.astype(str).duplicated().any():
        raise DataError("customer_id must be present and unique in a score frame")
    as_of = pd.to_datetime(scores["as_of"], utc=True).unique()
    if len(as_of) != 1 or pd.isna(as_of[0]):
        raise DataError(f"all rows of a batch need the same as_of, found {list(as_of[:3])}")
    return pd.Timestamp(as_of[0])


def _check_part(frame: pd.DataFrame, columns: list[list[str]], as_of: pd.Timestamp) -> None:
    """A later frame of a batch written in parts: the columns (`columns`, [name, kind]) and as_of of the first;
    DataError naming the difference. A column all missing may have any dtype."""
    if frame.empty:
        return
    names = [name for name, _ in columns]
    if list(frame.columns) != names:
        raise DataError(f"the parts of a batch need the same columns; a part has {list(frame.columns)}, "
                        f"the first {names}")
    if _as_of(frame) != as_of:
        raise DataError(f"all rows of a batch need the same as_of: a part has {_as_of(frame)}, the first {as_of}")
    kinds = dict(columns)
    for name, kind in _kinds(frame):
        if kind != kinds[name] and kinds[name] != "as_of" and frame[name].notna().any():
            raise DataError(f"column {name!r} holds {kind} values in a part of the batch, {kinds[name]} in the first")


def _kinds(scores: pd.DataFrame):
    """(name, "as_of" | "float" | "text") per column; ValueError for a dtype the store cannot keep."""
    for name, dtype in scores.dtypes.items():
        text = is_string_dtype(dtype) or is_object_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)
        if name == "as_of":
            yield name, "as_of"
        elif name == "customer_id" or text:
            yield name, "text"
        elif is_numeric_dtype(dtype) and not is_bool_dtype(dtype):
            yield name, "float"
        else:
            raise DataError(f"column {name!r}: the score store keeps numbers and text, not {dtype}")


def _values(column: pd.Series) -> np.ndarray:
    """A column as Python objects for the driver, None where missing."""
    if is_float_dtype(column.dtype):
        numbers = column.to_numpy(dtype="float64", na_value=np.nan)
        values = numbers.astype(object)
        values[np.isnan(numbers)] = None
        return values
    return column.to_numpy(dtype=object, na_value=None)


def _executemany(conn, table, columns: list[np.ndarray]) -> None:
    """Insert rows, given as one array per column of `table`, with the driver's executemany: 2-3 times faster
    than Core's executemany of dicts or pandas' to_sql, which process the parameters of each row in Python."""
    compiled = table.insert().compile(dialect=conn.dialect)
    rows = zip(*columns, strict=True)
    if not compiled.positional:
        keys = [compiled.escaped_bind_names.get(key, key) for key in table.c.keys()]
        rows = (dict(zip(keys, row)) for row in rows)
    conn.exec_driver_sql(compiled.string, list(rows))


def _scores_table(names) -> sa.TableClause:
    """`scores` with batch_id and the columns `names`."""
    return sa.table("scores", *map(sa.column, ["batch_id", *names]))


def _stored(columns) -> list[str]:
    """The names of a batch's columns ([name, kind]) that are columns of `scores` (all but as_of)."""
    return [name for name, kind in columns if kind != "as_of"]


def _frame(rows, batch) -> pd.DataFrame:
    """A score frame from rows of `_scores_table` (batch_id first) and the batch's row."""
    columns = json.loads(batch.columns)
    values = dict(zip(["batch_id", *_stored(columns)], zip(*rows)))
    as_of = pd.Series(pd.Timestamp(batch.as_of, tz="UTC"), index=pd.RangeIndex(len(rows)), dtype=DTYPES["as_of"])
    return pd.DataFrame({name: as_of if kind == "as_of" else pd.Series(values.get(name, ()), dtype=DTYPES[kind])
                         for name, kind in columns})


def _complete() -> sa.Select:
    return sa.select(BATCHES).where(BATCHES.c.completed_at.is_not(None))


def _to_batch(row) -> Batch:
    times = (pd.Timestamp(value, tz="UTC") for value in (row.as_of, row.created_at, row.completed_at))
    return Batch(row.batch_id, *times, row.rows, json.loads(row.metadata))


def _insert_table(conn, name: str, frame: pd.DataFrame, metadata: dict, batch_id: str | None = None) -> None:
    conn.execute(TABLES.insert().values(
        table_id=secrets.token_hex(16), name=name, batch_id=batch_id, created_at=_now(),
        metadata=json.dumps(metadata, default=_jsonable),
        frame=frame.reset_index(drop=True).to_json(orient="table", index=False, double_precision=15)))


def _read_frame(text: str, metadata: str) -> pd.DataFrame:
    """A frame of `stored_tables`, its metadata as its attrs."""
    frame = pd.read_json(io.StringIO(text), orient="table")
    frame.attrs = json.loads(metadata)
    return frame


def _delete(conn, batch_ids) -> None:
    """Delete the batches `batch_ids` with their scores, memberships and tables."""
    if batch_ids:
        for table in (MEMBERS, SCORES, TABLES, BATCHES):
            conn.execute(table.delete().where(table.c.batch_id.in_(batch_ids)))


def _now() -> datetime:
    """Now in UTC, naive (as the DateTime columns keep it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _jsonable(value):
    """numpy scalars and arrays as lists and numbers, anything else as its string."""
    return value.tolist() if hasattr(value, "tolist") else str(value)
