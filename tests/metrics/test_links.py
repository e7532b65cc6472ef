"""Churn rate by experience band: counts that add up, the bands the features give, intervals around the rate."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cxmodels.data.validate import validate_tables
from cxmodels.features import build_features, labels, snapshot_population
from cxmodels.metrics.links import COLUMNS, link_table
from cxmodels.simulate import simulate

AS_OF = pd.Timestamp("2025-03-01", tz="UTC")


@pytest.fixture(scope="module")
def dataset():
    return validate_tables(simulate(3000, seed=4).tables).dataset


@pytest.fixture(scope="module")
def table(dataset):
    return link_table(dataset, AS_OF, 90)


def test_every_experience_splits_the_whole_population(dataset, table):
    assert list(table.columns) == COLUMNS
    population = snapshot_population(dataset, AS_OF)
    churned = int(labels(dataset, AS_OF, 90, population)["churned"].sum())
    sums = table.groupby("experience")[["customers", "churned"]].sum()
    assert set(sums.index) == {"nps", "ces", "csat", "first_contact_resolution", "contacts_in_case", "wait"}
    assert (sums["customers"] == len(population)).all() and (sums["churned"] == churned).all()
    assert ((table["ci_low"] <= table["churn_rate"]) & (table["churn_rate"] <= table["ci_high"])).all()


def test_the_bands_follow_the_features(dataset, table):
    population = snapshot_population(dataset, AS_OF)
    features = build_features(dataset, AS_OF, None, population)
    churned = labels(dataset, AS_OF, 90, population)["churned"]
    detractors = features["nps_category"] == "detractor"
    row = table[(table["experience"] == "nps") & (table["band"] == "detractor")].iloc[0]
    assert row["customers"] == detractors.sum() and row["churned"] == churned[detractors].sum()
    hard = features["ces_mean"] < 4
    row = table[(table["experience"] == "ces") & (table["band"] == "hard")].iloc[0]
    assert row["customers"] == hard.sum() and row["churn_rate"] == pytest.approx(churned[hard].mean())
    long_wait = features["wait_time_mean_90d"] >= 15 * 60
    row = table[(table["experience"] == "wait") & (table["band"] == "15+ min")].iloc[0]
    assert row["customers"] == long_wait.sum()
    no_case = features["most_contacts_on_one_case_90d"].fillna(0) < 1
    row = table[(table["experience"] == "contacts_in_case") & (table["band"] == "no case")].iloc[0]
    assert row["customers"] == no_case.sum()


def test_the_simulated_links_point_the_way_the_world_was_built(table):
    rate = table.set_index(["experience", "band"])["churn_rate"]
    assert rate["ces", "hard"] > rate["ces", "easy"] and rate["csat", "low"] > rate["csat", "satisfied"]
    assert rate["first_contact_resolution", "none"] > rate["first_contact_resolution", "all"]


def test_without_surveys_the_survey_bands_are_left_out(dataset):
    table = link_table(replace(dataset, surveys=None), AS_OF, 90)
    assert set(table["experience"]) == {"first_contact_resolution", "contacts_in_case", "wait"}
    assert np.isfinite(table["churn_rate"]).all()
