"""Import an order-line export with the online-retail preset and print lines per second and peak memory.

    .venv/bin/python benchmarks/import_bench.py [--lines 5000000] [--dir bench-output/import]

The export is generated first, in its own process, in the shape of "Online Retail II"
(Invoice, StockCode, Description, Quantity, InvoiceDate, Price, Customer ID, Country):
about 20 lines per invoice, 2 % of invoices "C" cancellations with negative quantities,
2 % of lines without a customer, 0.5 % zero prices. The import (read, map, validate,
quarantine, group into orders, write Parquet) is timed in this process. Peak memory is the
process's maximum resident set size (getrusage), interpreter and libraries included.
"""

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

LINES_PER_INVOICE = 20
CUSTOMERS, PRODUCTS = 6_000, 4_000


def write_export(path: Path, lines: int, seed: int = 0) -> None:
    """`lines` order lines in the Online Retail II shape, as CSV."""
    rng = np.random.default_rng(seed)
    invoices = max(1, lines // LINES_PER_INVOICE)
    invoice = np.sort(rng.integers(0, invoices, lines))
    start = np.datetime64("2009-12-01T08:00:00", "s")
    seconds = np.sort(rng.integers(0, 730 * 86_400, invoices)) // 60 * 60  # whole minutes, in invoice order
    cancelled = rng.random(invoices) < 0.02
    customer = rng.integers(12_000, 12_000 + CUSTOMERS, invoices).astype(str).astype(object)
    customer[rng.random(invoices) < 0.02] = ""
    product = rng.integers(0, PRODUCTS, lines)
    quantity = rng.choice([1, 2, 3, 4, 6, 12, 24], lines) * np.where(cancelled[invoice], -1, 1)
    price = np.round(rng.gamma(2.0, 1.5, PRODUCTS), 2)[product]
    price[rng.random(lines) < 0.005] = 0.0
    number = (489_434 + np.arange(invoices)).astype(str).astype(object)
    number[cancelled] = "C" + number[cancelled]
    codes = np.char.add("P", np.arange(PRODUCTS).astype(str)).astype(object)
    names = np.char.add("PRODUCT DESCRIPTION ", np.arange(PRODUCTS).astype(str)).astype(object)
    times = pc.strftime(pa.array(start + seconds[invoice]), "%Y-%m-%d %H:%M:%S")
    table = pa.table({
        "Invoice": pa.array(number[invoice], pa.string()), "StockCode": pa.array(codes[product], pa.string()),
        "Description": pa.array(names[product], pa.string()), "Quantity": pa.array(quantity).cast(pa.string()),
        "InvoiceDate": times, "Price": pa.array(price).cast(pa.string()),
        "Customer ID": pa.array(customer[invoice], pa.string()),
        "Country": pa.array(np.where(rng.random(lines) < 0.9, "United Kingdom", "France"), pa.string()),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5_000_000)
    parser.add_argument("--dir", type=Path, default=Path("bench-output/import"))
    parser.add_argument("--write-only", action="store_true", help=argparse.SUPPRESS)  # the generating process
    args = parser.parse_args(argv)
    export = args.dir / f"order_lines_{args.lines}.csv"
    if args.write_only:
        write_export(export, args.lines)
        return
    if not export.exists():
        subprocess.run([sys.executable, __file__, "--lines", str(args.lines), "--dir", str(args.dir), "--write-only"],
                       check=True)

    from cxmodels.data.importer import import_dataset
    from cxmodels.data.mapping import preset_mapping

    started = time.perf_counter()
    result = import_dataset(export, preset_mapping("online-retail"), args.dir / "dataset",
                            quarantine_dir=args.dir / "rejected")
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    count = result.report.tables["transactions"]
    print(f"{export} ({export.stat().st_size / 2**20:,.0f} MiB): exit code {result.report.exit_code}")
    print(f"lines read {count.read:,}, accepted {count.accepted:,}, quarantined {count.quarantined:,}")
    for problem in result.report.problems:
        print(f"  {problem.describe().splitlines()[0]}")
    print(f"transactions: {result.grouped.get('transactions', 'nothing written')}")
    print(f"wall time {seconds:.1f} s ({count.read / seconds:,.0f} lines/s), peak RSS {peak_kib / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
