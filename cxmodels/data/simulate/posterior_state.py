"""The best churn probability the observations allow when the customer's rates are known: the oracle
without the latent state (contractual worlds).

`true_churn_probability` knows whether a customer is Engaged or At-risk at the cut-off; data
only hints at it. This reference knows the customer's rates and traits (and every past
case's kind and every survey's drivers) but not the state: it weighs each possible onset
time by the likelihood of everything the tables show up to the cut-off, exactly, and mixes
the oracle's Engaged and At-risk probabilities by the resulting posterior. With
cancellations observed, every customer it scores is alive at the cut-off.

Relative to staying Engaged, an onset at time tau (days before the cut-off, s = -tau) has
likelihood ratio

    hazard(tau) * exp(sum of l_i over observations after tau + kappa * s + integral of the drift hazard over [tau, 0])

where each observation's l_i is log(rate At-risk / rate Engaged) of its kind (a purchase; a
session with its clicks; a case of kind k: 2 / (1 - TRIGGER_k); a survey answer: the ratio of
the probabilities of its score), kappa is the rate Engaged minus the rate At-risk summed over
purchases, sessions, cases and exits, and the hazard is either the drift (a density in tau) or
a case that triggered (mass TRIGGER_k / (1 - TRIGGER_k) at the case's start). Between
observations the exponent is linear in tau, so the integral is closed-form.
"""

import numpy as np
import pandas as pd
from scipy.special import log_ndtr

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.data.simulate import events as ev
from cxmodels.data.simulate import population as pop
from cxmodels.data.simulate import surveys as sv
from cxmodels.data.simulate.truth import RATES, churn_probability_given, days_after, states_at
from cxmodels.data.simulate.world import World


def _log_phi1(z: np.ndarray) -> np.ndarray:
    """log((1 - exp(-z)) / z), stable for z of either sign and near 0."""
    small = np.abs(z) < 1e-8
    safe = np.where(small, 1.0, z)
    positive = np.log(-np.expm1(-np.abs(safe))) - np.log(np.abs(safe))
    return np.where(small, -z / 2, np.where(safe > 0, positive, positive - safe))


def _log_score_probability(score: np.ndarray, mean: np.ndarray, survey: np.ndarray) -> np.ndarray:
    """log P(score | latent mean): the latent is normal, rounded and clipped to the scale."""
    low, high = sv.score_bounds(survey)
    noise = sv.SCORE_NOISE[survey]
    upper = np.where(score >= high, np.inf, (score + 0.5 - mean) / noise)
    lower = np.where(score <= low, -np.inf, (score - 0.5 - mean) / noise)
    # log(Phi(upper) - Phi(lower)) = log Phi(upper) + log1p(-exp(log Phi(lower) - log Phi(upper))),
    # in the lower tail (mirrored when the interval lies above 0, where Phi is close to 1).
    mirror = lower > 0
    upper, lower = np.where(mirror, -lower, upper), np.where(mirror, -upper, lower)
    log_upper = log_ndtr(upper)
    return log_upper + np.log1p(-np.exp(np.minimum(log_ndtr(lower) - log_upper, -1e-300)))


def _observations(world: World, as_of: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    """Every observation before `as_of` of the customers in `index`: customer (position), t (days
    after as_of), l (log ratio At-risk / Engaged) and trigger (log mass of an onset there; -inf
    when it cannot trigger)."""
    tables = world.tables
    purchases = tables["transactions"].loc[tables["transactions"]["amount"] > 0, ["customer_id", "timestamp"]]
    purchases = purchases.assign(l=np.log(pop.AT_RISK_PURCHASE_FACTOR))

    events = tables["events"]
    engaged, at_risk = (np.array(ev.EVENT_SHARES[state]) for state in (False, True))
    clicked = engaged > 0  # every kind but the login that opens a session
    click = pd.Series(np.log(np.where(clicked, at_risk, 1) / np.where(clicked, engaged, 1)), index=ev.EVENTS)
    events = events.loc[events["timestamp"] < as_of]
    sessions = (events.assign(l=click.reindex(events["event"]).to_numpy())
                .groupby("session_id", sort=False).agg(customer_id=("customer_id", "first"),
                                                      timestamp=("timestamp", "min"), l=("l", "sum")))
    sessions["l"] += np.log(pop.AT_RISK_ENGAGEMENT_FACTOR)

    cases = world.case_truth
    kind = 2 * cases["painful"].to_numpy(int) + cases["resolves"].to_numpy(int)
    cases = pd.DataFrame({"customer_id": cases["customer_id"], "timestamp": cases["start"],
                          "l": np.log(pop.AT_RISK_CONTACT_FACTOR / (1 - pop.TRIGGER[kind])),
                          "trigger": np.log(pop.TRIGGER[kind] / (1 - pop.TRIGGER[kind]))})

    answers = world.survey_truth
    survey = answers["survey"].map({name: code for code, name in enumerate(sv.SURVEYS)}).to_numpy()
    score = tables["surveys"]["score"].to_numpy(float)
    engaged = answers["engaged_mean"].to_numpy()
    at_risk = engaged + sv.SCORE_MODEL[survey, sv.AT_RISK]
    answers = answers[["customer_id", "timestamp"]].assign(
        l=_log_score_probability(score, at_risk, survey) - _log_score_probability(score, engaged, survey))

    rows = pd.concat([purchases, sessions.reset_index(drop=True), cases, answers], ignore_index=True)
    rows = rows.loc[rows["timestamp"] < as_of]
    customer = index.get_indexer(rows["customer_id"])
    return pd.DataFrame({"customer": customer, "t": days_after(rows["timestamp"], as_of), "l": rows["l"].to_numpy(),
                         "trigger": rows["trigger"].fillna(-np.inf).to_numpy()})[customer >= 0]


def _group_logsumexp(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """log(sum(exp(values))) per group 0..n-1 (-inf for empty groups)."""
    top = np.full(n, -np.inf)
    np.maximum.at(top, group, values)
    safe = np.where(np.isfinite(top), top, 0.0)
    return safe + np.log(np.bincount(group, np.exp(values - safe[group]), minlength=n))


def at_risk_posterior(world: World, as_of) -> pd.Series:
    """P(At-risk at `as_of` | the tables up to `as_of`, the customer's rates), for the customers alive then."""
    as_of = utc_timestamp(as_of)
    states = states_at(world.truth, as_of, "contractual")
    n = len(states)
    index = pd.Index(states["customer_id"])
    col = {name: states[name].to_numpy(float) for name in RATES + ("contact_rate", "engagement_rate")}
    kappa = (col["purchase_rate"] * (1 - pop.AT_RISK_PURCHASE_FACTOR)
             + col["engagement_rate"] / ev.EVENTS_PER_SESSION * (1 - pop.AT_RISK_ENGAGEMENT_FACTOR)
             + col["contact_rate"] * (1 - pop.AT_RISK_CONTACT_FACTOR)
             + col["direct_churn_rate"] - col["at_risk_churn_rate"])
    late = col["onset_rate"]
    early = late * col["early_onset_multiplier"]
    signup = days_after(states["signup_date"], as_of)
    early_end = np.minimum(signup + col["early_tenure_days"], 0)

    everyone = np.arange(n)
    bounds = pd.DataFrame({"customer": np.concatenate([everyone] * 3),
                           "t": np.concatenate([signup, early_end, np.zeros(n)]), "l": 0.0, "trigger": -np.inf})
    points = pd.concat([_observations(world, as_of, index), bounds], ignore_index=True)
    points = points.sort_values(["customer", "t"], kind="stable")
    customer, t = points["customer"].to_numpy(), points["t"].to_numpy()
    l, trigger = points["l"].to_numpy(), points["trigger"].to_numpy()
    # Sum of l over the points at or after each point, within its customer (points are grouped by customer).
    from_here = np.append(np.cumsum(l[::-1])[::-1], 0.0)
    after = from_here[:-1] - from_here[np.cumsum(np.bincount(customer, minlength=n))[customer]]
    drift_after = (late[customer] * -t + (early - late)[customer] * np.maximum(early_end[customer] - t, 0))
    log_ratio_at = after - kappa[customer] * t + drift_after  # onset just before the point

    # Drift onsets: between consecutive points a < b of a customer, with the drift of (a, b).
    same = customer[1:] == customer[:-1]
    a, b, who = t[:-1][same], t[1:][same], customer[1:][same]
    keep = b > a
    a, b, who, at_b = a[keep], b[keep], who[keep], log_ratio_at[1:][same][keep]
    rate = np.where(b <= early_end[who], early[who], late[who])
    beta = -(kappa[who] + rate)
    drift_terms = np.log(rate) + at_b + np.log(b - a) + _log_phi1(beta * (b - a))
    # Triggering cases: the case itself is the onset, not an At-risk case.
    cases = np.isfinite(trigger)
    trigger_terms = trigger[cases] + log_ratio_at[cases] - l[cases]

    log_z = _group_logsumexp(np.concatenate([drift_terms, trigger_terms]), np.concatenate([who, customer[cases]]), n)
    return pd.Series(1 / (1 + np.exp(-log_z)), index=index.rename("customer_id"), name="at_risk_probability")


def state_posterior_churn_probability(world: World, as_of, horizon_days: int) -> pd.Series:
    """P(churn in [as_of, as_of + horizon_days)) given the tables up to `as_of` and the customer's rates
    (contractual definition; the customers of `true_churn_probability`)."""
    as_of = utc_timestamp(as_of)
    states = states_at(world.truth, as_of, "contractual")
    rates = {name: states[name].to_numpy(float) for name in RATES}
    engaged, at_risk = (churn_probability_given(states.assign(at_risk=flag), rates, horizon_days, "contractual")
                        for flag in (False, True))
    posterior = at_risk_posterior(world, as_of).to_numpy()
    return pd.Series(posterior * at_risk + (1 - posterior) * engaged,
                     index=pd.Index(states["customer_id"], name="customer_id"), name="churn_probability")
