"""Peak memory of validating the same dataset as one file per table and as folders of N Parquet parts.

    .venv/bin/python benchmarks/validate_parts_bench.py DATA_DIR --parts 10

DATA_DIR holds one Parquet file per table (e.g. from `cxmodels simulate`); a copy with each table cut into
N consecutive parts is written to a temporary folder. Each layout is validated as the `validate` command does
(benchmarks/validate_bench.py --report-only) in a fresh process, so each peak is its own: the process's
maximum resident set size (getrusage ru_maxrss), interpreter and libraries included.
"""

import argparse
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cxmodels.data.load import find_table_files

BENCH = Path(__file__).with_name("validate_bench.py")


def write_parts(data_dir: Path, out: Path, parts: int) -> None:
    """Each table of `data_dir` as `out/<table>/part-<k>.parquet`, its rows cut into `parts` consecutive slices,
    read one slice at a time: this process stays small, and a child starts with its parent's peak (Linux keeps
    ru_maxrss across fork and exec)."""
    files, problems = find_table_files(data_dir)
    if problems:
        sys.exit(f"{data_dir}: {problems[0].rule}")
    for name, path in files.items():
        file = pq.ParquetFile(path)
        (out / name).mkdir(parents=True)
        size = max(1, math.ceil(file.metadata.num_rows / parts))
        for k, batch in enumerate(file.iter_batches(batch_size=size)):
            pq.write_table(pa.Table.from_batches([batch]), out / name / f"part-{k:05d}.parquet")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--parts", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cxmodels-parts-") as scratch:
        write_parts(args.data_dir, Path(scratch), args.parts)
        for label, folder in (("one file per table", args.data_dir), (f"{args.parts} parts per table", scratch)):
            result = subprocess.run([sys.executable, str(BENCH), str(folder), "--report-only"], capture_output=True,
                                    text=True)
            print(f"{label}: {result.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
