"""Whether the data keeps arriving: rows per table per week, each table's latest complete week against its
own history (a table that stopped arriving, or suddenly halved or doubled), and the categories seen in its
category columns (a new event name or channel).
"""

import numpy as np
import pandas as pd

WEEK = pd.Timedelta(days=7)
MIN_WEEKLY_ROWS = 10  # a table with a smaller weekly median is too sparse to judge week by week
CATEGORY_COLUMNS = {"transactions": "channel", "contacts": "channel", "surveys": "survey", "events": "event"}


def weekly_rows(dataset, as_of, weeks: int) -> pd.DataFrame:
    """Rows per table with a timestamp (columns) in each of the `weeks` complete weeks before `as_of`
    (index: the start of each week, oldest first; the last week ends at `as_of`)."""
    starts = pd.DatetimeIndex([as_of - WEEK * (weeks - i) for i in range(weeks)])
    edges = np.append(starts.as_unit("ns").asi8, as_of.as_unit("ns").value)
    counts = {}
    for name, frame in dataset.tables.items():
        if "timestamp" in frame.columns:
            stamps = frame["timestamp"].dropna().dt.tz_convert("UTC").astype("datetime64[ns, UTC]").array.asi8
            counts[name] = np.histogram(stamps, bins=edges)[0]
    return pd.DataFrame(counts, index=starts)


def arrival_problems(weekly: pd.DataFrame, low: float, high: float, min_history: int = 4) -> list[dict]:
    """Each table whose latest week has no rows, or fewer than `low` or more than `high` times the median of
    the weeks before it (judged when `min_history` of them have rows and the median is at least
    MIN_WEEKLY_ROWS): {table, rows, median, problem}."""
    problems = []
    for name in weekly.columns:
        history, latest = weekly[name].iloc[:-1], int(weekly[name].iloc[-1])
        if (history > 0).sum() < min_history:
            continue
        median = float(history.median())
        if median < MIN_WEEKLY_ROWS:
            continue
        if latest == 0:
            problem = "stopped arriving: no rows in the latest week"
        elif latest < low * median:
            problem = f"fell to {latest / median:.2f} times its weekly median"
        elif latest > high * median:
            problem = f"rose to {latest / median:.2f} times its weekly median"
        else:
            continue
        problems.append({"table": name, "rows": latest, "median": median, "problem": problem})
    return problems


def categories(dataset) -> dict[str, list[str]]:
    """The values of each category column (CATEGORY_COLUMNS) present, as "table.column": sorted values."""
    found = {}
    for name, column in CATEGORY_COLUMNS.items():
        frame = getattr(dataset, name)
        if frame is not None and column in frame.columns:
            found[f"{name}.{column}"] = sorted(frame[column].dropna().astype(str).unique().tolist())
    return found
