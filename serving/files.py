"""Writing score files atomically: a reader sees the previous file or the whole new one, never half of one."""

import os
import tempfile
from pathlib import Path

import pandas as pd

from cxmodels.errors import CxmodelsError

FORMATS = (".parquet", ".csv")


class OutputFileError(CxmodelsError, ValueError):
    """A file that cannot be written as asked (a format we do not write)."""


def check_format(path: Path | str) -> Path:
    """`path` as a Path, when its suffix is a format we write; else OutputFileError naming the choices."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise OutputFileError(f"cannot write {path}: the file name must end in {' or '.join(FORMATS)}")
    return path


def write_atomically(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write `frame` as Parquet or CSV (by the suffix) to a temporary file beside `path`, then rename it."""
    path = check_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        if path.suffix.lower() == ".csv":
            frame.to_csv(temporary, index=False)
        else:
            frame.to_parquet(temporary, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
