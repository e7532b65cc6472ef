"""Finding and reading the table files of a dataset folder, as they are: no coercion, no rules.

CSV columns are read as text, so "007" stays "007" and a bad value can be reported
rather than crash the reader; Parquet columns keep the types the file gives them.
A table may also be a folder of Parquet parts (`transactions/part-0000.parquet`, ..., or hive-style
`transactions/year=2024/month=1/part-0.parquet`): its rows are those of the parts in sorted path order,
the hive keys become columns (a key named as a column of the files replaces that column).
"""

import csv
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from cxmodels.data.contract import FILE_FORMATS, TABLES
from cxmodels.data.hints import encoding_problem, header_hint
from cxmodels.data.report import STRUCTURAL, Problem
from cxmodels.errors import DataError


class UnreadableTable(DataError):
    """A table file that its parser rejects; the message is the parser's."""


def find_table_files(folder: Path) -> tuple[dict[str, Path], list[Problem]]:
    """The file (or folder of Parquet parts) of each contract table present in `folder`, and the structural
    problems of the layout.

    Other files and folders (such as `truth/`) are ignored.
    """
    if not folder.is_dir():
        return {}, [Problem(STRUCTURAL, "dataset", None, f"{folder} is not a folder")]
    files, problems = {}, []
    for name, spec in TABLES.items():
        found = [folder / f"{name}.{fmt}" for fmt in FILE_FORMATS if (folder / f"{name}.{fmt}").is_file()]
        found += [path for path in (folder / name, folder / f"{name}.parquet") if path.is_dir()]  # Spark, Dask
        if len(found) > 1:
            problems.append(Problem(STRUCTURAL, name, None,
                                    f"both {' and '.join(_shown(p) for p in found)} are present: keep one"))
        elif found and found[0].is_dir() and (problem := _parts_problem(found[0])):
            problems.append(Problem(STRUCTURAL, name, None, problem))
        elif found:
            files[name] = found[0]
        elif spec.is_required:
            problems.append(Problem(STRUCTURAL, name, None, f"required file {name}.parquet or {name}.csv (or a "
                                                            f"folder {name}/ of Parquet parts) is missing"))
    return files, problems


def _shown(path: Path) -> str:
    """A table's file name, or its folder's with a trailing slash."""
    return f"{path.name}/" if path.is_dir() else path.name


def _parts_problem(folder: Path) -> str | None:
    """What is wrong with a folder of parts: no Parquet file in it, or other files beside them."""
    files = [p for p in folder.rglob("*") if p.is_file() and not _hidden(p.relative_to(folder))]
    others = sorted(str(p.relative_to(folder)) for p in files if p.suffix != ".parquet")
    if others:
        return (f"folder {folder.name}/ holds files that are not Parquet ({', '.join(others[:3])}"
                f"{', ...' if len(others) > 3 else ''}): a table folder holds only .parquet parts; move the others "
                "out")
    if not files:
        return (f"folder {folder.name}/ holds no .parquet file: write the table's parts into it, or remove the "
                "folder")
    return None


def _hidden(relative: Path) -> bool:
    """Files that writers leave beside the parts (`_SUCCESS`, `.part-0.crc`), ignored as pyarrow does."""
    return any(part.startswith(("_", ".")) for part in relative.parts)


def table_parts(path: Path) -> list[Path]:
    """The Parquet parts of a table folder, in sorted path order (the order of their rows); a file is its own part."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*.parquet") if p.is_file() and not _hidden(p.relative_to(path)))


def read_table(path: Path) -> pd.DataFrame:
    """The table in `path` (.csv, .parquet or a folder of Parquet parts, concatenated) with a fresh RangeIndex;
    raises UnreadableTable."""
    if path.is_dir():
        return _to_pandas(pa.concat_tables(table for _, table in _arrow_parts(path)))
    return read_csv(path) if path.suffix == ".csv" else read_parquet(path)


def read_parts(path: Path) -> Iterator[tuple[Path, pd.DataFrame]]:
    """Each part of a table (see `table_parts`) and its rows, one at a time (none kept once handed out); raises
    UnreadableTable."""
    if path.is_dir():
        yield from _arrow_parts(path, _to_pandas)
    else:
        yield path, read_table(path)


def _arrow_parts(folder: Path, convert=lambda table: table) -> Iterator[tuple[Path, pa.Table]]:
    """The parts of a table folder as Arrow tables of one schema (hive keys as columns), in sorted path order,
    each passed through `convert`."""
    parts = table_parts(folder)
    try:
        dataset = pads.dataset([str(p) for p in parts], format="parquet", partitioning="hive",
                               partition_base_dir=str(folder))
        fragments = {fragment.path: fragment for fragment in dataset.get_fragments()}
        for part in parts:
            if part.stat().st_size == 0:
                raise UnreadableTable(f"part {part.relative_to(folder)} is empty (0 bytes): write it again, or "
                                      "remove it")
            yield part, convert(fragments[str(part)].to_table(schema=dataset.schema))
    except UnreadableTable:
        raise
    except (pa.ArrowException, OSError, ValueError) as error:
        raise UnreadableTable(f"{error}; every part must be a Parquet file, the parts' columns of one type") \
            from error


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
        return _to_pandas(pq.read_table(path))
    except UnreadableTable:
        raise
    except (pa.ArrowException, OSError, ValueError) as error:
        raise UnreadableTable(str(error)) from error


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """The table's own columns (a stored pandas index is an ordinary column), integers as nullable Int64."""
    return table.to_pandas(ignore_metadata=True, types_mapper=_nullable_integers)


def _nullable_integers(arrow_type: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    """Integer columns as pandas' nullable Int64, so a missing value does not turn 7 into 7.0."""
    return pd.Int64Dtype() if pa.types.is_integer(arrow_type) else None
