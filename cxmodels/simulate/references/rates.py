"""The best churn probability a customer's history allows: the oracle without the customer's own rates.

`true_churn_probability` knows each customer's rates: how often they will open a support
case, how likely a case is to go badly, how fast they buy, how long they stay At-risk.
Data can only estimate those. This reference knows the rest of the latent truth (state,
onset time, satisfaction, plan, every past case with whether it was painful, every
purchase) and replaces the four unknown rates by their exact posterior given that history,
averaging the oracle's closed form over posterior draws.

The simulated tables are that history plus noise (which cases were painful only shows
through their contacts), so no model on the tables can beat this reference in expected
Brier score or log loss: it bounds what is learnable, where the oracle does not.

Posteriors, all conjugate or importance-weighted, under the priors of population.py:
- cases while Engaged are non-triggering cases of kind k at rate c * q_k(f) * (1 - TRIGGER_k)
  and staying Engaged means no triggering case, so with n cases (n_p painful, n_s smooth)
  over Engaged time T_E: contact rate c ~ Gamma(shape + n, rate + T_E) and friction
  f ~ Beta(a + n_p, b + n_s), independent;
- purchase rate ~ Gamma(shape + purchases, rate / plan multiplier + T_E + AT_RISK_PURCHASE_FACTOR * T_D);
- days At-risk d, after s days At-risk without churning: prior Gamma(shape, scale) times
  exp(-s / d), by self-normalised importance weights on prior draws.
"""

import numpy as np
import pandas as pd

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.simulate import population as pop
from cxmodels.simulate.truth import churn_probability_given, days_after, rates_of, states_at
from cxmodels.simulate.world import World

DRAWS = 256


def _count_before(rows: pd.DataFrame, time: str, customers: pd.Series, until: np.ndarray,
                  as_of: pd.Timestamp) -> np.ndarray:
    """Per customer, how many `rows` (with customer_id and `time`) come strictly before their `until`
    (days after `as_of`)."""
    limit = pd.Series(until, index=customers.to_numpy()).reindex(rows["customer_id"]).to_numpy()
    before = days_after(rows[time], as_of) < limit
    counts = rows.loc[before, "customer_id"].value_counts()
    return counts.reindex(customers.to_numpy(), fill_value=0).to_numpy(float)


def rate_posteriors(states: pd.DataFrame, case_truth: pd.DataFrame, transactions: pd.DataFrame,
                    as_of: pd.Timestamp) -> pd.DataFrame:
    """Per customer of `states` (from `states_at`): the posterior parameters of the contact rate
    (gamma shape, scale), friction (beta a, b) and purchase rate (gamma shape, scale), and the days
    At-risk without churning so far (the likelihood of the days At-risk)."""
    customers = states["customer_id"]
    alive = ~states["dead"].to_numpy()
    # Days relative to as_of; the triggering case starts at the onset, so Engaged cases come strictly before it.
    onset = np.fmin(days_after(states["at_risk_time"], as_of), 0)
    engaged_days = onset - days_after(states["signup_date"], as_of)
    at_risk_days = np.where(alive, -onset, 0)
    n_cases = _count_before(case_truth, "start", customers, onset, as_of)
    n_painful = _count_before(case_truth[case_truth["painful"]], "start", customers, onset, as_of)
    purchases = _count_before(transactions[transactions["amount"] > 0], "timestamp", customers,
                              np.zeros(len(states)), as_of)
    plan = states["plan"].map(dict(zip(pop.PLANS, pop.PLAN_PURCHASE_MULTIPLIER))).to_numpy(float)
    return pd.DataFrame({
        "contact_shape": pop.CONTACT_RATE_SHAPE + n_cases,
        "contact_scale": 1 / (pop.CONTACT_RATE_SHAPE / pop.CONTACT_RATE_MEAN + engaged_days),
        "friction_a": pop.FRICTION_BETA[0] + n_painful,
        "friction_b": pop.FRICTION_BETA[1] + n_cases - n_painful,
        "purchase_shape": pop.PURCHASE_RATE_SHAPE + purchases,
        "purchase_scale": 1 / (pop.PURCHASE_RATE_SHAPE / (pop.PURCHASE_RATE_MEAN * plan) + engaged_days
                               + pop.AT_RISK_PURCHASE_FACTOR * at_risk_days),
        "at_risk_days": at_risk_days,
    }, index=pd.Index(customers, name="customer_id"))


def rate_posterior_churn_probability(world: World, as_of, horizon_days: int, definition: str = "contractual",
                                     draws: int = DRAWS, seed: int = 0) -> pd.Series:
    """The churn probability in [as_of, as_of + horizon_days) given everything but the customer's rates.

    Same customers and definitions as `true_churn_probability`. Monte Carlo over `draws`
    posterior draws, reproducible by `seed`.
    """
    as_of = utc_timestamp(as_of)
    states = states_at(world.truth, as_of, definition)
    post = rate_posteriors(states, world.case_truth, world.tables["transactions"], as_of)
    post = {name: column.to_numpy() for name, column in post.items()}
    rng = np.random.default_rng(seed)
    rates = rates_of(states)
    total, weights = np.zeros(len(states)), np.zeros(len(states))
    for _ in range(draws):
        contact = rng.gamma(post["contact_shape"], post["contact_scale"])
        friction = rng.beta(post["friction_a"], post["friction_b"])
        purchase = rng.gamma(post["purchase_shape"], post["purchase_scale"])
        days = rng.gamma(pop.DAYS_AT_RISK_SHAPE, pop.DAYS_AT_RISK_MEAN / pop.DAYS_AT_RISK_SHAPE, len(states))
        weight = np.exp(-post["at_risk_days"] / days)
        rates |= {"trigger_rate": contact * (pop.case_kinds(friction) @ pop.TRIGGER), "at_risk_churn_rate": 1 / days,
                  "purchase_rate": purchase, "purchase_rate_at_risk": purchase * pop.AT_RISK_PURCHASE_FACTOR}
        total += weight * churn_probability_given(states, rates, horizon_days, definition)
        weights += weight
    return pd.Series(total / weights, index=pd.Index(states["customer_id"], name="customer_id"),
                     name="churn_probability")
