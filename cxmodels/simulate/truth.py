"""The ground truth of a simulated world, and the exact churn probability it implies.

Given the latent state at `as_of` (Engaged or At-risk, tenure, traits), the chain
E -> D -> C with the customer's rates is a linear ODE whose rates are constant on at most
two pieces of the horizon (before and after the early-tenure breakpoint). Each piece has a
closed-form solution; composing them gives the exact probability.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.data.load import table_parts
from cxmodels.errors import ConfigError
from cxmodels.simulate import population
from cxmodels.simulate.contacts import Cases
from cxmodels.simulate.sampling import frame, pick, timestamps, to_seconds

TRUTH_DIR = "truth"
TRUTH_FILES = {"customer": "customer_truth.parquet", "case": "case_truth.parquet", "survey": "survey_truth.parquet"}
DEFINITIONS = ("contractual", "no_purchase")


def truth_frame(pop: population.Population, trigger_case_id: pa.Array) -> pd.DataFrame:
    """One row per customer: attributes, traits, rates and latent state times.

    Rates are per day. E -> D hazard: `onset_rate * early_onset_multiplier` below
    `early_tenure_days` of tenure, else `onset_rate` (drift), plus `trigger_rate` (support
    cases); E -> C: `direct_churn_rate`; D -> C: `at_risk_churn_rate`. Purchases come at
    `purchase_rate` in E and `purchase_rate_at_risk` in D, support cases at `contact_rate`
    and `contact_rate_at_risk`. `at_risk_time` and `churn_time` are NaT when not before the
    world's end; `at_risk_cause` is "support_case" (the case `trigger_case_id`) or "drift".
    """
    n = len(pop)
    at_risk_seen = pop.at_risk < pop.horizon
    churned = pop.churn < pop.horizon
    return frame({
        "customer_id": pop.customer_id,
        "signup_date": timestamps(pop.start, to_seconds(pop.signup)),
        "plan": pick(population.PLANS, pop.plan),
        "region": pick(population.REGIONS, pop.region),
        "satisfaction": pop.satisfaction,
        "purchase_rate": pop.purchase_rate,
        "purchase_rate_at_risk": pop.purchase_rate * population.AT_RISK_PURCHASE_FACTOR,
        "mean_spend": pop.mean_spend,
        "contact_rate": pop.contact_rate,
        "contact_rate_at_risk": pop.contact_rate * population.AT_RISK_CONTACT_FACTOR,
        "friction": pop.friction,
        "engagement_rate": pop.engagement_rate,
        "engagement_rate_at_risk": pop.engagement_rate * population.AT_RISK_ENGAGEMENT_FACTOR,
        "onset_rate": pop.onset_rate,
        "early_onset_multiplier": np.full(n, population.EARLY_ONSET_MULTIPLIER),
        "early_tenure_days": np.full(n, population.EARLY_TENURE_DAYS),
        "trigger_rate": pop.trigger_rate,
        "direct_churn_rate": np.full(n, population.DIRECT_CHURN_RATE),
        "at_risk_churn_rate": pop.at_risk_churn_rate,
        "at_risk_time": timestamps(pop.start, to_seconds(np.where(at_risk_seen, pop.at_risk, 0)), ~at_risk_seen),
        "churn_time": timestamps(pop.start, to_seconds(np.where(churned, pop.churn, 0)), ~churned),
        "at_risk_cause": pick(["drift", "support_case"], pop.triggered.astype(int), missing=~at_risk_seen),
        "trigger_case_id": trigger_case_id,
    })


def case_truth_frame(pop: population.Population, cases: Cases) -> pd.DataFrame:
    """One row per support case in the contacts: case_id, customer_id, start (its first contact), its kind:
    painful (the contacts only hint at it) and resolved, its other problems as drawn (transferred,
    extra_contacts; contacts after a churn are cut from the log) and the probability they gave it to trigger
    At-risk (triggers.py)."""
    return frame({
        "case_id": cases.case_id,
        "customer_id": pop.customer_id.take(pa.array(cases.customer)),
        "start": timestamps(pop.start, to_seconds(cases.start)),
        "painful": cases.painful,
        "resolved": cases.resolved,
        "transferred": cases.transferred,
        "extra_contacts": cases.extra_contacts,
        "trigger_probability": cases.trigger_probability,
    })


def read_truth(out_dir: Path | str, kind: str = "customer") -> pd.DataFrame:
    """The ground truth of one `kind` (customer, case or survey) written by `write_world` to `out_dir/truth/`, or
    by `parts.write_parts` as a folder of parts (concatenated)."""
    path = Path(out_dir) / TRUTH_DIR / TRUTH_FILES[kind]
    if path.exists():
        return pd.read_parquet(path)
    return pd.concat([pd.read_parquet(part) for part in table_parts(path.with_suffix(""))], ignore_index=True)


def _phi1(z: np.ndarray) -> np.ndarray:
    """(1 - exp(-z)) / z, and its limit 1 at z = 0."""
    small = np.abs(z) < 1e-8
    return np.where(small, 1 - z / 2, -np.expm1(-z) / np.where(small, 1.0, z))


def _phi2(z: np.ndarray) -> np.ndarray:
    """(1 - exp(-z) (1 + z)) / z**2, and its series near 0."""
    small = np.abs(z) < 1e-3
    safe = np.where(small, 1.0, z)
    return np.where(small, 0.5 - z / 3 + z**2 / 8, (-np.expm1(-safe) - safe * np.exp(-safe)) / safe**2)


def _time_in_d(exit_e: np.ndarray, exit_d: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Integral over [0, h] of the mass in D that entered it from E (per unit onset rate and unit E mass)."""
    d = exit_e - exit_d
    apart = np.abs(d * h) > 1e-4
    divided = h * (_phi1(exit_d * h) - _phi1(exit_e * h)) / np.where(apart, d, 1.0)
    return np.where(apart, divided, h**2 * _phi2((exit_e + exit_d) / 2 * h))


def evolve(p_e, p_d, p_c, h, onset, direct, at_risk_churn, kill_e, kill_d):
    """Masses in E, D and C after `h` days of constant rates; `kill_*` remove mass (purchases).

    Exact solution of dE = -(onset + direct + kill_e) E, dD = onset E - (at_risk_churn + kill_d) D,
    dC = direct E + at_risk_churn D.
    """
    exit_e, exit_d = onset + direct + kill_e, at_risk_churn + kill_d
    stay_d = np.exp(-exit_d * h)
    time_in_e = p_e * h * _phi1(exit_e * h)
    time_in_d = p_d * h * _phi1(exit_d * h) + p_e * onset * _time_in_d(exit_e, exit_d, h)
    new_e = p_e * np.exp(-exit_e * h)
    # (exp(-a h) - exp(-b h)) / ((b - a) h) = exp(-min(a, b) h) * phi1(|b - a| h): no overflow.
    entered_d = h * np.exp(-np.minimum(exit_e, exit_d) * h) * _phi1(np.abs(exit_e - exit_d) * h)
    new_d = p_d * stay_d + p_e * onset * entered_d
    return new_e, new_d, p_c + direct * time_in_e + at_risk_churn * time_in_d


RATES = ("onset_rate", "early_onset_multiplier", "early_tenure_days", "trigger_rate", "direct_churn_rate",
         "at_risk_churn_rate", "purchase_rate", "purchase_rate_at_risk")


def days_after(times: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    """Days from `as_of` to each time (negative before it, NaN where missing)."""
    return ((times - as_of) / pd.Timedelta(days=1)).to_numpy(float)


def states_at(truth: pd.DataFrame, as_of, definition: str) -> pd.DataFrame:
    """The customers a churn probability at `as_of` is for, with their state then: the truth's rows
    plus `dead` (churned before), `at_risk` (At-risk then) and `tenure` (days).

    "contractual": customers signed up before `as_of` and not churned before it; "no_purchase":
    every customer signed up before `as_of`.
    """
    if definition not in DEFINITIONS:
        raise ConfigError(f"definition must be one of {DEFINITIONS}, got {definition!r}")
    as_of = utc_timestamp(as_of)
    churned = (truth["churn_time"] < as_of).to_numpy()
    eligible = (truth["signup_date"] < as_of).to_numpy(copy=True)
    if definition == "contractual":
        eligible &= ~churned
    dead = churned[eligible]
    return truth[eligible].assign(
        dead=dead,
        at_risk=(truth.loc[eligible, "at_risk_time"] <= as_of).to_numpy() & ~dead,
        tenure=-days_after(truth.loc[eligible, "signup_date"], as_of),
    )


def rates_of(states: pd.DataFrame) -> dict[str, np.ndarray]:
    """The customers' own rates (RATES, contact_rate, engagement_rate), as arrays."""
    return {name: states[name].to_numpy(float) for name in RATES + ("contact_rate", "engagement_rate")}


def churn_probability_given(states: pd.DataFrame, rates: dict[str, np.ndarray], horizon_days: int,
                            definition: str) -> np.ndarray:
    """The exact churn probability in the horizon of the customers of `states_at`, given their `rates`
    (the columns RATES, per day)."""
    killing = definition == "no_purchase"
    kill_e = rates["purchase_rate"] * killing
    kill_d = rates["purchase_rate_at_risk"] * killing
    at_risk, dead = states["at_risk"].to_numpy(), states["dead"].to_numpy()
    early = np.clip(rates["early_tenure_days"] - states["tenure"].to_numpy(), 0, horizon_days)
    pieces = [(early, rates["onset_rate"] * rates["early_onset_multiplier"]), (horizon_days - early, rates["onset_rate"])]
    p_e, p_d, p_c = (~at_risk & ~dead).astype(float), at_risk.astype(float), dead.astype(float)
    for length, onset in pieces:
        p_e, p_d, p_c = evolve(p_e, p_d, p_c, length, onset + rates["trigger_rate"], rates["direct_churn_rate"],
                               rates["at_risk_churn_rate"], kill_e, kill_d)
    return np.clip(p_e + p_d + p_c if killing else p_c, 0, 1)


def true_churn_probability(truth: pd.DataFrame, as_of, horizon_days: int,
                           definition: str = "contractual") -> pd.Series:
    """The exact churn probability in [as_of, as_of + horizon_days), by customer_id.

    "contractual": P(churn in the window), for customers signed up before `as_of` and not
    churned before it. "no_purchase": P(no purchase in the window), for every customer
    signed up before `as_of` (1 for those already churned). Both condition on the latent
    state at `as_of` and the customer's own rates.
    """
    states = states_at(truth, as_of, definition)
    rates = rates_of(states)
    return pd.Series(churn_probability_given(states, rates, horizon_days, definition),
                     index=pd.Index(states["customer_id"], name="customer_id"), name="churn_probability")
