"""The loaded, validated dataset: one typed DataFrame per contract table."""

from dataclasses import dataclass, fields

import pandas as pd


@dataclass
class Dataset:
    """Validated tables of one dataset folder; optional tables are None when absent.

    Frames follow `cxmodels.data.contract`: `customer_id` is a string, timestamps are
    UTC, channels are trimmed and lower-cased. Everything downstream trusts them.
    An optional column that the file lacks is absent from its frame; extra columns
    are kept. Each frame has a RangeIndex.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame | None = None
    contacts: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    cancellations: pd.DataFrame | None = None

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables that are present, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @property
    def is_contractual(self) -> bool:
        """True when a cancellations table is given (contractual churn definition)."""
        return self.cancellations is not None
