"""Benchmark: the feature matrix and the value summary on a large simulated world.

    python benchmarks/features_bench.py --data-dir WORLD     # an existing dataset folder (parquet)
    python benchmarks/features_bench.py --customers 1000000  # simulate one into a temporary folder first

Prints rows per table, seconds per step (id encoding, population, each builder),
the total of `build_features`, peak RSS, and the value summary against lifetimes'
`summary_data_from_transaction_data` on the same transactions (time and speed-up).
Targets (2 cores, 1M customers): matrix <= 60 s, peak RSS <= 8 GB, summary >= 5x lifetimes.
"""

import argparse
import inspect
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa

from cxmodels.data.contract import TABLES
from cxmodels.data.dataset import Dataset
from cxmodels.features import REGISTRY, FeatureConfig, build_features, run_builder, value_summary
from cxmodels.data.codes import CustomerCodes
from cxmodels.features.history import History


BATCH_SIZE = inspect.signature(build_features).parameters["batch_size"].default


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux reports KiB


def read_dataset(folder: Path) -> Dataset:
    """The parquet tables as pandas reads them (customer_id as str), booleans as the contract's "boolean".

    Arrow's allocator keeps the decoding buffers of a table unless told to give them back.
    """
    tables = {}
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if path.exists():
            frame = pd.read_parquet(path)
            for column in ("transferred", "resolved"):
                if column in frame:
                    frame[column] = frame[column].astype("boolean")
            tables[name] = frame
            pa.default_memory_pool().release_unused()
    return Dataset(**tables)


def _simulate(customers: int, seed: int, folder: Path) -> None:
    from cxmodels.simulate import simulate, write_world

    write_world(simulate(customers, seed=seed), folder)


def simulated(customers: int, seed: int, folder: Path) -> None:
    """Simulate a world into `folder`, in a child process so its memory stays out of our peak RSS."""
    start = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(target=_simulate, args=(customers, seed, folder))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"simulation failed (exit code {child.exitcode})")
    print(f"simulated {customers:,} customers in {time.perf_counter() - start:.1f} s")


def timed(label: str, task):
    start = time.perf_counter()
    result = task()
    seconds = time.perf_counter() - start
    print(f"  {label:<34} {seconds:7.2f} s")
    return result, seconds


def run(folder: Path, as_of, compare: bool) -> None:
    dataset, seconds = timed("read parquet", lambda: read_dataset(folder))
    for name, frame in dataset.tables.items():
        print(f"  {name:<14} {len(frame):>12,} rows")
    transactions = dataset.transactions
    as_of = pd.Timestamp(as_of) if as_of else transactions["timestamp"].max().floor("D") + pd.Timedelta(days=1)
    config = FeatureConfig()
    print(f"as_of {as_of}; peak RSS after reading {peak_rss_gb():.2f} GB")

    print("build_features, the whole matrix:")
    matrix, total = timed("build_features", lambda: build_features(dataset, as_of, config))
    print(f"  -> {matrix.shape[0]:,} customers x {matrix.shape[1]} features; peak RSS {peak_rss_gb():.2f} GB")
    del matrix

    print("the same work step by step, seconds summed over the batches of customers:")
    codes = CustomerCodes(dataset)
    for name in dataset.tables:
        timed(f"encode customer ids: {name}", lambda name=name: codes(name))
    history, _ = timed("population (known before as_of)", lambda: History(dataset, as_of, codes=codes))
    entries = [entry for entry in REGISTRY if entry.can_run(dataset)]
    seconds = dict.fromkeys((entry.name for entry in entries), 0.0)  # summed over the batches
    for batch in history.batches(BATCH_SIZE):
        for i, entry in enumerate(entries):  # as build_features does
            start = time.perf_counter()
            run_builder(entry, batch, config)
            seconds[entry.name] += time.perf_counter() - start
            for table in set(entry.tables) - {t for later in entries[i + 1:] for t in later.tables}:
                batch.release(table)
    for entry in entries:
        family = entry.build.__module__.rsplit(".", 1)[-1]
        print(f"  {f'builder: {entry.name} ({family})':<34} {seconds[entry.name]:7.2f} s")

    print("value summary vs lifetimes on the same transactions:")
    ours, ours_seconds = timed("cxmodels value_summary", lambda: value_summary(transactions, as_of))
    if compare:
        from lifetimes.utils import summary_data_from_transaction_data

        naive = transactions[["customer_id", "timestamp", "amount"]].assign(
            timestamp=transactions["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None))
        naive = naive[naive["amount"] >= 0]  # refunds are not purchases (cxmodels.features.value)
        end = (as_of - pd.Timedelta(days=1)).tz_localize(None) if as_of.tzinfo else as_of - pd.Timedelta(days=1)
        theirs, their_seconds = timed("lifetimes summary_data_from_...", lambda: summary_data_from_transaction_data(
            naive, "customer_id", "timestamp", "amount", observation_period_end=end))
        pd.testing.assert_frame_equal(ours, theirs.sort_index(), check_names=False, check_index_type=False, rtol=1e-9)
        print(f"  identical results; speed-up {their_seconds / ours_seconds:.1f}x")
    print(f"total build_features {total:.1f} s; peak RSS of the run {peak_rss_gb():.2f} GB (includes lifetimes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="an existing dataset folder of parquet files")
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers to simulate without --data-dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--as-of", help="cut-off; default: the day after the last transaction")
    parser.add_argument("--no-lifetimes", action="store_true", help="skip the (slow) lifetimes comparison")
    args = parser.parse_args()
    if args.data_dir:
        run(args.data_dir, args.as_of, not args.no_lifetimes)
        return
    with tempfile.TemporaryDirectory() as folder:
        simulated(args.customers, args.seed, Path(folder))
        run(Path(folder), args.as_of, not args.no_lifetimes)


if __name__ == "__main__":
    main()
