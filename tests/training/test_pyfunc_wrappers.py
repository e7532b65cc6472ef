"""The MLflow pyfunc wrappers: they load a pickled estimator, predict, and refuse missing features."""

import pickle
from types import SimpleNamespace

import pandas as pd
import pytest

from cxmodels.data import load_dataset
from cxmodels.simulate import simulate, write_world
from cxmodels.features import LABEL_COLUMNS, build_snapshots, value_summary
from cxmodels.features.snapshots import observed_until
from cxmodels.models import BTYDModel
from cxmodels.models.churn import ChurnModel
from training.pyfunc import ESTIMATOR_ARTIFACT, ChurnPyfunc, CLVPyfunc, MissingFeaturesError


def loaded(wrapper, estimator, tmp_path):
    path = tmp_path / "estimator.pkl"
    path.write_bytes(pickle.dumps(estimator))
    wrapper.load_context(SimpleNamespace(artifacts={ESTIMATOR_ARTIFACT: str(path)}))
    return wrapper


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("world")
    write_world(simulate(800, seed=5), folder)
    return load_dataset(folder)


def test_churn_wrapper_gives_probabilities_and_reasons_and_refuses_missing_features(dataset, tmp_path):
    end = observed_until(dataset)
    dates = [end - pd.Timedelta(days=days) for days in (240, 210, 180)]
    frame = build_snapshots(dataset, dates, 90)
    X = frame.drop(columns=list(LABEL_COLUMNS))
    model = ChurnModel(n_estimators=20, early_stopping_rounds=5, calibration="sigmoid").fit(X, frame["churned"])
    wrapper = loaded(ChurnPyfunc(), model, tmp_path)
    served = X.drop(columns="as_of").head(4)
    out = wrapper.predict(None, served)
    assert list(out["customer_id"]) == list(served["customer_id"])
    assert out["churn_probability"].between(0, 1).all() and "reason_1" in out
    with pytest.raises(MissingFeaturesError, match="days_since_last_purchase"):
        wrapper.predict(None, served.drop(columns="days_since_last_purchase"))


def test_clv_wrapper_gives_the_value_columns_and_refuses_missing_features(dataset, tmp_path):
    summary = value_summary(dataset.transactions, observed_until(dataset))
    wrapper = loaded(CLVPyfunc(), BTYDModel().fit(summary), tmp_path)
    out = wrapper.predict(None, summary.head(3).reset_index(drop=True))
    assert list(out.columns) == ["p_alive", "expected_purchases", "expected_purchases_low", "expected_purchases_high",
                                 "expected_order_value", "clv", "clv_low", "clv_high"] and len(out) == 3
    with_ids = wrapper.predict(None, summary.head(3).reset_index())
    assert list(with_ids["customer_id"]) == list(summary.index[:3])
    with pytest.raises(MissingFeaturesError, match="monetary_value"):
        wrapper.predict(None, summary.drop(columns="monetary_value"))
