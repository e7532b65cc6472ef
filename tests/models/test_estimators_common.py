"""One battery over every estimator of cxmodels.models: the scikit-learn contract each keeps.

Like tests/features/test_registry_common.py for the feature builders: each test runs over every
model class (BTYDModel once per purchase model, with and without the Gamma-Gamma spend part),
on small simulated worlds built once for the module.
"""

import inspect
import pickle
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from cxmodels.data.validate import validate_tables
from cxmodels.features import LABEL_COLUMNS, FeatureConfig, build_snapshots, value_summary
from cxmodels.models import (
    AdditiveChurnModel,
    BGNBDChurnBaseline,
    BTYDModel,
    ChurnModel,
    LightGBMCLVModel,
    LogisticChurnBaseline,
    ShiftedBetaGeometricModel,
    tenure_summary,
)
from cxmodels.simulate import simulate

AS_OF_DATES = ["2024-07-01", "2024-10-01", "2025-01-01"]  # the last is the cut-off of the CLV and tenure data
HORIZON_DAYS = 90
CONFIG = FeatureConfig(attributes=("plan", "region"))  # plan and region: text features, categories at fit
FEATURES = ["days_since_last_purchase", "purchases_90d", "spend_90d", "mean_order_value", "purchase_gap_mean",
            "days_since_last_contact", "contacts_90d", "nps_latest", "nps_category", "frequency", "recency", "T",
            "monetary_value", "tenure_days", "plan", "region"]  # a few of each kind, missing values included
FAST_TREES = {"n_estimators": 30, "n_jobs": 1}


@dataclass
class Case:
    """One estimator under test: an unfitted prototype, the data it takes, how it predicts.

    data: "churn" (a snapshot frame of 3 as_of dates and `churned`), "summary" (the value summary,
        frequency, recency, T, monetary_value), "purchases" (the value summary without monetary_value),
        "clv" (features and labels at the last as_of) or "tenure" (`tenure_summary`).
    weights: what fitting with sample weights can honestly promise (see test_sample_weight):
        "repeat": integer weights w give the fit on the rows repeated w times, within `rtol`;
        "ones": all-ones weights give the unweighted fit, and other weights change it.
    """

    id: str
    estimator: object
    data: str
    weights: str
    rtol: float = 0.0

    @property
    def methods(self) -> tuple[str, ...]:
        return ("predict_proba", "predict") if hasattr(self.estimator, "predict_proba") else ("predict",)

    @property
    def method(self) -> str:
        return self.methods[0]


# Why each weights promise:
# - BTYDModel, BGNBDChurnBaseline (which fits BTYDModel on the latest snapshot) and the sBG model maximise a
#   likelihood that is a sum over customers; they already fit the unique rows with their counts as weights,
#   so weights w give the very same compressed data as the rows repeated w times: the same optimum, up to
#   the optimiser's rounding (rtol 1e-6 on the predictions).
# - LogisticChurnBaseline: weighted logistic loss is the loss of the repeated rows; equal only if the median
#   imputation and the scaling are weighted too (then the same optimum up to lbfgs' tolerance, rtol 1e-4).
# - ChurnModel and LightGBMCLVModel (LightGBM): repetition is not weighting there: min_child_samples counts rows,
#   the histogram bins come from the rows, bagging draws repeated rows apart, the validation split and the
#   calibration see more rows. So only: weights of one are no weights (same trees), and weights matter.
CASES = [
    Case("churn_model", ChurnModel(**FAST_TREES, learning_rate=0.1, min_child_samples=20, early_stopping_rounds=10,
                                   horizon_days=HORIZON_DAYS, feature_config=CONFIG, random_state=1),
         "churn", "ones", 1e-9),
    Case("additive_churn", AdditiveChurnModel(n_estimators=60, n_jobs=1, horizon_days=HORIZON_DAYS), "churn", "ones",
         1e-9),
    Case("logistic_churn", LogisticChurnBaseline(C=0.5, max_iter=500), "churn", "repeat", 1e-4),
    Case("bgnbd_churn", BGNBDChurnBaseline(horizon_days=HORIZON_DAYS), "churn", "repeat", 1e-6),
    *(Case(f"btyd_{model}{suffix}", BTYDModel(model, horizon_days=180, discount_rate=0.05), data, "repeat", 1e-6)
      for model in ("bgnbd", "mbgnbd", "pareto")
      for suffix, data in (("_spend", "summary"), ("_no_spend", "purchases"))),
    Case("lightgbm_clv", LightGBMCLVModel(**FAST_TREES, min_child_samples=10, random_state=1), "clv", "ones", 1e-9),
    Case("sbg", ShiftedBetaGeometricModel(horizon_periods=6), "tenure", "repeat", 1e-6),
]
ESTIMATORS = pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
PREDICTING = pytest.mark.parametrize("case, method", [(case, method) for case in CASES for method in case.methods],
                                     ids=[f"{case.id}-{method}" for case in CASES for method in case.methods])


@pytest.fixture(scope="module")
def datasets():
    """(X, y) by Case.data; y is None for the estimators that fit X alone."""
    world = validate_tables(simulate(800, seed=3).tables).dataset
    contractual = validate_tables(simulate(800, seed=3, contractual=True).tables).dataset
    snapshots = build_snapshots(world, AS_OF_DATES, HORIZON_DAYS, CONFIG)
    churn_X = snapshots[["as_of", "customer_id", *FEATURES]]
    last = snapshots[snapshots["as_of"] == snapshots["as_of"].max()].set_index("customer_id")
    summary = value_summary(world.transactions, AS_OF_DATES[-1])
    assert summary["frequency"].gt(0).mean() > 0.5 and len(summary) > 500
    return {
        "churn": (churn_X, snapshots["churned"]),
        "summary": (summary, None),
        "purchases": (summary.drop(columns="monetary_value"), None),
        "clv": (last[FEATURES], last[list(LABEL_COLUMNS)]),
        "tenure": (tenure_summary(contractual, AS_OF_DATES[-1]), None),
    }


@pytest.fixture(scope="module")
def fitted(datasets):
    """fitted(case) -> (the estimator, what its fit returned); each case is fitted once, when first asked for."""
    cache = {}

    def get(case):
        if case.id not in cache:
            X, y = datasets[case.data]
            estimator = clone(case.estimator)
            cache[case.id] = estimator, fit(estimator, X, y)
        return cache[case.id]

    return get


def fit(estimator, X, y, **fit_params):
    return estimator.fit(X, **fit_params) if y is None else estimator.fit(X, y, **fit_params)


def predicted(case, estimator, X):
    return getattr(estimator, case.method)(X)


def as_array(predictions) -> np.ndarray:
    return predictions.to_numpy(dtype=float) if isinstance(predictions, pd.DataFrame) else np.asarray(predictions)


def assert_identical(left, right):
    if isinstance(left, pd.DataFrame):
        pd.testing.assert_frame_equal(left, right, check_exact=True)
    else:
        np.testing.assert_array_equal(left, right)


def learned(estimator) -> list[str]:
    """The attributes fit sets: those ending in an underscore (not dunder ones)."""
    return [name for name in vars(estimator) if name.endswith("_") and not name.startswith("__")]


def rows(data, positions):
    return None if data is None else data.iloc[positions]


@ESTIMATORS
def test_fit_returns_self_and_predicts_a_finite_row_per_input_row(case, datasets, fitted):
    X, _ = datasets[case.data]
    estimator, returned = fitted(case)
    assert returned is estimator
    assert learned(estimator)
    first, second = predicted(case, estimator, X), predicted(case, estimator, X)
    values = as_array(first)
    assert values.ndim == 2 and len(values) == len(X) and values.shape[1] >= 1
    assert np.isfinite(values).all()
    if isinstance(first, pd.DataFrame):
        assert first.index.equals(X.index)
        assert list(second.columns) == list(first.columns)
    else:  # predict_proba: P(not churned), P(churned)
        assert values.shape[1] == 2 and np.allclose(values.sum(axis=1), 1) and ((values >= 0) & (values <= 1)).all()
    assert as_array(second).shape == values.shape
    assert_identical(first, second)
    part = np.arange(0, len(X), 7)  # a row's prediction depends on its own row only
    some = predicted(case, estimator, X.iloc[part])
    assert as_array(some).shape == (len(part), values.shape[1])
    if isinstance(some, pd.DataFrame):
        assert list(some.columns) == list(first.columns) and some.index.equals(X.index[part])
    np.testing.assert_allclose(as_array(some), values[part], rtol=1e-10)


@ESTIMATORS
def test_clone_gives_an_unfitted_estimator_with_equal_params(case, fitted):
    estimator, _ = fitted(case)
    for original in (case.estimator, estimator):
        twin = clone(original)
        assert twin is not original and type(twin) is type(original)
        assert twin.get_params() == original.get_params()
        assert learned(twin) == [], learned(twin)


@ESTIMATORS
def test_init_only_stores_its_parameters(case):
    params = case.estimator.get_params(deep=False)
    assert set(params) == set(inspect.signature(type(case.estimator).__init__).parameters) - {"self"}
    rebuilt = type(case.estimator)(**params)
    assert set(vars(rebuilt)) == set(params)  # nothing else set, nothing learned
    for name, value in params.items():
        assert getattr(rebuilt, name) is value, name  # stored as given: not copied, checked or converted
    assert rebuilt.get_params(deep=False) == params


@ESTIMATORS
def test_pickle_round_trip_predicts_the_same(case, datasets, fitted):
    X, _ = datasets[case.data]
    estimator, _ = fitted(case)
    restored = pickle.loads(pickle.dumps(estimator))
    assert type(restored) is type(estimator) and restored.get_params() == estimator.get_params()
    assert_identical(predicted(case, restored, X), predicted(case, estimator, X))


@PREDICTING
def test_predicting_before_fit_raises_not_fitted_naming_the_class(case, method, datasets):
    X, _ = datasets[case.data]
    name = type(case.estimator).__name__
    with pytest.raises(NotFittedError) as raised:
        getattr(clone(case.estimator), method)(X)
    message = str(raised.value)
    assert re.search(rf"\b{name}\b", message), message
    assert re.search(r"(?i)\bcall\b.*\bfit\b", message), message


@ESTIMATORS
def test_sample_weight(case, datasets):
    """Integer weights act as repeated rows ("repeat"), or at least ones change nothing and others do ("ones")."""
    name = type(case.estimator).__name__
    if "sample_weight" not in inspect.signature(type(case.estimator).fit).parameters:
        pytest.skip(f"{name}.fit does not accept sample_weight")
    X, y = datasets[case.data]
    weights = np.random.default_rng(4).integers(1, 4, len(X))  # 1, 2 or 3
    unweighted = as_array(predicted(case, fit(clone(case.estimator), X, y), X))
    weighted = as_array(predicted(case, fit(clone(case.estimator), X, y, sample_weight=weights), X))
    if case.weights == "repeat":
        repeat = np.repeat(np.arange(len(X)), weights)
        repeated = as_array(predicted(case, fit(clone(case.estimator), rows(X, repeat), rows(y, repeat)), X))
        assert not np.allclose(repeated, unweighted, rtol=100 * case.rtol, atol=0)  # these weights do matter
        np.testing.assert_allclose(weighted, repeated, rtol=case.rtol, atol=case.rtol)
    else:
        ones = as_array(predicted(case, fit(clone(case.estimator), X, y, sample_weight=np.ones(len(X))), X))
        np.testing.assert_allclose(ones, unweighted, rtol=case.rtol, atol=0)
        assert not np.allclose(weighted, unweighted, rtol=1e-6, atol=0), f"{name} ignores sample_weight"


@ESTIMATORS
def test_deterministic(case, datasets):
    """Two fits on the same data, with the same random_state where there is one, predict exactly alike."""
    X, y = datasets[case.data]
    seeded = {"random_state": 7} if "random_state" in case.estimator.get_params() else {}
    first, second = (fit(clone(case.estimator).set_params(**seeded), X, y) for _ in range(2))
    assert_identical(predicted(case, first, X), predicted(case, second, X))
