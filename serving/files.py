"""Writing score files atomically: a reader sees the previous file or the whole new one, never half of one.

Files for people (segment exports) can be made safe to open in a spreadsheet: a text cell that begins
with =, +, -, @, a tab or a carriage return would be run as a formula there (CSV injection), so
`escape_formulas` puts a ' before it, which spreadsheets show as text and do not store.
"""

import os
import tempfile
from pathlib import Path

import pandas as pd

from cxmodels.errors import CxmodelsError

FORMATS = (".parquet", ".csv")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OutputFileError(CxmodelsError, ValueError):
    """A file that cannot be written as asked (a format we do not write)."""


def check_format(path: Path | str) -> Path:
    """`path` as a Path, when its suffix is a format we write; else OutputFileError naming the choices."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise OutputFileError(f"cannot write {path}: the file name must end in {' or '.join(FORMATS)}")
    return path


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each text cell that a spreadsheet would take for a formula prefixed with ' (numbers as they are)."""
    escaped = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_string_dtype(column.dtype) or pd.api.types.is_object_dtype(column.dtype):
            text = column.map(lambda value: isinstance(value, str) and value.startswith(FORMULA_STARTS))
            escaped[name] = column.mask(text.astype(bool), "'" + column.astype(str))
    return escaped


def write_atomically(frame: pd.DataFrame, path: Path | str, for_spreadsheets: bool = False) -> Path:
    """Write `frame` as Parquet or CSV (by the suffix) to a temporary file beside `path`, then rename it;
    a CSV `for_spreadsheets` has its formula-like text escaped (`escape_formulas`)."""
    path = check_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        if path.suffix.lower() == ".csv":
            (escape_formulas(frame) if for_spreadsheets else frame).to_csv(temporary, index=False)
        else:
            frame.to_parquet(temporary, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
