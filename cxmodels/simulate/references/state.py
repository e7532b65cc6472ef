"""The best churn probability the observations allow when the customer's rates are known: the oracle
without the latent state.

`true_churn_probability` knows whether a customer is Engaged, At-risk or gone at the cut-off;
data only hints at it. This reference knows the customer's rates and traits (and every past
case's kind and every survey's drivers) but not the state: it weighs the possible paths by the
likelihood of everything the tables show up to the cut-off and mixes the oracle's probabilities
by state with the resulting posterior. With cancellations (contractual), every customer it
scores is alive at the cut-off and the posterior is exact (`at_risk_posterior`); without, a
forward filter in small time steps also weighs whether the customer is gone (`state_filter`).

Contractual: relative to staying Engaged, an onset at time tau (days before the cut-off, s = -tau) has
likelihood ratio

    hazard(tau) * exp(sum of l_i over observations after tau + kappa * s + integral of the drift hazard over [tau, 0])

where each observation's l_i is log(rate At-risk / rate Engaged) of its kind (a purchase; a
session with its clicks; a case of trigger probability p_k (by its problems, triggers.py): 2 / (1 - p_k);
a survey answer: the ratio of the probabilities of its score), kappa is the rate Engaged minus the rate At-risk summed over
purchases, sessions, cases and exits, and the hazard is either the drift (a density in tau) or
a case that triggered (mass p_k / (1 - p_k) at the case's start). Between
observations the exponent is linear in tau, so the integral is closed-form.
"""

import numpy as np
import pandas as pd
from scipy.special import log_ndtr

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.simulate import events as ev
from cxmodels.simulate import population as pop
from cxmodels.simulate import surveys as sv
from cxmodels.simulate.truth import churn_probability_given, days_after, rates_of, states_at
from cxmodels.simulate.world import World


def log_phi1(z: np.ndarray) -> np.ndarray:
    """log((1 - exp(-z)) / z), stable for z of either sign and near 0."""
    small = np.abs(z) < 1e-8
    safe = np.where(small, 1.0, z)
    positive = np.log(-np.expm1(-np.abs(safe))) - np.log(np.abs(safe))
    return np.where(small, -z / 2, np.where(safe > 0, positive, positive - safe))


def log_score_probability(score: np.ndarray, mean: np.ndarray, survey: np.ndarray) -> np.ndarray:
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


PURCHASE, SESSION, CASE, ANSWER = range(4)  # observation kinds


def observations_before(world: World, as_of: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    """Every observation before `as_of` of the customers in `index`: customer (position), t (days
    after as_of), kind (PURCHASE, SESSION, CASE or ANSWER), l (log ratio At-risk / Engaged), trigger
    (log mass of an onset there; -inf when it cannot trigger), painful (cases), and for answers
    survey (code), score and engaged_mean (NaN elsewhere)."""
    tables = world.tables
    purchases = tables["transactions"].loc[tables["transactions"]["amount"] > 0, ["customer_id", "timestamp"]]
    purchases = purchases.assign(kind=PURCHASE, l=np.log(pop.AT_RISK_PURCHASE_FACTOR))

    events = tables["events"]
    engaged, at_risk = (np.array(ev.EVENT_SHARES[state]) for state in (False, True))
    clicked = engaged > 0  # every kind but the login that opens a session
    click = pd.Series(np.log(np.where(clicked, at_risk, 1) / np.where(clicked, engaged, 1)), index=ev.EVENTS)
    events = events.loc[events["timestamp"] < as_of]
    sessions = (events.assign(l=click.reindex(events["event"]).to_numpy())
                .groupby("session_id", sort=False).agg(customer_id=("customer_id", "first"),
                                                      timestamp=("timestamp", "min"), l=("l", "sum")))
    sessions = sessions.assign(kind=SESSION, l=sessions["l"] + np.log(pop.AT_RISK_ENGAGEMENT_FACTOR))

    cases = world.case_truth
    trigger = cases["trigger_probability"].to_numpy(float)
    with np.errstate(divide="ignore"):  # a case without problems cannot trigger: -inf
        log_trigger = np.log(trigger / (1 - trigger))
    cases = pd.DataFrame({"customer_id": cases["customer_id"], "timestamp": cases["start"], "kind": CASE,
                          "l": np.log(pop.AT_RISK_CONTACT_FACTOR / (1 - trigger)), "trigger": log_trigger,
                          "painful": cases["painful"]})

    answers = world.survey_truth
    survey = answers["survey"].map({name: code for code, name in enumerate(sv.SURVEYS)}).to_numpy()
    score = tables["surveys"]["score"].to_numpy(float)
    engaged = answers["engaged_mean"].to_numpy()
    at_risk = engaged + sv.SCORE_MODEL[survey, sv.AT_RISK]
    answers = answers[["customer_id", "timestamp"]].assign(
        kind=ANSWER, l=log_score_probability(score, at_risk, survey) - log_score_probability(score, engaged, survey),
        survey=survey, score=score, engaged_mean=engaged)

    rows = pd.concat([purchases, sessions.reset_index(drop=True), cases, answers], ignore_index=True)
    rows = rows.loc[rows["timestamp"] < as_of]
    customer = index.get_indexer(rows["customer_id"])
    return pd.DataFrame({"customer": customer, "t": days_after(rows["timestamp"], as_of),
                         "kind": rows["kind"].to_numpy(), "l": rows["l"].to_numpy(),
                         "trigger": rows["trigger"].fillna(-np.inf).to_numpy(),
                         "painful": rows["painful"].fillna(False).to_numpy(bool),
                         "survey": rows["survey"].fillna(-1).to_numpy(int), "score": rows["score"].to_numpy(float),
                         "engaged_mean": rows["engaged_mean"].to_numpy(float)})[customer >= 0]


def _group_logsumexp(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """log(sum(exp(values))) per group 0..n-1 (-inf for empty groups)."""
    top = np.full(n, -np.inf)
    np.maximum.at(top, group, values)
    safe = np.where(np.isfinite(top), top, 0.0)
    return safe + np.log(np.bincount(group, np.exp(values - safe[group]), minlength=n))


def onset_points(world: World, states: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The observations of `observations_before` for the customers of `states` (alive at `as_of`), with each
    customer's signup, end of early tenure and `as_of` added as points (kind -1, l 0), sorted by
    customer and time."""
    n = len(states)
    signup = days_after(states["signup_date"], as_of)
    early_end = np.minimum(signup + states["early_tenure_days"].to_numpy(float), 0)
    bounds = pd.DataFrame({"customer": np.tile(np.arange(n), 3), "t": np.concatenate([signup, early_end, np.zeros(n)]),
                           "kind": -1, "l": 0.0, "trigger": -np.inf})
    points = pd.concat([observations_before(world, as_of, pd.Index(states["customer_id"])), bounds], ignore_index=True)
    return points.sort_values(["customer", "t"], kind="stable", ignore_index=True).fillna({"painful": False,
                                                                                          "survey": -1})


def onset_log_odds(points: pd.DataFrame, states: pd.DataFrame, rates: dict, l: np.ndarray) -> np.ndarray:
    """Per customer of `states`, log P(At-risk) / P(Engaged) at the cut-off given the `onset_points`,
    each point's log ratio `l` and the customers' `rates` (as `rates_of` gives them)."""
    n = len(states)
    rate_engaged, rate_at_risk = _observation_rates(rates)
    kappa = rate_engaged - rate_at_risk + rates["direct_churn_rate"] - rates["at_risk_churn_rate"]
    late = rates["onset_rate"]
    early = late * rates["early_onset_multiplier"]
    early_end = np.minimum(-states["tenure"].to_numpy() + rates["early_tenure_days"], 0)
    customer, t, trigger = points["customer"].to_numpy(), points["t"].to_numpy(), points["trigger"].to_numpy()
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
    drift_terms = np.log(rate) + at_b + np.log(b - a) + log_phi1(beta * (b - a))
    # Triggering cases: the case itself is the onset, not an At-risk case.
    cases = np.isfinite(trigger)
    trigger_terms = trigger[cases] + log_ratio_at[cases] - l[cases]
    return _group_logsumexp(np.concatenate([drift_terms, trigger_terms]), np.concatenate([who, customer[cases]]), n)


def at_risk_posterior(world: World, as_of) -> pd.Series:
    """P(At-risk at `as_of` | the tables up to `as_of`, the customer's rates), for the customers alive then."""
    as_of = utc_timestamp(as_of)
    states = states_at(world.truth, as_of, "contractual")
    points = onset_points(world, states, as_of)
    log_z = onset_log_odds(points, states, rates_of(states), points["l"].to_numpy())
    return pd.Series(1 / (1 + np.exp(-log_z)), index=pd.Index(states["customer_id"], name="customer_id"),
                     name="at_risk_probability")


def _observation_rates(col: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per customer, the summed rate of purchases, sessions and cases while Engaged, and while At-risk."""
    engaged = col["purchase_rate"] + col["engagement_rate"] / ev.EVENTS_PER_SESSION + col["contact_rate"]
    at_risk = (col["purchase_rate"] * pop.AT_RISK_PURCHASE_FACTOR + col["contact_rate"] * pop.AT_RISK_CONTACT_FACTOR
               + col["engagement_rate"] / ev.EVENTS_PER_SESSION * pop.AT_RISK_ENGAGEMENT_FACTOR)
    return engaged, at_risk


def _unanswered_nps(world: World, states: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """NPS invitations before `as_of` with no answer (alive, a customer leaves one unanswered with
    probability 1 - NPS_RESPONSE; gone, always): customer (position) and t (days after as_of)."""
    signup = days_after(states["signup_date"], as_of)
    customer, rank, t = sv.nps_invitations(signup, np.zeros(len(states)))
    answers = world.survey_truth[world.survey_truth["survey"] == "nps"]
    answer_customer = pd.Index(states["customer_id"]).get_indexer(answers["customer_id"])
    answer_t = days_after(answers["timestamp"], as_of)
    answered = pd.MultiIndex.from_arrays([answer_customer, np.round(answer_t - signup[answer_customer]
                                                                     - sv.NPS_FIRST_DAY) // sv.NPS_EVERY_DAYS])
    asked = pd.MultiIndex.from_arrays([customer, rank])
    return pd.DataFrame({"customer": customer, "t": t})[~asked.isin(answered)]


def state_filter(world: World, as_of, step_days: float = 0.25) -> pd.DataFrame:
    """P(Engaged), P(At-risk), P(gone) at `as_of` given the tables up to `as_of` and the customer's rates,
    for every customer signed up before it (the non-contractual population: nobody's churn is seen).

    A forward filter over steps of `step_days` from each customer's signup: within a step the state
    moves by the exact transition probabilities, then every observation of the step weighs the states
    by its likelihood ratio (a case may also be the onset itself); a customer who is gone shows nothing
    and leaves every NPS invitation unanswered. Rows cut at churn (follow-up contacts, refunds, survey
    answers due after it) are not used.
    """
    as_of = utc_timestamp(as_of)
    states = states_at(world.truth, as_of, "no_purchase")
    n = len(states)
    col = rates_of(states)
    rate_engaged, rate_at_risk = _observation_rates(col)
    signup = days_after(states["signup_date"], as_of)
    obs = observations_before(world, as_of, pd.Index(states["customer_id"]))
    step = np.floor((obs["t"].to_numpy() - signup[obs["customer"].to_numpy()]) / step_days).astype(np.int64)
    nps = _unanswered_nps(world, states, as_of)
    nps_step = np.floor((nps["t"].to_numpy() - signup[nps["customer"].to_numpy()]) / step_days).astype(np.int64)
    obs_order, nps_order = np.argsort(step, kind="stable"), np.argsort(nps_step, kind="stable")
    obs_step, nps_step = step[obs_order], nps_step[nps_order]
    customer, l = obs["customer"].to_numpy()[obs_order], obs["l"].to_numpy()[obs_order]
    trigger_gain = np.exp(obs["trigger"].to_numpy()[obs_order] - l)  # 0 for observations that cannot trigger
    nps_customer = nps["customer"].to_numpy()[nps_order]

    p = np.zeros((3, n))
    p[0] = 1.0
    for k in range(int(np.ceil(-signup.min() / step_days))):
        start = signup + k * step_days
        length = np.clip(-start, 0, step_days)
        onset = col["onset_rate"] * np.where(start - signup < col["early_tenure_days"], col["early_onset_multiplier"], 1)
        leave_engaged = 1 - np.exp(-(onset + col["direct_churn_rate"]) * length)
        to_at_risk = leave_engaged * onset / (onset + col["direct_churn_rate"])
        gone = 1 - np.exp(-col["at_risk_churn_rate"] * length)
        p = np.array([p[0] * (1 - leave_engaged), p[0] * to_at_risk + p[1] * (1 - gone),
                      p[2] + p[0] * (leave_engaged - to_at_risk) + p[1] * gone])
        lo, hi = np.searchsorted(obs_step, [k, k + 1])
        seen = np.bincount(customer[lo:hi], minlength=n)
        ratio = np.exp(np.bincount(customer[lo:hi], l[lo:hi], minlength=n) + (rate_engaged - rate_at_risk) * length)
        triggered = np.bincount(customer[lo:hi], trigger_gain[lo:hi], minlength=n) * ratio
        lo, hi = np.searchsorted(nps_step, [k, k + 1])
        unanswered = np.bincount(nps_customer[lo:hi], minlength=n)
        p = np.array([p[0], p[1] * ratio + p[0] * triggered,
                      p[2] * (seen == 0) * np.exp(rate_engaged * length) / (1 - sv.NPS_RESPONSE) ** unanswered])
        p /= p.sum(axis=0)
    return pd.DataFrame(p.T, columns=["engaged", "at_risk", "gone"], index=pd.Index(states["customer_id"]))


def state_posterior_churn_probability(world: World, as_of, horizon_days: int, definition: str = "contractual",
                                      step_days: float = 0.25) -> pd.Series:
    """The churn probability in [as_of, as_of + horizon_days) given the tables up to `as_of` and the
    customer's rates, for the customers and definitions of `true_churn_probability`: "contractual"
    exactly (`at_risk_posterior`), "no_purchase" by `state_filter` with steps of `step_days`."""
    as_of = utc_timestamp(as_of)
    states = states_at(world.truth, as_of, definition)
    rates = rates_of(states)
    engaged, at_risk = (churn_probability_given(states.assign(at_risk=flag, dead=False), rates, horizon_days,
                                                definition) for flag in (False, True))
    if definition == "contractual":
        posterior = at_risk_posterior(world, as_of).to_numpy()
        probability = posterior * at_risk + (1 - posterior) * engaged
    else:
        posterior = state_filter(world, as_of, step_days)
        probability = (posterior["engaged"].to_numpy() * engaged + posterior["at_risk"].to_numpy() * at_risk
                       + posterior["gone"].to_numpy())
    return pd.Series(np.clip(probability, 0, 1), index=pd.Index(states["customer_id"], name="customer_id"),
                     name="churn_probability")
