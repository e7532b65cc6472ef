"""One battery over every registered builder (docs/architecture.md): the contract every builder keeps."""

import numpy as np
import pandas as pd
import pytest
from worlds import AS_OF, restricted, with_categorical_ids, with_future_rows, without

from cxmodels.features import REGISTRY, FeatureConfig, build_features, run_builder
from cxmodels.features.history import History

CONFIG = FeatureConfig(windows=(7, 30, 90), trend_windows=(30,), effort_window=60, attributes=("plan", "region", "age"))
BUILDERS = pytest.mark.parametrize("entry", REGISTRY, ids=[entry.name for entry in REGISTRY])


def run(entry, dataset, population=None, as_of=AS_OF):
    return run_builder(entry, History(dataset, as_of, population), CONFIG)


def population_of(dataset):
    """The customers known before AS_OF, shuffled, plus one never seen anywhere."""
    known = History(dataset, AS_OF).population
    ids = list(np.random.default_rng(5).permutation(known)) + ["never-seen"]
    return pd.Index(ids, dtype="str", name="customer_id")


def by_value(frame):
    """Categories as plain values: a subset of customers may know fewer categories."""
    return frame.apply(lambda column: column.astype(object) if column.dtype == "category" else column)


@BUILDERS
def test_index_columns_and_dtypes(entry, world):
    population = population_of(world)
    frame = run(entry, world, population)
    assert frame.index.equals(population) and frame.index.name == "customer_id"
    declared = entry.columns(CONFIG)
    assert list(frame.columns) == [column.name for column in declared]
    for column in declared:
        expected = column.dtype or ("category" if frame[column.name].dtype == "category" else "float64")
        assert str(frame[column.name].dtype) == expected, column.name


@BUILDERS
def test_never_seen_customer_has_zero_counts_and_unknown_values(entry, world):
    row = run(entry, world, population_of(world)).loc["never-seen"]
    for column in entry.columns(CONFIG):
        if np.isnan(column.if_no_rows):
            assert pd.isna(row[column.name]), column.name
        else:
            assert row[column.name] == column.if_no_rows, column.name


@BUILDERS
def test_deterministic(entry, world):
    pd.testing.assert_frame_equal(run(entry, world), run(entry, world), check_exact=True)


@BUILDERS
def test_rows_at_or_after_as_of_change_nothing(entry, world):
    later = with_future_rows(world, AS_OF)
    pd.testing.assert_frame_equal(run(entry, later), run(entry, world), check_exact=True)
    population = population_of(world)
    pd.testing.assert_frame_equal(run(entry, later, population), run(entry, world, population), check_exact=True)


@BUILDERS
def test_a_customer_depends_only_on_own_rows(entry, world):
    population = population_of(world)
    full = run(entry, world, population)
    part = population[::3]
    pd.testing.assert_frame_equal(run(entry, world, part), full.loc[part], check_exact=True)
    alone = run(entry, restricted(world, part), part)
    pd.testing.assert_frame_equal(by_value(alone), by_value(full.loc[part]), check_exact=True)


@BUILDERS
def test_categorical_customer_ids_give_the_same_output(entry, world):
    population = population_of(world)
    pd.testing.assert_frame_equal(run(entry, with_categorical_ids(world), population), run(entry, world, population),
                                  check_exact=True)


@BUILDERS
def test_missing_table_means_absent_columns(entry, world):
    names = {column.name for column in entry.columns(CONFIG)}
    assert names <= set(build_features(world, AS_OF, CONFIG).columns)
    for table in set(entry.tables) - {"transactions"}:  # transactions is the one required table
        assert not names & set(build_features(without(world, table), AS_OF, CONFIG).columns), table
