"""A simulated customer world with known truth, in the data-contract format.

Customers sign up over the first two thirds of [start, end) and move through latent
states Engaged -> At-risk -> Churned in continuous time. Most become At-risk through a
support case that went badly (painful, unresolved), a few drift there silently; At-risk,
they buy and log in less, visit the help, billing and cancellation pages, contact support
more and answer surveys worse. Purchases, support cases, surveys and digital events are
Poisson processes whose rates depend on the state.
The truth (traits, rates, state times) comes with the tables, and
`true_churn_probability` gives the exact churn probability a model is judged against.
"""

from cxmodels.data.simulate.truth import read_truth, true_churn_probability
from cxmodels.data.simulate.world import World, simulate, write_world

__all__ = ["World", "read_truth", "simulate", "true_churn_probability", "write_world"]
