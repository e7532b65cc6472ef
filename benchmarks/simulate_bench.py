"""Time `simulate` + `write_world` for N customers: seconds, rows per table, peak memory.

    python benchmarks/simulate_bench.py 1000000 --out /tmp/world-1m

Without --out the world is written to a temporary folder and removed afterwards.
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

from cxmodels.simulate import simulate, write_world


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customers", type=int)
    parser.add_argument("--out", type=Path, help="keep the world in this folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--contractual", action="store_true")
    parser.add_argument("--dirty-fraction", type=float, default=0.0)
    parser.add_argument("--format", default="parquet", choices=["parquet", "csv"])
    args = parser.parse_args(argv)

    started = time.perf_counter()
    world = simulate(args.customers, seed=args.seed, contractual=args.contractual, dirty_fraction=args.dirty_fraction)
    simulated = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cxmodels-simulate-") as scratch:
        write_world(world, args.out or scratch, file_format=args.format)
    written = time.perf_counter()

    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux reports KiB
    print(f"customers {args.customers:,}: simulate {simulated - started:.1f} s, write {written - simulated:.1f} s, "
          f"total {written - started:.1f} s, peak RSS {peak_gb:.2f} GiB")
    for name, table in world.tables.items():
        print(f"  {name:<14} {len(table):>12,} rows  ({len(table) / args.customers:,.2f} per customer)")


if __name__ == "__main__":
    main()
