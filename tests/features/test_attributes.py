"""Customer attributes as features."""

import numpy as np
import pytest
from worlds import tiny

from cxmodels.features import FeatureConfig, build_features


def dataset():
    return tiny(
        customers=[("a", "2024-01-01", "pro", 30), ("b", "2024-01-01", "basic", None), ("c", "2024-01-01", None, 50)],
        transactions=[("a", "2024-03-01", 10), ("x", "2024-03-01", 5)],
    )


def test_text_as_category_numbers_as_float():
    matrix = build_features(dataset(), "2024-07-01", FeatureConfig(attributes=("plan", "age")))
    assert list(matrix.index) == ["a", "b", "c", "x"]
    assert str(matrix["plan"].dtype) == "category" and list(matrix["plan"].cat.categories) == ["basic", "pro"]
    assert matrix["plan"].astype(object).tolist()[:2] == ["pro", "basic"]
    assert matrix["plan"].isna().tolist() == [False, False, True, True]  # c has no plan, x is not in customers
    np.testing.assert_array_equal(matrix["age"], [30, np.nan, 50, np.nan])


def test_no_attributes_by_default_and_unknown_ones_fail():
    assert "plan" not in build_features(dataset(), "2024-07-01").columns
    with pytest.raises(ValueError, match="colour"):
        build_features(dataset(), "2024-07-01", FeatureConfig(attributes=("colour",)))


def test_name_collisions_are_refused():
    data = dataset()
    data.customers["tenure_days"] = 1.0
    with pytest.raises(ValueError, match="tenure_days"):
        build_features(data, "2024-07-01", FeatureConfig(attributes=("tenure_days",)))
