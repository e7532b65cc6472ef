"""The driver table and the what-if of a dataset with the champion models, as `cxmodels drivers` and
`cxmodels whatif` compute them: the same customers, features and CLV as `cxmodels score` (score_inputs)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmodels.data import load_dataset
from cxmodels.drivers import History, declared_drivers, driver_effects, drivers_table, parse_change, whatif_table
from cxmodels.errors import DataError
from cxmodels.features import data_as_of
from cxmodels.features.value import SUMMARY_COLUMNS
from serving.champions import Champions, load_champions
from serving.config import ServingConfig
from serving.files import check_format, write_atomically
from serving.scoring import ACTIVE, churn_features, clv_scores, score_inputs
from serving.store import ScoreStore


@dataclass(frozen=True)
class DriverInputs:
    """The churn population at `as_of` (the active customers `score` gives a probability): its features, the
    champion's churn probability and the CLV champion's clv, in the same order."""

    champions: Champions
    as_of: pd.Timestamp
    features: pd.DataFrame
    probability: np.ndarray
    clv: np.ndarray
    history: History  # the data the features come from, for the drivers that edit it

    def effects(self, drivers: dict) -> dict:
        """driver_effects of `drivers` on these customers."""
        return driver_effects(self.champions.churn, self.features, drivers, self.history)


def driver_inputs(data_dir, as_of=None, tracking_uri: str | None = None) -> DriverInputs:
    """DriverInputs of the dataset in `data_dir` at `as_of` (default: just after its last timestamp)."""
    champions = load_champions(tracking_uri)
    dataset, present = data_as_of(load_dataset(data_dir), as_of)
    features, status, summary = score_inputs(dataset, champions, present)
    active = status == ACTIVE
    features = features[active]
    columns = churn_features(features, champions.churn.feature_names_in_, champions.feature_config)
    probability = champions.churn.predict_proba(features[columns])[:, 1]
    clv = clv_scores(champions.clv, features[list(SUMMARY_COLUMNS)] if summary is None else summary, features.index)
    return DriverInputs(champions, present, features, probability, clv["clv"].to_numpy(float),
                        History(dataset, present, champions.feature_config))


def driver_metadata(inputs: DriverInputs) -> dict:
    return {"as_of": inputs.as_of, **inputs.champions.versions(), "customers": len(inputs.features)}


def run_drivers(data_dir, out, as_of=None, config: ServingConfig | None = None, tracking_uri: str | None = None,
                store_url: str | None = None) -> tuple[pd.DataFrame, dict]:
    """The driver table of the dataset in `data_dir` at `as_of`, written atomically to `out` (.csv or .parquet)
    and kept as the score store's latest driver table (GET /drivers, the dashboard); and its metadata."""
    config = config or ServingConfig()
    out = check_format(out)
    inputs = driver_inputs(data_dir, as_of, tracking_uri)
    effects = inputs.effects(declared_drivers(config.drivers))
    table = drivers_table(effects, inputs.probability, inputs.clv)
    metadata = driver_metadata(inputs)
    write_atomically(table, out)
    ScoreStore(store_url or config.store.url).write_drivers(table, metadata)
    return table, metadata


def run_whatif(data_dir, changes: list[str], as_of=None, config: ServingConfig | None = None,
               tracking_uri: str | None = None) -> tuple[pd.DataFrame, dict]:
    """The churners and revenue retained by each change ("DRIVER=-NN%", whatif.py) and by all of them together,
    on the dataset in `data_dir` at `as_of`; and the metadata (as_of, model versions, customers)."""
    config = config or ServingConfig()
    drivers = declared_drivers(config.drivers)
    parsed = [parse_change(text, list(drivers)) for text in changes]
    inputs = driver_inputs(data_dir, as_of, tracking_uri)
    chosen = {change.driver: drivers[change.driver] for change in parsed}
    effects = inputs.effects(chosen)
    missing = [name for name in chosen if name not in effects]
    if missing:
        raise DataError(f"driver {missing[0]}: this data lacks the features its conditions read "
                        f"({[str(c) for c in chosen[missing[0]].affected]})")
    table = whatif_table(inputs.champions.churn, inputs.features, effects, parsed, inputs.clv,
                         history=inputs.history)
    return table, driver_metadata(inputs)
