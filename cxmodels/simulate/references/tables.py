"""The best churn probability the tables allow: neither the customer's rates nor their state known
(contractual worlds).

The oracle's probability averaged over the joint posterior of the customer's traits and
state given everything the tables show up to the cut-off (and, beyond the tables, each
past case's kind and each survey's other drivers, so no model on the tables can beat it
in expected Brier score). The traits are drawn by importance sampling:

- purchase, engagement and contact rates and friction from their conjugate posteriors had
  the customer stayed Engaged throughout (gamma and beta, under the priors of population.py);
- satisfaction and the days At-risk from their priors;
- each draw weighted by what that proposal leaves out: the odds of the At-risk paths
  (1 + Z from `onset_log_odds`), the survey answers given the drawn satisfaction, and the
  chance of no drift onset over the tenure at the drawn drift rate.

Not for non-contractual worlds: there a customer may be long gone, and rates drawn as if they
had stayed Engaged throughout fit them so badly that a handful of draws carry all the weight.
"""

import numpy as np
import pandas as pd

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.simulate import events as ev
from cxmodels.simulate import population as pop
from cxmodels.simulate import surveys as sv
from cxmodels.simulate.references.state import (ANSWER, CASE, PURCHASE, SESSION, log_score_probability,
                                                    onset_log_odds, onset_points)
from cxmodels.simulate.truth import churn_probability_given, rates_of, states_at
from cxmodels.simulate.world import World

DRAWS = 128


def _counts(points: pd.DataFrame, n: int, mask: np.ndarray) -> np.ndarray:
    return np.bincount(points["customer"].to_numpy()[mask], minlength=n).astype(float)


def table_posterior(world: World, as_of, horizon_days: int, draws: int = DRAWS, seed: int = 0) -> pd.DataFrame:
    """By customer alive at `as_of`: churn_probability in [as_of, as_of + horizon_days) (contractual
    definition), at_risk_probability at `as_of`, and effective_draws (the importance sample's size)."""
    as_of = utc_timestamp(as_of)
    states = states_at(world.truth, as_of, "contractual")
    n = len(states)
    points = onset_points(world, states, as_of)
    kind = points["kind"].to_numpy()
    tenure = states["tenure"].to_numpy()
    rates = rates_of(states)
    plan = states["plan"].map({name: code for code, name in enumerate(pop.PLANS)}).to_numpy()

    purchase_shape = pop.PURCHASE_RATE_SHAPE + _counts(points, n, kind == PURCHASE)
    purchase_rate = (pop.PURCHASE_RATE_SHAPE / (pop.PURCHASE_RATE_MEAN * pop.PLAN_PURCHASE_MULTIPLIER[plan])
                     + tenure)
    engagement_shape = pop.ENGAGEMENT_RATE_SHAPE + _counts(points, n, kind == SESSION)
    engagement_rate = pop.ENGAGEMENT_RATE_SHAPE / pop.ENGAGEMENT_RATE_MEAN + tenure / ev.EVENTS_PER_SESSION
    cases = _counts(points, n, kind == CASE)
    painful = _counts(points, n, (kind == CASE) & points["painful"].to_numpy(bool))
    contact_shape = pop.CONTACT_RATE_SHAPE + cases
    contact_rate = pop.CONTACT_RATE_SHAPE / pop.CONTACT_RATE_MEAN + tenure

    answers = kind == ANSWER
    survey = points["survey"].to_numpy()[answers].astype(int)
    score = points["score"].to_numpy()[answers]
    # The answers' means without the customer's own satisfaction term.
    satisfaction = states["satisfaction"].to_numpy()
    answer_customer = points["customer"].to_numpy()[answers]
    base_mean = (points["engaged_mean"].to_numpy()[answers]
                 - sv.SCORE_MODEL[survey, sv.SATISFACTION] * satisfaction[answer_customer])
    l = points["l"].to_numpy().copy()
    early_days = np.minimum(tenure, rates["early_tenure_days"])
    drift_exposure = tenure + (rates["early_onset_multiplier"] - 1) * early_days

    rng = np.random.default_rng(seed)
    log_weights, probabilities, at_risk_draws = np.empty((draws, n)), np.empty((draws, n)), np.empty((draws, n))
    for k in range(draws):
        purchase = rng.gamma(purchase_shape, 1 / purchase_rate)
        friction = rng.beta(pop.FRICTION_BETA[0] + painful, pop.FRICTION_BETA[1] + cases - painful)
        contact = rng.gamma(contact_shape, 1 / contact_rate)
        drawn_satisfaction = rng.standard_normal(n)
        days = rng.gamma(pop.DAYS_AT_RISK_SHAPE, pop.DAYS_AT_RISK_MEAN / pop.DAYS_AT_RISK_SHAPE, n)
        rates |= {
            "purchase_rate": purchase, "purchase_rate_at_risk": purchase * pop.AT_RISK_PURCHASE_FACTOR,
            "engagement_rate": rng.gamma(engagement_shape, 1 / engagement_rate),
            "contact_rate": contact, "trigger_rate": contact * (pop.case_kinds(friction) @ pop.TRIGGER),
            "at_risk_churn_rate": 1 / days,
            "onset_rate": (pop.BASE_ONSET_RATE * np.exp(-pop.SATISFACTION_EFFECT * drawn_satisfaction)
                           * pop.PLAN_ONSET_MULTIPLIER[plan]),
        }
        engaged_mean = base_mean + sv.SCORE_MODEL[survey, sv.SATISFACTION] * drawn_satisfaction[answer_customer]
        log_engaged = log_score_probability(score, engaged_mean, survey)
        l[answers] = log_score_probability(score, engaged_mean + sv.SCORE_MODEL[survey, sv.AT_RISK], survey) - log_engaged
        log_z = onset_log_odds(points, states, rates, l)
        log_weights[k] = (np.logaddexp(0, log_z) + np.bincount(answer_customer, log_engaged, minlength=n)
                          - rates["onset_rate"] * drift_exposure)
        at_risk = at_risk_draws[k] = 1 / (1 + np.exp(-log_z))
        engaged_p, at_risk_p = (churn_probability_given(states.assign(at_risk=flag), rates, horizon_days, "contractual")
                                for flag in (False, True))
        probabilities[k] = at_risk * at_risk_p + (1 - at_risk) * engaged_p
    weights = np.exp(log_weights - log_weights.max(axis=0))
    weights /= weights.sum(axis=0)
    return pd.DataFrame({"churn_probability": np.clip((weights * probabilities).sum(axis=0), 0, 1),
                         "at_risk_probability": (weights * at_risk_draws).sum(axis=0),
                         "effective_draws": 1 / (weights ** 2).sum(axis=0)},
                        index=pd.Index(states["customer_id"], name="customer_id"))


def table_posterior_churn_probability(world: World, as_of, horizon_days: int, draws: int = DRAWS,
                                      seed: int = 0) -> pd.Series:
    """The churn probability of `table_posterior`."""
    return table_posterior(world, as_of, horizon_days, draws, seed)["churn_probability"]
