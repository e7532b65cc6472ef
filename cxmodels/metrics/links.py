"""The CX-to-churn links, measured on the user's own data: churn rate by experience band, with 95 % intervals.

At a cut-off whose churn labels are complete (by default the latest: the present of the data minus the
horizon), each customer of the snapshot population is put in one band per experience, from the features
as of the cut-off, and their churn over the horizon (`cxmodels.features.labels`) is counted per band:

- nps: the latest NPS answer's category (promoter, passive, detractor), or "no answer";
- ces: mean CES, hard (below 4), neutral (4 to below 6) or easy (6-7), or "no answer";
- csat: mean CSAT, low (below 3), neutral (3 to below 4) or satisfied (4-5), or "no answer";
- first_contact_resolution: of the cases of the last 90 days, all, some or none resolved at their first
  and only contact, or "no case";
- contacts_in_case: the most contacts on one case of the last 90 days, 1, 2, 3 or 4+, or "no case";
- wait: mean wait before a contact in the last 90 days, under 1 minute, 1-5, 5-15 or 15+ minutes, or
  "no contact".

These are associations, not effects: detractors may churn more for reasons that also make them
detractors. Bands are left out when the table they come from is absent.
"""

import numpy as np
import pandas as pd

from cxmodels.errors import DataError
from cxmodels.features import FeatureConfig, build_features, labels, snapshot_population
from cxmodels.features.snapshots import observed_until
from cxmodels.metrics.intervals import wilson_interval

COLUMNS = ["experience", "band", "customers", "churned", "churn_rate", "ci_low", "ci_high"]
MINUTE = 60.0


def _bands(values: pd.Series, edges: list[float], names: list[str], missing: str) -> pd.Series:
    """`names[i]` for values in [edges[i], edges[i + 1]); `missing` where the value is missing."""
    codes = np.searchsorted(np.asarray(edges[1:-1]), values.to_numpy(dtype=float), side="right")
    banded = pd.Series(np.asarray(names, dtype=object)[codes], index=values.index)
    return banded.where(values.notna(), missing)


def _resolution(share: pd.Series) -> pd.Series:
    banded = pd.Series(np.select([share >= 1, share > 0], ["all", "some"], "none"), index=share.index, dtype=object)
    return banded.where(share.notna(), "no case")


EXPERIENCES = {  # experience: (the feature it reads, how a value becomes a band, the bands in order)
    "nps": ("nps_category", lambda v: v.astype(object).where(v.notna(), "no answer"),
            ["promoter", "passive", "detractor", "no answer"]),
    "ces": ("ces_mean", lambda v: _bands(v, [1, 4, 6, 8], ["hard", "neutral", "easy"], "no answer"),
            ["hard", "neutral", "easy", "no answer"]),
    "csat": ("csat_mean", lambda v: _bands(v, [1, 3, 4, 6], ["low", "neutral", "satisfied"], "no answer"),
             ["low", "neutral", "satisfied", "no answer"]),
    "first_contact_resolution": ("first_contact_resolution_rate_90d", _resolution, ["all", "some", "none", "no case"]),
    "contacts_in_case": ("most_contacts_on_one_case_90d",
                         lambda v: _bands(v.where(v >= 1), [1, 2, 3, 4, np.inf], ["1", "2", "3", "4+"], "no case"),
                         ["1", "2", "3", "4+", "no case"]),
    "wait": ("wait_time_mean_90d",
             lambda v: _bands(v, [0, MINUTE, 5 * MINUTE, 15 * MINUTE, np.inf],
                              ["under 1 min", "1-5 min", "5-15 min", "15+ min"], "no contact"),
             ["under 1 min", "1-5 min", "5-15 min", "15+ min", "no contact"]),
}


def link_table(dataset, as_of=None, horizon_days: int = 90, config: FeatureConfig | None = None) -> pd.DataFrame:
    """Churn rate over `horizon_days` by experience band (module docstring), one row per band: COLUMNS,
    with a Wilson 95 % interval. `as_of` defaults to the present of the data minus the horizon."""
    config = config or FeatureConfig()
    as_of = observed_until(dataset) - pd.Timedelta(days=horizon_days) if as_of is None else pd.Timestamp(as_of)
    counts, customers = band_counts_at(dataset, as_of, horizon_days, config)
    if not customers:  # e.g. a cut-off before the first purchase
        raise no_customer(as_of)
    table = churn_by_band(counts)
    table.attrs |= {"as_of": str(as_of), "horizon_days": horizon_days}
    return table


def band_counts_at(dataset, as_of: pd.Timestamp, horizon_days: int, config: FeatureConfig) -> tuple:
    """(`band_counts`, population size) of the snapshot population at `as_of`."""
    population = snapshot_population(dataset, as_of, config=config)
    if population.empty:
        return band_counts(pd.DataFrame(), []), 0
    features = build_features(dataset, as_of, config, population)
    churned = labels(dataset, as_of, horizon_days, population, config=config)["churned"]
    return band_counts(features, churned), len(population)


def no_customer(as_of) -> DataError:
    return DataError(f"no customer to link experience and churn at {as_of}: give a cut-off with customers")


def churn_by_experience(features: pd.DataFrame, churned) -> pd.DataFrame:
    """`link_table` from features already built and the churn labels of the same customers (in the same order)."""
    return churn_by_band(band_counts(features, churned))


def band_counts(features: pd.DataFrame, churned) -> pd.DataFrame:
    """Per experience band with customers: experience, band, customers, churned (counts of disjoint sets of
    customers add up)."""
    churned = pd.Series(np.asarray(churned, dtype=float), index=features.index)
    rows = []
    for experience, (feature, band_of, _) in EXPERIENCES.items():
        if feature in features:
            counts = churned.groupby(band_of(features[feature])).agg(["size", "sum"])
            rows.append(pd.DataFrame({"experience": experience, "band": counts.index, "customers": counts["size"],
                                      "churned": counts["sum"]}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COLUMNS[:4])


def churn_by_band(counts: pd.DataFrame) -> pd.DataFrame:
    """The link table from `band_counts` (of one set of customers, or the concatenated counts of disjoint sets):
    counts added per band, bands in their order, churn rate and Wilson interval."""
    totals = counts.groupby(["experience", "band"], sort=False)[["customers", "churned"]].sum()
    rows = []
    for experience, (_, _, order) in EXPERIENCES.items():
        if experience in totals.index.get_level_values(0):
            band = totals.loc[experience].reindex(order).dropna()
            low, high = wilson_interval(band["churned"], band["customers"])
            rows.append(pd.DataFrame({"experience": experience, "band": band.index, "customers": band["customers"],
                                      "churned": band["churned"], "churn_rate": band["churned"] / band["customers"],
                                      "ci_low": low, "ci_high": high}))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COLUMNS)
    return table.astype({"customers": int, "churned": int})
