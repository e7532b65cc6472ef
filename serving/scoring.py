"""Scores per customer as of a cut-off: churn probability and reasons, CLV, tiers, RFM scores and segments.

`score` is what the batch and the service call; `score_features` is its model part, on features
already built. A batch computes its own `reference` (the clv quantiles behind value tiers and the
RFM quintile edges) from the customers it scores; the service applies the latest batch's, so a
single customer is tiered against the same population. `score_features` is `model_scores` (each customer
on its own) then `tiered` (against the reference): on a cluster the two run per partition, with the
reference of the whole population computed between them (serving/cluster.py).
"""

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.errors import DataError
from cxmodels.features import build_features, builder, families, snapshot_population, value_summary
from cxmodels.features.value import PURCHASE_COLUMNS, SUMMARY_COLUMNS
from cxmodels.models.clv.btyd import PREDICTION_COLUMNS
from cxmodels.segments import assign

REASONS = 3
REASON_CHUNK = 50_000
RISK_BANDS = ("low", "medium", "high", "none")  # config.reasons: the lowest band that gets reasons
CLV_COLUMNS = list(PREDICTION_COLUMNS)  # the intervals: missing from a model without
PROFILE_COLUMNS = ["days_since_last_purchase", "purchases_total", "spend_total", "mean_order_value", "nps_latest",
                   "nps_category"]
RFM = {"r_score": "days_since_last_purchase", "f_score": "purchases_total", "m_score": "spend_total"}
QUINTILES = [0.2, 0.4, 0.6, 0.8]
REFERENCE_COLUMNS = ["clv", *RFM.values()]  # what `reference_from` reads
ACTIVE, LAPSED = "active", "lapsed"  # status: lapsed customers (purchase-only worlds) get no churn probability
SCORE_COLUMNS = ("customer_id", "as_of", "status", "churn_probability", "churn_risk",
                 *(f"reason_{i}" for i in range(1, REASONS + 1)), *CLV_COLUMNS, "value_tier", *PROFILE_COLUMNS,
                 *RFM, "segments", "churn_model_version", "clv_model_version")
SEGMENT_INPUTS = tuple(name for name in SCORE_COLUMNS if name != "segments")  # what segment expressions read


def score(dataset, champions, as_of, config, reference: dict | None = None,
          progress: bool = False) -> tuple[pd.DataFrame, dict]:
    """The score frame (columns SCORE_COLUMNS, one row per customer of the snapshot population at `as_of`)
    and the reference it was tiered with: `reference`, or computed from these customers when None."""
    features, status, summary = score_inputs(dataset, champions, as_of)
    return score_features(features, as_of, champions, config, reference, summary, progress, status)


def score_inputs(dataset, champions, as_of) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame | None]:
    """What the champions score at `as_of`: the feature matrix of the snapshot population (lapsed customers
    included), each customer's status (ACTIVE or LAPSED), and the value summary in the CLV model's time unit
    when the features' differs (else None)."""
    as_of = utc_timestamp(as_of)
    settings = champions.feature_config
    population = snapshot_population(dataset, as_of, config=settings, lapsed=True)
    features = build_features(dataset, as_of, settings, population)
    status = np.where(population.isin(snapshot_population(dataset, as_of, config=settings)), ACTIVE, LAPSED)
    summary = None
    if champions.clv.time_unit != settings.time_unit:
        summary = value_summary(dataset.transactions, as_of, settings.value_period, champions.clv.time_unit,
                                settings.refund_window_days)
    return features, status, summary


def score_features(features: pd.DataFrame, as_of, champions, config, reference: dict | None = None,
                   summary: pd.DataFrame | None = None, progress: bool = False,
                   status: np.ndarray | None = None) -> tuple[pd.DataFrame, dict]:
    """`score` on a feature matrix indexed by customer_id (`summary`: the value summary in the CLV model's
    time unit, when the features' differs; `status`: ACTIVE or LAPSED per customer, default all active)."""
    frame = model_scores(features, champions, config, summary, progress, status)
    reference = reference if reference is not None else reference_from(frame, config.value)
    return tiered(frame, as_of, champions.versions(), config, reference), reference


def model_scores(features: pd.DataFrame, champions, config, summary: pd.DataFrame | None = None,
                 progress: bool = False, status: np.ndarray | None = None) -> pd.DataFrame:
    """What the models say of each customer, indexed by customer_id: status, churn probability, risk and
    reasons, CLV and the profile columns; every column but those tiered against a reference (`tiered`).
    Lapsed customers get no churn probability, risk or reasons: the churn model never learned them."""
    frame = pd.DataFrame(index=features.index)
    frame["status"] = np.full(len(frame), ACTIVE, dtype=object) if status is None else status
    active = (frame["status"] == ACTIVE).to_numpy()
    churn_input = features[churn_features(features, champions.churn.feature_names_in_, champions.feature_config)]
    probability = np.full(len(frame), np.nan)
    if active.any():
        probability[active] = champions.churn.predict_proba(churn_input[active])[:, 1]
    frame["churn_probability"] = probability
    frame["churn_risk"] = risk_bands(probability, config.risk)
    frame[[f"reason_{i}" for i in range(1, REASONS + 1)]] = reasons(
        champions.churn, churn_input, frame["churn_risk"].isin(RISK_BANDS[RISK_BANDS.index(config.reasons):]),
        progress)
    frame[CLV_COLUMNS] = clv_scores(champions.clv, features[list(SUMMARY_COLUMNS)] if summary is None else summary,
                                    frame.index)
    for name in PROFILE_COLUMNS:
        frame[name] = features[name] if name in features else np.nan
    return frame


def tiered(frame: pd.DataFrame, as_of, versions: dict[str, str], config, reference: dict) -> pd.DataFrame:
    """The score frame (SCORE_COLUMNS) of `model_scores`: value tier and RFM scores against `reference`, the
    cut-off, the model `versions` and the segments."""
    frame = frame.reset_index()  # a new frame (copy on write): `frame` stays as it was
    frame.insert(1, "as_of", utc_timestamp(as_of).as_unit("ns"))
    frame["value_tier"] = value_tiers(frame["clv"].to_numpy(), reference["clv"])
    for name, source in RFM.items():
        frame[name] = rfm_score(frame[source].to_numpy(dtype=float), reference[source], lower_is_better=name == "r_score")
    for name, version in versions.items():
        frame[name] = version
    frame["segments"] = assign(frame, config.catalog())
    return frame[list(SCORE_COLUMNS)]


def churn_features(features: pd.DataFrame, names, config) -> list[str]:
    """The churn model's features, when the matrix has them all; else ValueError naming the missing
    ones and the tables that give them (the data lacks a table the model was trained with)."""
    names = [str(name) for name in names]
    missing = [name for name in names if name not in features.columns]
    if missing:
        family = families(config)
        tables = sorted({table for name in missing if name in family for table in builder(family[name]).tables})
        raise DataError(f"the churn model needs {len(missing)} feature(s) this data cannot give: {missing[:5]}"
                         f"{' ...' if len(missing) > 5 else ''}; they come from the table(s) {tables}")
    return names


def reasons(churn, features: pd.DataFrame, explain: pd.Series, progress: bool = False) -> np.ndarray:
    """reason_1..reason_<REASONS> (TreeSHAP, in words) for the rows where `explain` holds, else missing;
    in chunks, with a progress bar when `progress`: TreeSHAP costs far more than the probability."""
    texts = np.full((len(features), REASONS), None, dtype=object)
    rows = np.flatnonzero(explain.to_numpy())
    chunks = [rows[start:start + REASON_CHUNK] for start in range(0, len(rows), REASON_CHUNK)]
    for chunk in tqdm(chunks, desc="reasons", unit_scale=REASON_CHUNK, disable=not progress or len(chunks) < 2):
        explained = churn.explain(features.iloc[chunk], top=REASONS)
        columns = [f"reason_{i}" for i in range(1, REASONS + 1) if f"reason_{i}" in explained]
        texts[chunk, :len(columns)] = explained[columns].to_numpy()
    return texts


def clv_scores(clv, summary: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """CLV_COLUMNS per customer of `index`; missing for customers without a purchase (no value summary)."""
    summary = summary.reindex(index)
    known = summary[list(PURCHASE_COLUMNS)].notna().all(axis=1).to_numpy()
    values = pd.DataFrame(np.nan, index=index, columns=CLV_COLUMNS)
    if known.any():
        values.loc[known] = clv.predict(summary[known].astype(float)).reindex(columns=CLV_COLUMNS).to_numpy()
    return values


def risk_bands(probability: np.ndarray, risk) -> np.ndarray:
    """"low", "medium" or "high" by the thresholds of `risk` (RiskSettings); missing without a probability."""
    bands = np.select([probability >= risk.high, probability >= risk.medium], ["high", "medium"], "low").astype(object)
    bands[np.isnan(probability)] = None
    return bands


def reference_from(frame: pd.DataFrame, value) -> dict:
    """The clv quantiles of `value` (ValueSettings) and the RFM quintile edges among these customers (the
    frame's REFERENCE_COLUMNS, in any order of rows)."""
    def quantiles(column: str, levels) -> list[float]:
        known = frame[column].to_numpy(dtype=float)
        known = known[~np.isnan(known)]
        return [float(q) for q in np.quantile(known, levels)] if len(known) else []

    return {"clv": quantiles("clv", [value.medium, value.high])} | {
        source: quantiles(source, QUINTILES) for source in RFM.values()}


def value_tiers(clv: np.ndarray, edges: list[float]) -> np.ndarray:
    """"high" above the upper edge, "medium" above the lower one, else "low"; missing without a clv."""
    if not edges:
        return np.full(len(clv), None, dtype=object)
    tiers = np.select([clv > edges[1], clv > edges[0]], ["high", "medium"], "low").astype(object)
    tiers[np.isnan(clv)] = None
    return tiers


def rfm_score(values: np.ndarray, edges: list[float], lower_is_better: bool = False) -> np.ndarray:
    """1..5 by the quintile edges (5 the best: most recent, most frequent, highest spend); NaN when missing."""
    if not edges:
        return np.full(len(values), np.nan)
    below = np.searchsorted(np.asarray(edges), values, side="left").astype(float)
    scores = 5 - below if lower_is_better else 1 + below
    scores[np.isnan(values)] = np.nan
    return scores
