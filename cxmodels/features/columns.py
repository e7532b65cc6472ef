"""How a builder declares its output: column name, dtype and a plain-words description."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One feature column. `description` is phrased for people ("purchases in the last 30 days").

    dtype is "int64", "float64", "category", or None when the data decides (customer
    attributes). if_no_rows is the value for a customer without rows in the table:
    0 for counts and sums (nothing happened), NaN for what is unknown (a mean, a latest value).
    """

    name: str
    dtype: str | None
    description: str
    if_no_rows: float = float("nan")


def count_column(name: str, description: str) -> Column:
    """A count: int64, 0 for a customer without rows."""
    return Column(name, "int64", description, 0)


def per_window(column: Column, windows: tuple[int, ...]) -> tuple[Column, ...]:
    """One copy of `column` per window; `{days}` in its name and description is the window length."""
    return tuple(Column(column.name.format(days=d), column.dtype, column.description.format(days=d), column.if_no_rows)
                 for d in windows)

