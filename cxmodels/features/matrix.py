"""The feature matrix: every builder whose tables are present, joined on one population."""

import pandas as pd

from cxmodels.data.codes import CustomerCodes
from cxmodels.errors import ConfigError
from cxmodels.features.config import FeatureConfig
from cxmodels.features.history import History
from cxmodels.features.registry import REGISTRY, Builder


def run_builder(entry: Builder, history: History, config: FeatureConfig) -> pd.DataFrame:
    """One builder's output indexed by the population, its columns in declared order, dtypes checked."""
    declared = entry.columns(config)
    values = entry.build(history, config)
    names = [column.name for column in declared]
    if sorted(values) != sorted(names):
        raise RuntimeError(f"builder {entry.name!r} returned {sorted(values)} but declares {sorted(names)}")
    frame = pd.DataFrame({name: values[name] for name in names}, index=history.population, copy=False)
    for column in declared:
        if column.dtype is not None and str(frame[column.name].dtype) != column.dtype:
            raise RuntimeError(f"builder {entry.name!r}: {column.name} is {frame[column.name].dtype}, "
                               f"declared {column.dtype}")
    return frame


def build_features(dataset, as_of, config: FeatureConfig | None = None, population=None,
                   codes: CustomerCodes | None = None, batch_size: int = 250_000) -> pd.DataFrame:
    """The feature matrix as of a cut-off: one row per customer, one column per feature.

    Runs every registered builder whose tables are present; each reads only rows
    strictly before `as_of` (str, datetime or Timestamp; naive means UTC). The rows
    are `population` in its order, or by default every customer known before
    `as_of` (signed up before it or with any row before it), sorted.

    Customers are processed `batch_size` at a time (builders depend only on each
    customer's own rows), which bounds the working memory. `codes` lets several
    cut-offs of one dataset share the encoding of customer ids.
    """
    config = config or FeatureConfig()
    history = History(dataset, as_of, population, codes)
    entries = [entry for entry in REGISTRY if entry.can_run(dataset)]
    parts = [_run_all(entries, batch, config) for batch in history.batches(batch_size)]
    matrix = parts[0] if len(parts) == 1 else pd.concat(parts)
    repeated = matrix.columns[matrix.columns.duplicated()]
    if len(repeated):
        raise ConfigError(f"feature names collide: {list(repeated)} (rename the customers attribute)")
    return matrix


def _run_all(entries: list[Builder], history: History, config: FeatureConfig) -> pd.DataFrame:
    """Run the builders in order, forgetting each table's rows once no later builder needs them."""
    frames = []
    for i, entry in enumerate(entries):
        frames.append(run_builder(entry, history, config))
        for table in entry.tables:
            if not any(table in later.tables for later in entries[i + 1:]):
                history.release(table)
    return pd.concat(frames, axis=1)
