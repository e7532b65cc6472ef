"""build_features: population, cut-off forms, the registry's descriptions."""

from datetime import datetime, timezone

import pandas as pd
import pytest
from worlds import AS_OF, tiny

from cxmodels.data.dataset import Dataset
from cxmodels.features import REGISTRY, FeatureConfig, build_features, describe, families


def test_default_population_is_every_customer_known_before_as_of(world):
    matrix = build_features(world, AS_OF)
    signed_up = world.customers.loc[world.customers["signup_date"] < AS_OF, "customer_id"]
    active = [frame.loc[frame["timestamp"] < AS_OF, "customer_id"] for name, frame in world.tables.items()
              if name != "customers"]
    expected = sorted(set(signed_up).union(*active))
    assert list(matrix.index) == expected and matrix.index.name == "customer_id"


def test_given_population_keeps_its_order(world):
    population = ["c010", "c002", "nobody"]
    matrix = build_features(world, AS_OF, population=population)
    assert list(matrix.index) == population
    with pytest.raises(ValueError, match="duplicate"):
        build_features(world, AS_OF, population=["c010", "c010"])


@pytest.mark.parametrize("as_of", ["2024-07-01", datetime(2024, 7, 1), datetime(2024, 7, 1, tzinfo=timezone.utc),
                                   pd.Timestamp("2024-07-01 02:00", tz="Europe/Paris"), "2024-07-01T00:00:00Z"])
def test_cut_off_forms(world, as_of):
    pd.testing.assert_frame_equal(build_features(world, as_of), build_features(world, AS_OF))


def test_only_transactions():
    dataset = tiny(transactions=[("a", "2024-01-01", 10)])
    matrix = build_features(dataset, "2024-07-01")
    needs_transactions = [entry for entry in REGISTRY if entry.tables == ("transactions",)]
    expected = [column.name for entry in needs_transactions for column in entry.columns(FeatureConfig())]
    assert list(matrix.columns) == expected


def test_every_column_is_described_in_words():
    config = FeatureConfig(attributes=("plan",))
    descriptions = describe(config)
    names = [c.name for entry in REGISTRY for c in entry.columns(config)]
    assert list(descriptions) == names and len(set(names)) == len(names)
    assert all(len(text.split()) >= 2 for text in descriptions.values())
    assert descriptions["purchases_90d"] == "purchases in the last 90 days"


def test_every_column_has_its_family():
    config = FeatureConfig(attributes=("plan",))
    family = families(config)
    assert list(family) == list(describe(config))
    assert family["repeat_contact_rate_90d"] == "effort" and family["nps_latest"] == "voice"
    assert family["plan"] == "attributes"


def test_config_is_checked():
    with pytest.raises(ValueError, match="time_unit"):
        FeatureConfig(time_unit="months")
    with pytest.raises(ValueError, match="windows"):
        FeatureConfig(windows=(30, 30))
    assert FeatureConfig(windows=[7, 14]).windows == (7, 14)


def test_batches_of_customers_give_the_same_matrix(world):
    config = FeatureConfig(attributes=("plan", "age"))
    pd.testing.assert_frame_equal(build_features(world, AS_OF, config, batch_size=7),
                                  build_features(world, AS_OF, config), check_exact=True)


def test_nothing_known_yet(world):
    empty = build_features(world, "2000-01-01")
    assert len(empty) == 0 and list(empty.columns) == list(build_features(world, AS_OF).columns)
    unknown = build_features(world, "2000-01-01", population=["c001"])
    assert unknown.loc["c001", "purchases_total"] == 0 and pd.isna(unknown.loc["c001", "recency"])


@pytest.mark.parametrize("dtype", ["datetime64[us, UTC]", "datetime64[ns]"], ids=["microseconds", "naive"])
def test_other_datetime_dtypes_give_the_same_matrix(world, dtype):
    def convert(frame):
        columns = [c for c in ("timestamp", "signup_date") if c in frame]
        naive = {c: frame[c].dt.tz_convert(None) for c in columns} if "UTC" not in dtype else {}
        return frame.assign(**naive).astype({c: dtype for c in columns})

    other = Dataset(**{name: convert(frame) for name, frame in world.tables.items()})
    pd.testing.assert_frame_equal(build_features(other, AS_OF), build_features(world, AS_OF), check_exact=True)
