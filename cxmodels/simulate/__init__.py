"""A simulated customer world with known truth, in the data-contract format.

Customers sign up over the first two thirds of [start, end) and move through latent
states Engaged -> At-risk -> Churned in continuous time. Most become At-risk through a
support case that went badly (painful, unresolved), a few drift there silently; At-risk,
they buy and log in less, visit the help, billing and cancellation pages, contact support
more and answer surveys worse. Purchases, support cases, surveys and digital events are
Poisson processes whose rates depend on the state.
The truth (traits, rates, state times; each case's kind; each survey's drivers) comes with the
tables, and `true_churn_probability` gives the exact churn probability a model is judged against.
References know less than that oracle: `rate_posterior_churn_probability` not the customer's
rates, `state_posterior_churn_probability` not their state, `table_posterior_churn_probability`
neither (contractual); `churn_references` gives them all. Each knows at least what the tables
show, so no model on the tables can beat it in expected Brier score.
"""

from cxmodels.simulate.references.rates import rate_posterior_churn_probability
from cxmodels.simulate.references.state import state_posterior_churn_probability
from cxmodels.simulate.references.tables import table_posterior_churn_probability
from cxmodels.simulate.references import churn_references
from cxmodels.simulate.truth import read_truth, true_churn_probability
from cxmodels.simulate.world import World, simulate, write_world

__all__ = ["World", "churn_references", "rate_posterior_churn_probability", "read_truth", "simulate",
           "state_posterior_churn_probability", "table_posterior_churn_probability", "true_churn_probability",
           "write_world"]
