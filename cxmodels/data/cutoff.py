"""The cut-off `as_of` as every part of cxmodels reads it: a UTC Timestamp."""

import pandas as pd

from cxmodels.errors import ConfigError


def utc_timestamp(value) -> pd.Timestamp:
    """A cut-off (str, datetime or Timestamp) as a UTC Timestamp; naive values are UTC."""
    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        raise ConfigError("as_of must be a date or time, got NaT")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
