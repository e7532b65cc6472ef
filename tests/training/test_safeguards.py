"""Honest on weak data: a churn model no better than its baseline is not promoted, even with no champion."""

import numpy as np
import pytest

from cxmodels.simulate import simulate, write_world
from training.config import load_config
from training.pipeline import train
from training.registry import CHURN_MODEL, CLV_MODEL


@pytest.fixture(scope="module")
def noise(tmp_path_factory):
    """A contractual world whose cancellations are dealt out to random customers: nothing predicts them."""
    root = tmp_path_factory.mktemp("noise")
    world = simulate(2500, seed=8, contractual=True)
    cancellations = world.tables["cancellations"]
    ids = world.tables["customers"]["customer_id"].to_numpy()
    shuffled = np.random.default_rng(0).choice(ids, size=len(cancellations), replace=False)
    world.tables["cancellations"] = cancellations.assign(customer_id=shuffled)
    write_world(world, root / "world")
    config = load_config(None, report_dir=str(root / "reports"), snapshots={"count": 3})
    return train(root / "world", config, tracking_uri=f"sqlite:///{root / 'mlflow.db'}", progress=False)


def test_the_churn_model_is_refused_and_the_report_says_why(noise):
    churn = next(p for p in noise.promotions if p.model == CHURN_MODEL)
    assert not churn.promoted and churn.champion_version is None
    assert "does not beat its baseline, training churn rate" in churn.reason
    assert noise.metrics["churn_baseline_roc_auc"] == pytest.approx(0.5)
    assert "does not beat its baseline" in noise.report_path.read_text()
    assert next(p for p in noise.promotions if p.model == CLV_MODEL).promoted  # the CLV model is judged apart


def test_a_purchase_model_that_does_not_fit_gives_way_to_the_next_and_the_run_says_so(tmp_path, monkeypatch):
    from cxmodels.models import BTYDFitError, BTYDModel

    real = BTYDModel.fit

    def fit(self, X, y=None, sample_weight=None):
        if self.model == "bgnbd":
            raise BTYDFitError("bgnbd did not converge on 1,234 customers; tried penalizer 0.0: ...")
        return real(self, X, y, sample_weight)

    monkeypatch.setattr(BTYDModel, "fit", fit)
    write_world(simulate(1500, seed=4), tmp_path / "world")
    config = load_config(None, report_dir=str(tmp_path / "reports"), snapshots={"count": 3},
                         churn={"n_estimators": 40, "early_stopping_rounds": 10})
    result = train(tmp_path / "world", config, tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", progress=False)
    (note,) = [note for note in result.notes if "CLV purchase model" in note]
    assert note.startswith("The CLV purchase model is pareto, a fallback: bgnbd: bgnbd did not converge")
    assert note in result.report_path.read_text()
    assert "clv_log_likelihood" in result.metrics and "clv_param_r_se" in result.metrics
