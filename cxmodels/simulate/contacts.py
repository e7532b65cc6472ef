"""Support cases and their contacts: the `contacts` table.

Cases arrive as a Poisson process at `contact_rate` while Engaged and
`contact_rate * AT_RISK_CONTACT_FACTOR` while At-risk. Each has a profile (kind: painful or
smooth, resolved or not, see population.py; extra contacts; transferred or not, see triggers.py)
and, while Engaged, triggers At-risk with the probability its problems give (triggers.py). The
cases while Engaged are drawn with the population (`engaged_cases`: the first that triggers is the
onset when it comes before the drift onset), so the triggering cases are a thinned Poisson process of
rate `trigger_rate`: Engaged time holds the cases that did not trigger, at rate
`contact_rate - trigger_rate`, their profiles in proportion to their probability times (1 - trigger
probability), plus the one that did, at `at_risk`, its profile in proportion to its probability
times the trigger probability (the references rely on this).

Painful cases look painful: more contacts on the case, channel switches, transfers, long
waits and handling, and less often resolved.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from cxmodels.simulate.population import AT_RISK_CONTACT_FACTOR, Population, case_kinds
from cxmodels.simulate.triggers import TRANSFERRED, draw_profiles, trigger_probability
from cxmodels.simulate.sampling import (choose, cumsum_within, draw_weighted, expand, frame, labels,
                                             order_by_customer, pick, poisson_points, timestamps, to_seconds)

FOLLOW_UP_DAYS = 2.0  # mean gap between contacts of a case, exponential, after at least an hour
CHANNELS = ("phone", "chat", "email", "social")
CHANNEL_SHARES = (0.4, 0.35, 0.2, 0.05)
SWITCH_CHANNEL = {False: 0.1, True: 0.5}  # a follow-up on another channel than the first contact
TOPICS = ("billing", "delivery", "product", "account", "technical")
TOPIC_SHARES = {False: (0.25, 0.25, 0.2, 0.2, 0.1), True: (0.35, 0.15, 0.1, 0.1, 0.3)}
HANDLE_MEDIAN_SECONDS = {False: 300.0, True: 720.0}  # lognormal, sigma 0.6
WAIT_MEAN_SECONDS = np.array([150.0, 60.0, 14_400.0, 3_600.0])  # by channel; x3 on painful cases
PAINFUL_WAIT_FACTOR = 3.0


@dataclass
class Cases:
    """One row per case with at least one contact, for the surveys that follow them."""

    case_id: pa.Array
    customer: np.ndarray
    start: np.ndarray  # time of the case's first contact (days)
    end: np.ndarray  # time of its last contact (days)
    painful: np.ndarray
    resolved: np.ndarray  # of a resolved kind: its last contact in the log says so
    transferred: np.ndarray  # at least one of its contacts was transferred (as drawn, before any cut at churn)
    extra_contacts: np.ndarray  # contacts after the first (as drawn, before any cut at churn)
    trigger_probability: np.ndarray  # P(it triggers At-risk) by its problems (triggers.py), the customer's fixes made


def _by_pain(painful: np.ndarray, values: dict) -> np.ndarray:
    return np.where(painful, values[True], values[False])


def _draw_cases(pop: Population, rng: np.random.Generator):
    """(customer, start time, kind, triggering, extra contacts, transferred, fix mask) of every case, in order of
    customer, then time: the cases while Engaged up to the onset (population.engaged_cases), then those At-risk."""
    engaged = pop.engaged
    onset_case = pop.trigger_row[pop.triggered & (pop.at_risk < pop.horizon)]
    triggering = np.zeros(len(engaged.time), bool)
    triggering[onset_case] = True
    kept = (engaged.time < pop.at_risk[engaged.customer]) | triggering
    engaged_time = np.where(triggering, pop.at_risk[engaged.customer], engaged.time)  # the onset, to the second
    d_start, d_stop = pop.state_intervals()[0][1::2], pop.state_intervals()[1][1::2]
    at_risk_customer, at_risk_time = poisson_points(rng, d_start, d_stop, pop.contact_rate * AT_RISK_CONTACT_FACTOR)
    at_risk_kind = draw_weighted(rng, case_kinds(pop.friction[at_risk_customer]))
    at_risk_extra, at_risk_transferred = draw_profiles(rng, at_risk_kind >= 2)

    customer = np.concatenate([engaged.customer[kept], at_risk_customer])
    start = np.concatenate([engaged_time[kept], at_risk_time])
    rows = order_by_customer(customer, to_seconds(start))
    columns = [np.concatenate([engaged_column[kept], at_risk_column])[rows] for engaged_column, at_risk_column in (
        (engaged.kind, at_risk_kind), (triggering, np.zeros(len(at_risk_time), bool)), (engaged.extra, at_risk_extra),
        (engaged.transferred, at_risk_transferred), (engaged.fixed, np.zeros(len(at_risk_time), np.int64)))]
    return customer[rows], start[rows], *columns


def _transfers(rng: np.random.Generator, case: np.ndarray, rank: np.ndarray, size: np.ndarray,
               transferred: np.ndarray, painful: np.ndarray) -> np.ndarray:
    """Per contact, whether it was transferred: in a transferred case each contact with probability
    TRANSFERRED[pain], at least one (the first such draw, else a random contact of the case); none otherwise."""
    p = np.where(painful[case], TRANSFERRED[1], TRANSFERRED[0])
    drawn = transferred[case] & (rng.random(len(case)) < p)
    any_drawn = np.bincount(case, drawn, minlength=len(size)) > 0
    forced = transferred & ~any_drawn
    chosen = rng.integers(0, np.maximum(size, 1))
    return drawn | (forced[case] & (rank == chosen[case]))


def simulate_contacts(pop: Population, rng: np.random.Generator) -> tuple[pd.DataFrame, Cases, pa.Array]:
    """The `contacts` table (sorted by customer, then time), its cases, and per customer the
    case_id of the case that made them At-risk (null for the others)."""
    case_customer, case_start, kind, triggering, extra, case_transferred, case_fixed = _draw_cases(pop, rng)
    painful, case_resolved = kind >= 2, kind % 2 == 1
    n_cases = len(case_customer)
    size = 1 + extra
    case, rank = expand(size)
    transferred = _transfers(rng, case, rank, size, case_transferred, painful)
    gap = np.where(rank == 0, 0.0, 1 / 24 + rng.exponential(FOLLOW_UP_DAYS, len(case)))
    time = case_start[case] + cumsum_within(gap, rank)
    customer = case_customer[case]
    seconds = to_seconds(time)
    kept = seconds < pop.alive_until[customer]
    case, rank, customer, time, seconds = case[kept], rank[kept], customer[kept], time[kept], seconds[kept]
    transferred = transferred[kept]
    case_painful = painful[case]
    n = len(case)

    first_channel = choose(rng, CHANNEL_SHARES, n_cases)[case]
    other_channel = (first_channel + rng.integers(1, len(CHANNELS), n)) % len(CHANNELS)
    switched = (rank > 0) & (rng.random(n) < _by_pain(case_painful, SWITCH_CHANNEL))
    channel = np.where(switched, other_channel, first_channel)
    topic = np.zeros(n_cases, np.int8)
    for pain in (False, True):
        topic[painful == pain] = choose(rng, TOPIC_SHARES[pain], int((painful == pain).sum()))
    handle = np.round(_by_pain(case_painful, HANDLE_MEDIAN_SECONDS) * np.exp(0.6 * rng.standard_normal(n)))
    wait_mean = WAIT_MEAN_SECONDS[channel] * np.where(case_painful, PAINFUL_WAIT_FACTOR, 1.0)
    wait = np.round(rng.exponential(wait_mean))
    last = np.ones(n, bool)
    last[:-1] = case[1:] != case[:-1]
    resolved = last & case_resolved[case]

    rows = order_by_customer(customer, seconds)
    case_ids = labels("T", np.arange(1, n_cases + 1), max(7, len(str(n_cases))))
    table = frame({
        "customer_id": pop.customer_id.take(customer[rows]),
        "timestamp": timestamps(pop.start, seconds[rows]),
        "channel": pick(CHANNELS, channel[rows]),
        "case_id": pick(case_ids, case[rows]),
        "topic": pick(TOPICS, topic[case[rows]]),
        "handle_time_seconds": handle[rows],
        "wait_time_seconds": wait[rows],
        "transferred": transferred[rows],
        "resolved": resolved[rows],
    })
    kept_case = case[last]
    cases = Cases(case_id=pick(case_ids, kept_case), customer=customer[last], start=case_start[kept_case],
                  end=time[last], painful=case_painful[last], resolved=resolved[last],
                  transferred=case_transferred[kept_case], extra_contacts=extra[kept_case],
                  trigger_probability=trigger_probability(painful[kept_case], case_resolved[kept_case],
                                                          case_transferred[kept_case], extra[kept_case],
                                                          case_fixed[kept_case]))
    trigger_case = np.full(len(pop), -1)
    trigger_case[case_customer[triggering]] = np.flatnonzero(triggering)
    return table, cases, pick(case_ids, trigger_case, missing=trigger_case < 0)
