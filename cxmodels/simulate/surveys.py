"""Survey answers: the `surveys` table.

CES and CSAT follow support cases, CSAT follows some purchases, and NPS is a relationship
survey every NPS_EVERY_DAYS of tenure. Each answer is a latent score, rounded and clipped
to the scale: higher with satisfaction, lower At-risk, after a painful or unresolved case,
and (NPS) after a painful case in the last RECENT_PAIN_DAYS. Some answers carry a short
comment whose tone matches the score.
"""

import numpy as np
import pandas as pd

from cxmodels.data.contract import SURVEY_SCALES
from cxmodels.simulate.contacts import Cases
from cxmodels.simulate.population import Population
from cxmodels.simulate.sampling import expand, frame, order_by_customer, pick, timestamps, to_seconds
from cxmodels.simulate.transactions import Purchases

SURVEYS = ("nps", "csat", "ces")
NPS, CSAT, CES = range(3)
CES_AFTER_CASE, CSAT_AFTER_CASE = 0.2, 0.1  # response rates
CSAT_AFTER_PURCHASE = 0.01  # 5 % of purchases invited, 20 % respond
NPS_FIRST_DAY, NPS_EVERY_DAYS, NPS_RESPONSE = 90.0, 180.0, 0.12
RESPONSE_DELAY_DAYS = 1.0  # mean, exponential, after at least an hour
RECENT_PAIN_DAYS = 90.0

# Latent score = row . (1, satisfaction, at risk, painful case, unresolved case, recent painful case) + noise.
SATISFACTION, AT_RISK = 1, 2  # columns of SCORE_MODEL
SCORE_MODEL = np.array([
    [7.6, 1.3, -3.0, 0.0, 0.0, -1.5],   # nps 0-10
    [4.3, 0.35, -0.8, -1.5, -0.5, 0.0],  # csat 1-5
    [6.0, 0.2, -0.5, -2.6, -0.8, 0.0],   # ces 1-7
])
SCORE_NOISE = np.array([1.2, 0.6, 0.8])

COMMENT_SHARE = 0.2
COMMENTS = {
    "good": ("Great service, thank you", "Quick and easy", "Very happy with it", "Friendly and helpful staff",
             "Love the product", "Problem solved first time"),
    "neutral": ("It was okay", "Fine, nothing special", "Average experience", "Could be better"),
    "bad": ("Terrible experience", "Took far too long", "Nobody solved my problem", "Very disappointed",
            "Had to explain my issue three times", "Thinking of leaving"),
}


def nps_invitations(signup: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer, rank, time) of every NPS invitation between each customer's `signup` and `end` (days)."""
    count = np.maximum(np.ceil((end - signup - NPS_FIRST_DAY) / NPS_EVERY_DAYS), 0).astype(np.int64)
    customer, rank = expand(count)
    return customer, rank, signup[customer] + NPS_FIRST_DAY + NPS_EVERY_DAYS * rank


def _recent_pain(customer: np.ndarray, time: np.ndarray, cases: Cases, horizon: float) -> np.ndarray:
    """Whether each (customer, time) had a painful case end in the RECENT_PAIN_DAYS before."""
    stride = 2 * horizon + RECENT_PAIN_DAYS
    pain_key = np.sort(cases.customer[cases.painful] * stride + cases.end[cases.painful])
    key = customer * stride + time
    return np.searchsorted(pain_key, key) > np.searchsorted(pain_key, key - RECENT_PAIN_DAYS)


def score_bounds(survey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest score of each answer's survey."""
    low, high = np.array([SURVEY_SCALES[name] for name in SURVEYS], float).T
    return low[survey], high[survey]


def _comments(rng: np.random.Generator, survey: np.ndarray, score: np.ndarray):
    """A comment for COMMENT_SHARE of the answers, its tone from the score; null elsewhere."""
    low, high = score_bounds(survey)
    level = (score - low) / (high - low)
    tone = np.where(level >= 0.75, "good", np.where(level <= 0.4, "bad", "neutral"))
    index = np.zeros(len(score), np.int64)
    offset = 0
    for name, texts in COMMENTS.items():
        rows = tone == name
        index[rows] = offset + rng.integers(0, len(texts), int(rows.sum()))
        offset += len(texts)
    vocabulary = [text for texts in COMMENTS.values() for text in texts]
    return pick(vocabulary, index, missing=rng.random(len(score)) >= COMMENT_SHARE)


def simulate_surveys(pop: Population, purchases: Purchases, cases: Cases,
                     rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """The `surveys` table, sorted by customer, then time, and per row the latent score's mean had
    the customer been Engaged (the at-risk term adds SCORE_MODEL[:, AT_RISK])."""
    after_case = rng.random(len(cases.customer))
    ces, csat_case = after_case < CES_AFTER_CASE, after_case >= 1 - CSAT_AFTER_CASE
    csat_purchase = rng.random(len(purchases.customer)) < CSAT_AFTER_PURCHASE
    nps_customer, _, nps_time = nps_invitations(pop.signup, np.minimum(pop.churn, pop.horizon))  # while alive
    nps = rng.random(len(nps_customer)) < NPS_RESPONSE
    n_case = int(ces.sum() + csat_case.sum())

    customer = np.concatenate([cases.customer[ces], cases.customer[csat_case],
                               purchases.customer[csat_purchase], nps_customer[nps]])
    sent = np.concatenate([cases.end[ces], cases.end[csat_case], purchases.time[csat_purchase], nps_time[nps]])
    survey = np.repeat([CES, CSAT, CSAT, NPS], [ces.sum(), csat_case.sum(), csat_purchase.sum(), nps.sum()])
    painful = np.zeros(len(customer), bool)
    painful[:n_case] = np.concatenate([cases.painful[ces], cases.painful[csat_case]])
    unresolved = np.zeros(len(customer), bool)
    unresolved[:n_case] = ~np.concatenate([cases.resolved[ces], cases.resolved[csat_case]])

    time = sent + np.where(survey == NPS, 0.0, 1 / 24) + rng.exponential(RESPONSE_DELAY_DAYS, len(customer))
    seconds = to_seconds(time)
    kept = seconds < pop.alive_until[customer]
    customer, time, seconds, survey = customer[kept], time[kept], seconds[kept], survey[kept]
    drivers = np.column_stack([
        np.ones(len(customer)), pop.satisfaction[customer], pop.is_at_risk(customer, time),
        painful[kept], unresolved[kept], (survey == NPS) & _recent_pain(customer, time, cases, pop.horizon),
    ])
    mean = (drivers * SCORE_MODEL[survey]).sum(axis=1)
    latent = mean + SCORE_NOISE[survey] * rng.standard_normal(len(survey))
    score = np.clip(np.round(latent), *score_bounds(survey))
    engaged_mean = mean - drivers[:, AT_RISK] * SCORE_MODEL[survey, AT_RISK]

    rows = order_by_customer(customer, seconds)
    return frame({
        "customer_id": pop.customer_id.take(customer[rows]),
        "timestamp": timestamps(pop.start, seconds[rows]),
        "survey": pick(SURVEYS, survey[rows]),
        "score": score[rows],
        "comment": _comments(rng, survey[rows], score[rows]),
    }), engaged_mean[rows]
