"""A big world simulated and written in parts of consecutive customers, one part in memory at a time.

Customers are independent, so part k is a world of its own customers, drawn from the k-th of
`SeedSequence(seed).spawn(partitions)`: the same (seed, partitions) give the same parts. Customer ids
are numbered on from part to part (C0000001 ... in part 0, then the next), unique across parts; the
ids of orders, cases and sessions, numbered within a part, get the part as a prefix (`p00003-O00000001`).
The dirty rows' positions are those in the concatenation of the parts.
"""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from cxmodels.data.io import arrow_table
from cxmodels.errors import ConfigError
from cxmodels.simulate.truth import TRUTH_DIR
from cxmodels.simulate.world import World, check_options, remove_tables, simulate_part, truth_tables

TAGGED_COLUMNS = ("order_id", "case_id", "session_id")  # in the tables; case ids in the truths too


def part_name(k: int) -> str:
    """The file name of part `k` in a table folder."""
    return f"part-{k:05d}.parquet"


def simulate_parts(n_customers: int, partitions: int, seed: int = 0, contractual: bool = False,
                   dirty_fraction: float = 0.0, start="2023-01-01", end="2026-01-01", contact_factor: float = 1.0,
                   engagement_factor: float = 1.0, fixes: dict[str, float] | None = None) -> Iterator[World]:
    """The parts of a world of `n_customers` (options as `simulate`'s, for every part), one at a time; part k has
    the k-th share of the customers (np.array_split's sizes)."""
    start, end = check_options(n_customers, dirty_fraction, start, end, contact_factor, engagement_factor)
    if not 1 <= partitions <= n_customers:
        raise ConfigError(f"partitions must be from 1 to the number of customers ({n_customers:,}), got {partitions}")
    sizes = [len(rows) for rows in np.array_split(np.arange(n_customers), partitions)]
    rows = {}  # rows of each table in the parts before: the offset of a dirty row's position
    for k, (seeds, size) in enumerate(zip(np.random.SeedSequence(seed).spawn(partitions), sizes)):
        part = simulate_part(size, seeds, 1 + sum(sizes[:k]), n_customers, contractual, dirty_fraction, start, end,
                             contact_factor, engagement_factor, fixes)
        _tag(part, f"p{k:05d}-")
        part.dirty["row"] += part.dirty["table"].map(rows).fillna(0).astype(np.int64)
        for name, table in part.tables.items():
            rows[name] = rows.get(name, 0) + len(table)
        yield part
        del part, table  # not held while the next part is drawn


def _tag(world: World, prefix: str) -> None:
    """Prefix the ids numbered within a part (orders, cases, sessions) with `prefix`, in place."""
    frames = [*((table, TAGGED_COLUMNS) for table in world.tables.values()),
              (world.truth, ("trigger_case_id",)), (world.case_truth, ("case_id",))]
    for frame, columns in frames:
        for column in (c for c in columns if c in frame):
            frame[column] = prefix + frame[column]


def write_parts(parts: Iterator[World], out_dir: Path | str) -> dict[str, int]:
    """Write each part's tables to `out_dir/<table>/part-<k>.parquet` and its truths to
    `out_dir/truth/<truth>/part-<k>.parquet`, one part at a time; the rows written per table."""
    out_dir = Path(out_dir)
    remove_tables(out_dir)
    counts = {}
    for k, world in enumerate(parts):
        _write_part(world, out_dir, k)
        for name, frame in world.tables.items():
            counts[name] = counts.get(name, 0) + len(frame)
        del world, frame  # not held while the next part is drawn
    return counts


def _write_part(world: World, out_dir: Path, k: int) -> None:
    """Write part `k` of the tables and of the truths."""
    for folder, frames in ((out_dir, world.tables), (out_dir / TRUTH_DIR, truth_tables(world))):
        for name, frame in frames.items():
            (folder / name).mkdir(parents=True, exist_ok=True)
            pq.write_table(arrow_table(frame), folder / name / part_name(k))
