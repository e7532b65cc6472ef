"""Writing contract tables to a dataset folder (one file per table)."""

from datetime import timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cxmodels.data.contract import FILE_FORMATS
from cxmodels.errors import ConfigError


def write_tables(tables: dict[str, pd.DataFrame], out_dir: Path | str, file_format: str = "parquet") -> list[Path]:
    """Write each table to `out_dir/<name>.<file_format>` and return the paths.

    CSV is UTF-8 with a header row; timestamps are written as ISO-8601.
    """
    if file_format not in FILE_FORMATS:
        raise ConfigError(f"file_format must be one of {FILE_FORMATS}, got {file_format!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = out_dir / f"{name}.{file_format}"
        for stale in FILE_FORMATS:  # one file per table: drop a copy in the other format
            (out_dir / f"{name}.{stale}").unlink(missing_ok=True)
        table = arrow_table(frame)
        if file_format == "parquet":
            pq.write_table(table, path)
        else:
            pacsv.write_csv(table, path)
        paths.append(path)
    return paths


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """The frame as an Arrow table (for writing; `codes.to_arrow` turns one text column into Arrow for compute).
    Timezone-aware columns are converted without pandas' deprecated path, fixed offsets as "+05:00"."""
    timezone_aware = [c for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)]
    table = pa.Table.from_pandas(frame.drop(columns=timezone_aware), preserve_index=False)
    for column in timezone_aware:
        values = frame[column].dt.tz_convert(None).to_numpy()
        unit = str(values.dtype)[len("datetime64[") : -1]
        array = pa.array(values, type=pa.timestamp(unit, tz=_zone_name(frame[column].dt.tz)))
        table = table.add_column(frame.columns.get_loc(column), column, array)
    return table


def _zone_name(tz) -> str:
    """An Arrow time zone: the zone's name, or a fixed offset as "+05:00" (Arrow refuses Python's "UTC+05:00")."""
    if isinstance(tz, timezone) and tz is not timezone.utc:
        minutes = int(tz.utcoffset(None).total_seconds() // 60)
        return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return str(tz)
