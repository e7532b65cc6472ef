"""The simulator's partial-knowledge references: posteriors of the rates and of the state, and the churn
probabilities they give."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from cxmodels.simulate import simulate, true_churn_probability
from cxmodels.simulate.references.rates import rate_posterior_churn_probability, rate_posteriors
from cxmodels.simulate.references.state import (log_phi1, log_score_probability, at_risk_posterior,
                                                    state_filter, state_posterior_churn_probability)
from cxmodels.simulate.references.tables import table_posterior
from cxmodels.simulate.surveys import SURVEYS, score_bounds
from cxmodels.simulate.truth import states_at

AS_OF = pd.Timestamp("2025-06-01", tz="UTC")
HORIZON = 90


@pytest.fixture(scope="module")
def world():
    return simulate(20_000, seed=11, contractual=True)


@pytest.fixture(scope="module")
def open_world():
    return simulate(8_000, seed=12)


@pytest.fixture(scope="module")
def churned(world):
    churn = world.truth.set_index("customer_id")["churn_time"]
    return (churn >= AS_OF) & (churn < AS_OF + pd.Timedelta(days=HORIZON))


def _assert_calibrated(actual: np.ndarray, probability: np.ndarray) -> None:
    """The share of actual events matches the mean probability, within 4 standard errors."""
    assert abs(actual.mean() - probability.mean()) < 4 * np.sqrt((probability * (1 - probability)).sum()) / len(actual)


def _no_purchase(world):
    tx = world.tables["transactions"]
    window = (tx["timestamp"] >= AS_OF) & (tx["timestamp"] < AS_OF + pd.Timedelta(days=HORIZON)) & (tx["amount"] > 0)
    customers = world.truth["customer_id"]
    return pd.Series(~customers.isin(tx.loc[window, "customer_id"]).to_numpy(), index=customers)


def test_log_phi1_matches_its_definition():
    z = np.array([-30.0, -2.0, -1e-9, 0.0, 1e-9, 0.5, 40.0])
    expected = np.log(np.where(z == 0, 1.0, -np.expm1(-z) / np.where(z == 0, 1.0, z)))
    np.testing.assert_allclose(log_phi1(z), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("survey", range(len(SURVEYS)))
@pytest.mark.parametrize("mean", [-4.0, 0.3, 3.7, 12.0])
def test_score_probabilities_sum_to_one(survey, mean):
    low, high = (float(v[0]) for v in score_bounds(np.array([survey])))
    scores = np.arange(low, high + 1)
    codes = np.full(len(scores), survey)
    total = np.exp(log_score_probability(scores, np.full(len(scores), mean), codes)).sum()
    assert total == pytest.approx(1.0, abs=1e-9)


def test_rate_posteriors_are_calibrated(world):
    """Within each fifth of the posterior mean, the customers' true rates average that mean."""
    states = states_at(world.truth, AS_OF, "contractual")
    post = rate_posteriors(states, world.case_truth, world.tables["transactions"], AS_OF)
    truth = states.set_index("customer_id")
    engaged = post["at_risk_days"] == 0
    for mean, true in ((post["contact_shape"] * post["contact_scale"], truth["contact_rate"]),
                       (post["friction_a"] / (post["friction_a"] + post["friction_b"]), truth["friction"]),
                       (post["purchase_shape"] * post["purchase_scale"], truth["purchase_rate"])):
        fifth = pd.qcut(mean[engaged].rank(method="first"), 5, labels=False)
        by_fifth = pd.DataFrame({"mean": mean[engaged], "true": true[engaged]}).groupby(fifth).mean()
        np.testing.assert_allclose(by_fifth["true"], by_fifth["mean"], rtol=0.05)


def test_state_posterior_is_calibrated_and_sharp(world):
    posterior = at_risk_posterior(world, AS_OF)
    at_risk = (world.truth.set_index("customer_id").loc[posterior.index, "at_risk_time"] <= AS_OF).to_numpy()
    assert roc_auc_score(at_risk, posterior) > 0.95
    posterior = posterior.to_numpy()
    for subset in (np.full(len(posterior), True), posterior > 0.5):
        _assert_calibrated(at_risk[subset], posterior[subset])


def test_state_filter_agrees_with_the_exact_posterior(world):
    """The contractual closed form and the forward filter (told the customer is alive) are two derivations;
    they differ where observations minutes apart share a step (0.007 at most with steps of 0.01 days)."""
    exact = at_risk_posterior(world, AS_OF)
    filtered = state_filter(world, AS_OF, step_days=0.05).loc[exact.index]
    alive_at_risk = filtered["at_risk"] / (filtered["engaged"] + filtered["at_risk"])
    assert (alive_at_risk - exact).abs().mean() < 1e-4
    assert (alive_at_risk - exact).abs().max() < 0.05


def test_state_filter_is_calibrated(open_world):
    posterior = state_filter(open_world, AS_OF)
    truth = open_world.truth.set_index("customer_id").loc[posterior.index]
    gone = (truth["churn_time"] < AS_OF).to_numpy()
    at_risk = (truth["at_risk_time"] <= AS_OF).to_numpy() & ~gone
    np.testing.assert_allclose(posterior.sum(axis=1), 1)
    for state, actual in (("gone", gone), ("at_risk", at_risk)):
        probability = posterior[state].to_numpy()
        for subset in (np.full(len(probability), True), probability > 0.5):
            _assert_calibrated(actual[subset], probability[subset])
        assert roc_auc_score(actual, probability) > 0.95


@pytest.mark.parametrize("reference", ["rates", "state"])
@pytest.mark.parametrize("definition", ["contractual", "no_purchase"])
def test_references_know_less_than_the_oracle(world, open_world, churned, reference, definition):
    """Knowing less than the oracle costs Brier score, and the reference stays calibrated."""
    world = world if definition == "contractual" else open_world
    oracle = true_churn_probability(world.truth, AS_OF, HORIZON, definition)
    posterior = rate_posterior_churn_probability if reference == "rates" else state_posterior_churn_probability
    probability = posterior(world, AS_OF, HORIZON, definition)
    assert probability.index.equals(oracle.index)
    outcome = (churned if definition == "contractual" else _no_purchase(world))[oracle.index].to_numpy()
    _assert_calibrated(outcome, probability.to_numpy())
    assert brier_score_loss(outcome, oracle) < brier_score_loss(outcome, probability)
    assert roc_auc_score(outcome, probability) < roc_auc_score(outcome, oracle)
    assert roc_auc_score(outcome, probability) > 0.7


def test_rate_posterior_draws_are_reproducible(world):
    args = (world, AS_OF, HORIZON, "no_purchase")
    first = rate_posterior_churn_probability(*args, draws=16, seed=3)
    pd.testing.assert_series_equal(first, rate_posterior_churn_probability(*args, draws=16, seed=3))
    assert first.between(0, 1).all()


def test_the_tables_posterior_knows_least(world, churned):
    """Neither rates nor state known: calibrated, and below both references that know one of them."""
    posterior = table_posterior(world, AS_OF, HORIZON, draws=32)
    probability = posterior["churn_probability"]
    at_risk = (world.truth.set_index("customer_id").loc[posterior.index, "at_risk_time"] <= AS_OF).to_numpy()
    at_risk_probability = posterior["at_risk_probability"].to_numpy()
    for subset in (np.full(len(at_risk), True), at_risk_probability > 0.5):
        _assert_calibrated(at_risk[subset], at_risk_probability[subset])
    references = {name: posterior(world, AS_OF, HORIZON) for name, posterior in
                  (("rates", rate_posterior_churn_probability), ("state", state_posterior_churn_probability))}
    outcome = churned[probability.index].to_numpy()
    _assert_calibrated(outcome, probability.to_numpy())
    assert posterior["effective_draws"].median() > 16
    brier = brier_score_loss(outcome, probability)
    for reference in references.values():
        assert brier > brier_score_loss(outcome, reference.loc[probability.index])
    assert roc_auc_score(outcome, probability) > 0.7
