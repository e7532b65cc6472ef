"""Finding and reading the table files of a dataset folder, as they are: no coercion, no rules.

CSV columns are read as text, so "007" stays "007" and a bad value can be reported
rather than crash the reader; Parquet columns keep the types the file gives them.
"""

import csv
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cxmodels.data.contract import FILE_FORMATS, TABLES
from cxmodels.data.hints import encoding_problem, header_hint
from cxmodels.data.report import STRUCTURAL, Problem
from cxmodels.errors import DataError


class UnreadableTable(DataError):
    """A table file that its parser rejects; the message is the parser's."""


def find_table_files(folder: Path) -> tuple[dict[str, Path], list[Problem]]:
    """The file of each contract table present in `folder`, and the structural problems of the layout.

    Other files and folders (such as `truth/`) are ignored.
    """
    if not folder.is_dir():
        return {}, [Problem(STRUCTURAL, "dataset", None, f"{folder} is not a folder")]
    files, problems = {}, []
    for name, spec in TABLES.items():
        found = [folder / f"{name}.{fmt}" for fmt in FILE_FORMATS if (folder / f"{name}.{fmt}").is_file()]
        if len(found) > 1:
            problems.append(Problem(STRUCTURAL, name, None,
                                    f"both {' and '.join(p.name for p in found)} are present: keep one"))
        elif found:
            files[name] = found[0]
        elif spec.is_required:
            problems.append(Problem(STRUCTURAL, name, None, f"required file {name}.parquet or {name}.csv is missing"))
    return files, problems


def read_table(path: Path) -> pd.DataFrame:
    """The table in `path` (.csv or .parquet) with a fresh RangeIndex; raises UnreadableTable."""
    return read_csv(path) if path.suffix == ".csv" else read_parquet(path)


def read_csv(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> pd.DataFrame:
    """Every column as text (empty fields are empty strings); raises UnreadableTable saying how to fix the file."""
    try:
        if path.stat().st_size == 0:
            raise UnreadableTable("the file is empty (0 bytes): write at least its header row, or remove the file "
                                  "if the table has no data")
        with path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as file:
            header = next(csv.reader(file, delimiter=delimiter), None)
        if not header:
            raise UnreadableTable("the file has no header row")
        problem = header_hint(header) if delimiter == "," else None
        if problem:
            raise UnreadableTable(problem)
        text = pa.large_string()  # pandas wraps large_string without copying
        return pacsv.read_csv(path, read_options=pacsv.ReadOptions(encoding=encoding),
                              parse_options=pacsv.ParseOptions(delimiter=delimiter),
                              convert_options=pacsv.ConvertOptions(column_types={name: text for name in header},
                                                                   strings_can_be_null=False)).to_pandas()
    except UnreadableTable:
        raise
    except (UnicodeError, pa.ArrowInvalid) as error:
        problem = encoding_problem(path, encoding) or str(error)
        if "Expected" in problem and "columns" in problem:
            problem += ("; a value holding the delimiter (1,234.50) must be in double quotes, or written without "
                        "thousands separators")
        raise UnreadableTable(problem) from error
    except (pa.ArrowException, OSError, ValueError, csv.Error) as error:
        raise UnreadableTable(str(error)) from error


def read_parquet(path: Path) -> pd.DataFrame:
    """The file's own columns (a stored pandas index is an ordinary column); integers stay integers.
    Raises UnreadableTable."""
    try:
        if path.stat().st_size == 0:
            raise UnreadableTable("the file is empty (0 bytes): write the table again, or remove the file")
        return pq.read_table(path).to_pandas(ignore_metadata=True, types_mapper=_nullable_integers)
    except UnreadableTable:
        raise
    except (pa.ArrowException, OSError, ValueError) as error:
        raise UnreadableTable(str(error)) from error


def _nullable_integers(arrow_type: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    """Integer columns as pandas' nullable Int64, so a missing value does not turn 7 into 7.0."""
    return pd.Int64Dtype() if pa.types.is_integer(arrow_type) else None
