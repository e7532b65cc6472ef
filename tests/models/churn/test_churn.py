"""The churn estimators: the scikit-learn contract (one battery over all), and the churn model's own rules."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cxmodels.features import FeatureConfig
from cxmodels.models.churn import ChurnModel, RandomValidationWarning
from cxmodels.models.churn.baselines import BGNBDChurnBaseline, LogisticChurnBaseline
from cxmodels.models.churn import UnknownCategoryWarning

PLANS = ["basic", "standard", "premium"]
FAST = {"n_estimators": 60, "learning_rate": 0.1, "min_child_samples": 20, "early_stopping_rounds": 10, "n_jobs": 1}


def snapshot_frame(seed: int = 0, customers: int = 400, dates: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    """A snapshot frame in the shape of `build_snapshots` without labels, and churn driven by its features."""
    rng = np.random.default_rng(seed)
    n = customers * dates
    frequency = rng.poisson(3, n).astype(float)
    T = rng.uniform(30, 400, n)
    recency = np.where(frequency > 0, T * rng.random(n), 0.0)
    contacts = rng.poisson(0.7, n)
    plan = rng.choice(3, n)
    X = pd.DataFrame({
        "as_of": np.repeat(pd.date_range("2024-01-01", periods=dates, freq="90D", tz="UTC"), customers),
        "customer_id": pd.Series([f"C{i % customers:05d}" for i in range(n)], dtype="str"),
        "days_since_last_purchase": T - recency,
        "contacts_90d": contacts,
        "nps_latest": np.where(rng.random(n) < 0.5, rng.integers(0, 11, n), np.nan),
        "frequency": frequency, "recency": recency, "T": T,
        "plan": pd.Categorical.from_codes(plan, categories=PLANS),
        "region": pd.Series(rng.choice(["north", "south", "east"], n), dtype="str"),
    })
    log_odds = -2.5 + 0.012 * (T - recency) + 0.6 * contacts + np.array([0.6, 0.0, -0.6])[plan]
    return X, pd.Series(rng.random(n) < 1 / (1 + np.exp(-log_odds)), name="churned")


ESTIMATORS = [ChurnModel(**FAST), LogisticChurnBaseline(), BGNBDChurnBaseline(horizon_days=90)]
IDS = ["churn_model", "logistic", "bgnbd"]


@pytest.fixture(scope="module")
def data():
    return snapshot_frame()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return {name: clone(estimator).fit(X, y) for name, estimator in zip(IDS, ESTIMATORS)}


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_constructor_only_stores_parameters_and_clone_keeps_them(estimator):
    params = estimator.get_params()
    twin = clone(estimator)
    assert twin.get_params() == params
    assert not [name for name in vars(twin) if name.endswith("_")]  # nothing learned before fit


@pytest.mark.parametrize("name", IDS)
def test_fit_returns_self_and_learns_underscored_attributes(name, fitted, data):
    model = fitted[name]
    X, _ = data
    assert list(model.feature_names_in_) == [c for c in X.columns if c not in ("as_of", "customer_id")]
    assert model.classes_.tolist() == [False, True]
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert model.predict(X).dtype == bool


@pytest.mark.parametrize("name", IDS)
def test_pickle_round_trip_predicts_the_same(name, fitted, data):
    X, _ = data
    again = pickle.loads(pickle.dumps(fitted[name]))
    np.testing.assert_array_equal(again.predict_proba(X), fitted[name].predict_proba(X))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_refuses_label_columns(estimator, data):
    X, y = data
    with pytest.raises(ValueError, match="label columns.*churned"):
        clone(estimator).fit(X.assign(churned=y), y)


@pytest.mark.parametrize("name", IDS)
def test_refuses_label_columns_at_predict(name, fitted, data):
    X, y = data
    with pytest.raises(ValueError, match="future_spend"):
        fitted[name].predict_proba(X.assign(future_spend=1.0))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_deterministic_with_a_seed(estimator, data):
    X, y = data
    first, second = clone(estimator).fit(X, y), clone(estimator).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


@pytest.mark.parametrize("name", ["churn_model", "logistic"])
def test_categories_fixed_at_fit(name, fitted, data):
    model = fitted[name]
    X, _ = data
    assert model.categories_ == {"plan": PLANS, "region": ["east", "north", "south"]}
    expected = model.predict_proba(X)
    # The same values with the categories in another order, or as plain text: the same predictions.
    reordered = X.assign(plan=X["plan"].cat.reorder_categories(PLANS[::-1]), region=X["region"].astype("category"))
    np.testing.assert_array_equal(model.predict_proba(reordered), expected)
    as_text = X.assign(plan=X["plan"].astype("str"))
    np.testing.assert_array_equal(model.predict_proba(as_text), expected)


@pytest.mark.parametrize("name", ["churn_model", "logistic"])
def test_an_unseen_category_is_missing_and_shifts_no_other(name, fitted, data):
    model = fitted[name]
    X, _ = data
    gold = X["plan"].cat.add_categories(["gold"]).cat.reorder_categories(["gold", *PLANS])
    gold[:5] = "gold"
    with pytest.warns(UnknownCategoryWarning, match="plan: 5 values not seen at fit"):
        predicted = model.predict_proba(X.assign(plan=gold))
    np.testing.assert_array_equal(predicted[5:], model.predict_proba(X)[5:])
    missing = X["plan"].copy()
    missing[:5] = np.nan
    np.testing.assert_array_equal(predicted[:5], model.predict_proba(X.assign(plan=missing))[:5])


@pytest.mark.parametrize("name", ["churn_model", "logistic"])
def test_predict_needs_the_features_of_fit(name, fitted, data):
    X, _ = data
    with pytest.raises(ValueError, match=r"missing \['contacts_90d'\]"):
        fitted[name].predict_proba(X.drop(columns="contacts_90d"))
    with pytest.raises(ValueError, match=r"not seen at fit \['extra'\]"):
        fitted[name].predict_proba(X.assign(extra=1.0))
    shuffled = X[X.columns[::-1]].drop(columns=["as_of", "customer_id"])  # ids optional, order free
    np.testing.assert_array_equal(fitted[name].predict_proba(shuffled), fitted[name].predict_proba(X))


def test_validation_is_the_latest_as_of(fitted, data):
    X, y = data
    assert fitted["churn_model"].validation_.startswith("out of time: the latest 1 as_of date(s), 2024-06-29")
    model = ChurnModel(**FAST, validation=2).fit(X, y)
    assert "latest 2 as_of date(s), 2024-03-31 to 2024-06-29, 800 rows" in model.validation_
    by_share = ChurnModel(**FAST, validation=0.5).fit(X, y)
    assert "latest 2 as_of date(s)" in by_share.validation_  # one date holds a third, two reach a half
    with pytest.raises(ValueError, match="leaves none to train on"):
        ChurnModel(**FAST, validation=3).fit(X, y)
    with pytest.raises(ValueError, match="validation must be"):
        ChurnModel(**FAST, validation=0).fit(X, y)


def test_rows_whose_labels_overlap_the_validation_period_are_left_out(data):
    X, y = data
    model = ChurnModel(**FAST, horizon_days=120).fit(X, y)  # the second snapshot's window ends after the third's as_of
    assert model.validation_.endswith("400 rows; 400 training rows left out, their labels overlap it")
    assert "left out" not in ChurnModel(**FAST, horizon_days=90).fit(X, y).validation_


def test_a_single_as_of_falls_back_to_a_random_split_and_says_so(data):
    X, y = data
    single = X["as_of"] == X["as_of"].min()
    with pytest.warns(RandomValidationWarning, match="single as_of"):
        model = ChurnModel(**FAST).fit(X[single], y[single])
    assert model.validation_ == "random: 20% of the rows, 80 rows"
    with pytest.warns(RandomValidationWarning, match="no as_of column"):
        ChurnModel(**FAST).fit(X.drop(columns="as_of"), y)


@pytest.mark.parametrize("calibration", [None, "isotonic", "sigmoid"])
def test_each_calibration(calibration, data):
    X, y = data
    model = ChurnModel(**FAST, calibration=calibration).fit(X, y)
    assert model.calibration_ == calibration and model.calibration_losses_ is None
    churn = model.predict_proba(X)[:, 1]
    assert 0 < churn.min() and churn.max() < 1


def test_auto_calibration_takes_the_lowest_out_of_fold_loss(fitted):
    model = fitted["churn_model"]
    losses = model.calibration_losses_
    assert set(losses) == {"none", "isotonic", "sigmoid"}
    assert (model.calibration_ or "none") == min(losses, key=losses.get)
    with pytest.raises(ValueError, match="calibration must be one of"):
        ChurnModel(calibration="beta").fit(*snapshot_frame(customers=50))


def test_explain_gives_reasons_in_words(data):
    X, y = data
    model = ChurnModel(**FAST, feature_config=FeatureConfig(attributes=("plan",))).fit(X, y)
    reasons = model.explain(X.iloc[:20], top=2)
    assert list(reasons.columns) == ["customer_id", "churn_probability", "reason_1", "reason_2", "feature_1",
                                     "contribution_1", "feature_2", "contribution_2"]
    assert reasons.index.equals(X.index[:20])
    np.testing.assert_allclose(reasons["churn_probability"], model.predict_proba(X.iloc[:20])[:, 1])
    first = reasons.iloc[0]
    value = X.iloc[0][first["feature_1"]]
    direction = "raises risk" if first["contribution_1"] > 0 else "lowers risk"
    assert first["reason_1"].endswith(f"({direction})")
    assert model.descriptions_[first["feature_1"]][1:] in first["reason_1"]
    assert str(value if isinstance(value, str) else round(value)) in first["reason_1"]
    assert model.descriptions_["plan"] == "the customer's plan"  # from the registry under the config
    assert (np.abs(reasons["contribution_1"]) >= np.abs(reasons["contribution_2"])).all()


def test_feature_importance_finds_the_drivers(fitted, data):
    X, _ = data
    importance = fitted["churn_model"].feature_importance(X)
    assert set(importance.index[:2]) == {"days_since_last_purchase", "contacts_90d"}
    assert importance.index[-1] not in {"days_since_last_purchase", "contacts_90d", "plan"}


def test_y_is_checked(data):
    X, y = data
    with pytest.raises(ValueError, match="two classes"):
        ChurnModel(**FAST).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="values, X has"):
        LogisticChurnBaseline().fit(X, y[:-1])
    with pytest.raises(TypeError, match="DataFrame"):
        LogisticChurnBaseline().fit(X.to_numpy(), y)


def test_no_warning_on_a_clean_fit_and_predict(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ChurnModel(**FAST).fit(X, y).predict_proba(X)
