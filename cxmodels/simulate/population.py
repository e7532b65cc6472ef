"""Customers, their latent traits, and their path Engaged -> At-risk -> Churned.

Every rate is per day. A customer is Engaged (E) from signup. Most become At-risk (D)
through a support case that went badly: each case is painful with probability `friction`,
resolved or not, and triggers D by a noisy-OR of its problems (triggers.py: pain, unresolved,
transferred, extra contacts); TRIGGER is the mean of that probability by kind (a painful unresolved
case mostly does, a smooth resolved one rarely), so cases trigger D at `trigger_rate`. The rest
drift into D silently at `onset_rate`, higher with low satisfaction and EARLY_ONSET_MULTIPLIER
times higher in the first EARLY_TENURE_DAYS.
From E they may also churn directly at DIRECT_CHURN_RATE; from D they churn at
`at_risk_churn_rate`. In D they buy, log in and answer surveys less, and contact support more.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from cxmodels.simulate.sampling import (choose, draw_weighted, frame, labels, pick, poisson_points, timestamps,
                                        to_seconds)
from cxmodels.simulate.triggers import TRIGGER_BY_MASK, EngagedCases, draw_profiles, trigger_probability

SIGNUP_SHARE = 2 / 3  # customers sign up uniformly over the first two thirds of [start, end)

PLANS = ("basic", "standard", "premium")
PLAN_SHARES = (0.5, 0.35, 0.15)
PLAN_PURCHASE_MULTIPLIER = np.array([0.8, 1.0, 1.4])
PLAN_ONSET_MULTIPLIER = np.array([1.15, 1.0, 0.8])
REGIONS = ("north", "south", "east", "west")
REGION_SHARES = (0.3, 0.25, 0.25, 0.2)

PURCHASE_RATE_SHAPE, PURCHASE_RATE_MEAN = 1.5, 0.045  # orders per day, gamma across customers
AT_RISK_PURCHASE_FACTOR = 0.4
MEAN_SPEND_SHAPE, MEAN_SPEND_MEAN = 3.0, 45.0  # per-customer mean order value, gamma
CONTACT_RATE_SHAPE, CONTACT_RATE_MEAN = 1.0, 3.0 / 365  # support cases per day while Engaged, gamma
AT_RISK_CONTACT_FACTOR = 2.0
FRICTION_BETA = (1.5, 5.0)  # probability a case is painful, beta (mean 0.23)
RESOLVED = (0.95, 0.5)  # probability a case ends resolved: smooth, painful
TRIGGER = TRIGGER_BY_MASK[0]  # mean P(case triggers D) by case kind, see `case_kinds` and triggers.py
ENGAGEMENT_RATE_SHAPE, ENGAGEMENT_RATE_MEAN = 2.0, 0.135  # digital events per day, gamma
AT_RISK_ENGAGEMENT_FACTOR = 0.5

BASE_ONSET_RATE = 0.03 / 365  # drift hazard at satisfaction 0, standard plan, after the early period
SATISFACTION_EFFECT = 0.5  # onset_rate = BASE_ONSET_RATE * exp(-SATISFACTION_EFFECT * satisfaction) * plan
EARLY_ONSET_MULTIPLIER, EARLY_TENURE_DAYS = 2.0, 180.0
DIRECT_CHURN_RATE = 0.04 / 365
DAYS_AT_RISK_SHAPE, DAYS_AT_RISK_MEAN = 4.0, 60.0  # mean time in D per customer, gamma

CANCELLATION_REASONS = ("price", "not using it", "switched to a competitor", "poor service",
                        "issue not resolved", "moving away", "no longer needed")
REASON_WEIGHTS = {  # by how the customer got to churn
    "drift": (0.35, 0.35, 0.3, 0.0, 0.0, 0.0, 0.0),
    "support_case": (0.1, 0.0, 0.2, 0.4, 0.3, 0.0, 0.0),
    "direct": (0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5),
}


@dataclass
class Population:
    """Per-customer arrays; times are float days since the world's start, inf when never."""

    start: pd.Timestamp
    horizon: float  # the world's end, in days
    customer_id: pa.Array
    signup: np.ndarray
    plan: np.ndarray
    region: np.ndarray
    satisfaction: np.ndarray
    purchase_rate: np.ndarray
    mean_spend: np.ndarray
    contact_rate: np.ndarray
    friction: np.ndarray
    engagement_rate: np.ndarray
    onset_rate: np.ndarray
    trigger_rate: np.ndarray
    at_risk_churn_rate: np.ndarray
    at_risk: np.ndarray
    churn: np.ndarray
    triggered: np.ndarray  # entered D through a support case (that case starts at `at_risk`)
    fixed: np.ndarray  # bit mask of the problems (triggers.FIXABLE) removed for the customer; 0 in the world as is
    engaged: EngagedCases  # the cases while Engaged, the onset's among them
    trigger_row: np.ndarray  # per customer, the row of `engaged` of their first triggering case (-1: none)

    def __len__(self) -> int:
        return len(self.signup)

    @property
    def alive_until(self) -> np.ndarray:
        """Whole seconds: a customer's rows all come strictly before this (churn or the world's end)."""
        return to_seconds(np.minimum(self.churn, self.horizon))

    def state_intervals(self) -> tuple[np.ndarray, np.ndarray]:
        """(start, stop) of the E then D interval of each customer, interleaved [E0, D0, E1, D1, ...].

        A row sampled in interval k belongs to customer k // 2 and is at risk when k is odd.
        """
        end = np.minimum(self.churn, self.horizon)
        d_start = np.minimum(self.at_risk, end)
        return np.column_stack([self.signup, d_start]).ravel(), np.column_stack([d_start, end]).ravel()

    def is_at_risk(self, customer: np.ndarray, time: np.ndarray) -> np.ndarray:
        """Whether each customer was in D at `time` (days)."""
        return time >= self.at_risk[customer]


def case_kinds(friction: np.ndarray) -> np.ndarray:
    """Per customer, the probability of each kind of case: smooth unresolved, smooth resolved,
    painful unresolved, painful resolved (columns, in the order of TRIGGER)."""
    pain = np.asarray(friction)[:, None]
    smooth, painful = ((1 - share, share) for share in RESOLVED)
    return np.hstack([(1 - pain) * np.array(smooth), pain * np.array(painful)])


def draw_population(n: int, start: pd.Timestamp, horizon: float, rng: np.random.Generator,
                    contact_factor: float = 1.0, engagement_factor: float = 1.0,
                    fixed: np.ndarray | None = None, first_id: int = 1, total: int | None = None) -> Population:
    """Draw `n` customers: signup, attributes, traits and their latent state times; every customer's support
    case rate is `contact_factor` and digital engagement rate (logins) `engagement_factor` times the usual;
    `fixed`: per customer, the bit mask of the problems whose triggers are removed (default none).
    Their ids are numbered from `first_id`, as wide as those of `total` customers (default `n`): one part of a
    bigger world."""
    signup = np.sort(rng.random(n)) * horizon * SIGNUP_SHARE
    plan = choose(rng, PLAN_SHARES, n)
    region = choose(rng, REGION_SHARES, n)
    satisfaction = rng.standard_normal(n)
    purchase_rate = rng.gamma(PURCHASE_RATE_SHAPE, PURCHASE_RATE_MEAN / PURCHASE_RATE_SHAPE, n)
    mean_spend = rng.gamma(MEAN_SPEND_SHAPE, MEAN_SPEND_MEAN / MEAN_SPEND_SHAPE, n)
    contact_rate = rng.gamma(CONTACT_RATE_SHAPE, CONTACT_RATE_MEAN / CONTACT_RATE_SHAPE, n) * contact_factor
    friction = rng.beta(*FRICTION_BETA, n)
    engagement_rate = (rng.gamma(ENGAGEMENT_RATE_SHAPE, ENGAGEMENT_RATE_MEAN / ENGAGEMENT_RATE_SHAPE, n)
                       * engagement_factor)
    days_at_risk = rng.gamma(DAYS_AT_RISK_SHAPE, DAYS_AT_RISK_MEAN / DAYS_AT_RISK_SHAPE, n)

    onset_rate = BASE_ONSET_RATE * np.exp(-SATISFACTION_EFFECT * satisfaction) * PLAN_ONSET_MULTIPLIER[plan]
    fixed = np.zeros(n, np.int64) if fixed is None else fixed
    trigger_rate = contact_rate * (case_kinds(friction) * TRIGGER_BY_MASK[fixed]).sum(axis=1)

    # Onset from the base hazard: invert its piecewise-linear cumulative hazard at an Exp(1) draw.
    exposure = rng.standard_exponential(n)
    early_exposure = onset_rate * EARLY_ONSET_MULTIPLIER * EARLY_TENURE_DAYS
    base_onset = np.where(exposure < early_exposure,
                          exposure / (onset_rate * EARLY_ONSET_MULTIPLIER),
                          EARLY_TENURE_DAYS + (exposure - early_exposure) / onset_rate)
    direct_churn = rng.standard_exponential(n) / DIRECT_CHURN_RATE
    # The cases while Engaged, each triggering At-risk by its problems: the first that does is the onset.
    engaged = engaged_cases(rng, signup, np.minimum(signup + np.minimum(base_onset, direct_churn), horizon),
                            contact_rate, friction, fixed)
    trigger_time, trigger_row = engaged.first_trigger(n)
    trigger_onset = trigger_time - signup
    onset = np.minimum(base_onset, trigger_onset)
    direct = direct_churn < onset
    at_risk = np.where(direct, np.inf, signup + onset)
    churn = np.where(direct, signup + direct_churn, at_risk + rng.standard_exponential(n) * days_at_risk)

    return Population(
        start=start, horizon=horizon,
        customer_id=labels("C", np.arange(first_id, first_id + n), max(7, len(str(total or n)))),
        signup=signup, plan=plan, region=region, satisfaction=satisfaction,
        purchase_rate=purchase_rate * PLAN_PURCHASE_MULTIPLIER[plan], mean_spend=mean_spend,
        contact_rate=contact_rate, friction=friction, engagement_rate=engagement_rate,
        onset_rate=onset_rate, trigger_rate=trigger_rate, at_risk_churn_rate=1 / days_at_risk,
        at_risk=at_risk, churn=churn, triggered=~direct & (trigger_onset < base_onset), fixed=fixed,
        engaged=engaged, trigger_row=trigger_row,
    )


def engaged_cases(rng: np.random.Generator, start: np.ndarray, stop: np.ndarray, contact_rate: np.ndarray,
                  friction: np.ndarray, fixed: np.ndarray) -> EngagedCases:
    """The cases of each customer in [start, stop) at `contact_rate`, their kinds by `friction`, profiles, fix masks
    (`fixed`, per customer) and whether each triggers At-risk."""
    customer, time = poisson_points(rng, start, stop, contact_rate)
    kind = draw_weighted(rng, case_kinds(friction[customer]))
    extra, transferred = draw_profiles(rng, kind >= 2)
    mask = fixed[customer]
    probability = trigger_probability(kind >= 2, kind % 2 == 1, transferred, extra, mask)
    return EngagedCases(customer, time, kind, extra, transferred, mask, rng.random(len(time)) < probability)


def customers_table(pop: Population) -> pd.DataFrame:
    """The `customers` table: id, signup date, plan and region."""
    return frame({
        "customer_id": pop.customer_id,
        "signup_date": timestamps(pop.start, to_seconds(pop.signup)),
        "plan": pick(PLANS, pop.plan),
        "region": pick(REGIONS, pop.region),
    })


def churn_path(pop: Population) -> np.ndarray:
    """How each customer reaches churn: "support_case", "drift" (base onset) or "direct"."""
    return np.where(np.isinf(pop.at_risk), "direct", np.where(pop.triggered, "support_case", "drift"))


def cancellations_table(pop: Population, rng: np.random.Generator) -> pd.DataFrame:
    """The `cancellations` table: one row at the churn time of each customer churned before the end."""
    churned = np.flatnonzero(pop.churn < pop.horizon)
    path = churn_path(pop)[churned]
    reason = np.zeros(len(churned), np.int8)
    for name, weights in REASON_WEIGHTS.items():
        rows = path == name
        reason[rows] = choose(rng, weights, int(rows.sum()))
    return frame({
        "customer_id": pop.customer_id.take(pa.array(churned)),
        "timestamp": timestamps(pop.start, to_seconds(pop.churn[churned])),
        "reason": pick(CANCELLATION_REASONS, reason),
    })
