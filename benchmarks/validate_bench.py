"""Validate a dataset folder and print wall time, peak memory and rows per table.

    .venv/bin/python benchmarks/validate_bench.py DATA_DIR [--quarantine DIR] [--report-only]

--report-only validates as the `validate` command does, keeping no accepted rows (a table folder of
Parquet parts is then in memory one part at a time).

Peak memory is the process's maximum resident set size (getrusage), which
includes the Python interpreter and the imported libraries.
"""

import argparse
import resource
import time
from pathlib import Path

from cxmodels.data.validate import validate_dataset


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--quarantine", type=Path, help="quarantine folder for rejected rows")
    parser.add_argument("--report-only", action="store_true", help="keep no accepted rows, as `validate` does")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    report = validate_dataset(args.data_dir, quarantine_dir=args.quarantine, keep_rows=not args.report_only).report
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    print(f"{'table':<14} {'read':>13} {'accepted':>13} {'rejected':>13}")
    for name, count in report.tables.items():
        print(f"{name:<14} {count.read:>13,} {count.accepted:>13,} {count.rejected:>13,}")
    total = sum(count.read for count in report.tables.values())
    print(f"{'total':<14} {total:>13,}")
    print(f"exit code {report.exit_code}, {len(report.problems)} problems")
    print(f"wall time {seconds:.1f} s ({total / seconds / 1e6:.2f} M rows/s), peak RSS {peak_kib / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
