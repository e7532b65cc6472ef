"""Time `simulate` + `write_world` for N customers: seconds, rows per table, peak memory.

    python benchmarks/simulate_bench.py 1000000 --out /tmp/world-1m

    python benchmarks/simulate_bench.py 200000 --partitions 10

Without --out the world is written to a temporary folder and removed afterwards. With --partitions P > 1
each table is written as P Parquet parts, one part in memory at a time (cxmodels.simulate.parts).
Peak memory is the process's maximum resident set size (getrusage ru_maxrss).
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

from cxmodels.simulate import simulate, write_world
from cxmodels.simulate.parts import simulate_parts, write_parts


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customers", type=int)
    parser.add_argument("--out", type=Path, help="keep the world in this folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--contractual", action="store_true")
    parser.add_argument("--dirty-fraction", type=float, default=0.0)
    parser.add_argument("--format", default="parquet", choices=["parquet", "csv"])
    parser.add_argument("--partitions", type=int, default=1, help="write the world in this many Parquet parts")
    args = parser.parse_args(argv)
    options = {"seed": args.seed, "contractual": args.contractual, "dirty_fraction": args.dirty_fraction}
    if args.partitions > 1:
        return _parts(args, options)

    started = time.perf_counter()
    world = simulate(args.customers, **options)
    simulated = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cxmodels-simulate-") as scratch:
        write_world(world, args.out or scratch, file_format=args.format)
    written = time.perf_counter()

    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux reports KiB
    print(f"customers {args.customers:,}: simulate {simulated - started:.1f} s, write {written - simulated:.1f} s, "
          f"total {written - started:.1f} s, peak RSS {peak_gb:.2f} GiB")
    for name, table in world.tables.items():
        print(f"  {name:<14} {len(table):>12,} rows  ({len(table) / args.customers:,.2f} per customer)")


def _parts(args, options: dict) -> None:
    """Simulate and write the world in parts (the two are interleaved: one time for both)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cxmodels-simulate-") as scratch:
        counts = write_parts(simulate_parts(args.customers, args.partitions, **options), args.out or scratch)
    seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"customers {args.customers:,} in {args.partitions} parts: simulate and write {seconds:.1f} s, "
          f"peak RSS {peak_gb:.2f} GiB")
    for name, rows in counts.items():
        print(f"  {name:<14} {rows:>12,} rows  ({rows / args.customers:,.2f} per customer)")


if __name__ == "__main__":
    main()
