"""KPIs and the experience-and-churn table on the cluster: equal to the single-process tables."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.cluster import cluster_kpi_table, cluster_link_table
from cxmodels.data import load_dataset
from cxmodels.errors import ConfigError
from cxmodels.metrics.kpis import kpi_table
from cxmodels.metrics.links import link_table

runner = CliRunner()


@pytest.fixture(scope="module")
def dataset(world_dirs):
    return load_dataset(world_dirs[0])


@pytest.mark.parametrize("by, segment", [("month", None), ("month", "plan"), ("week", "region")])
def test_the_kpi_table_equals_the_single_process_one(partitioned, dataset, by, segment):
    alone = kpi_table(dataset, by=by, segment=segment)
    clustered = cluster_kpi_table(partitioned, by=by, segment=segment)
    assert set(alone["kpi"]) >= {"nps", "csat_mean", "churn_rate", "first_contact_resolution", "conversion_rate"}
    assert alone["segment"].nunique() > (1 if segment else 0)
    pd.testing.assert_frame_equal(clustered, alone, check_exact=False, rtol=1e-12, atol=1e-12)


def test_the_link_table_equals_the_single_process_one(partitioned, dataset):
    alone = link_table(dataset, horizon_days=90)
    clustered = cluster_link_table(partitioned, horizon_days=90)
    assert len(alone) > 10
    pd.testing.assert_frame_equal(clustered, alone, check_exact=False, rtol=1e-12, atol=1e-12)
    assert clustered.attrs == alone.attrs


def test_an_unknown_segment_column_is_named(partitioned):
    with pytest.raises(ConfigError, match="not a column of customers"):
        cluster_kpi_table(partitioned, segment="colour")


def test_kpis_on_the_cluster_write_the_single_process_files(client, world_dirs, tmp_path):
    args = ["kpis", str(world_dirs[1]), "--segment", "plan"]
    alone = runner.invoke(app, [*args, "--out", str(tmp_path / "alone")])
    assert alone.exit_code == 0, alone.output
    clustered = runner.invoke(app, [*args, "--out", str(tmp_path / "cluster"), "--scheduler", client.scheduler.address])
    assert clustered.exit_code == 0, clustered.output
    assert clustered.output == alone.output.replace("alone", "cluster")
    for name in ("kpis.csv", "churn_by_experience.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "cluster" / name), pd.read_csv(tmp_path / "alone" / name),
                                      check_exact=False, rtol=1e-12)


def test_a_bad_cluster_option_of_kpis_is_a_usage_error(world_dirs, tmp_path):
    result = runner.invoke(app, ["kpis", str(world_dirs[0]), "--out", str(tmp_path / "k"), "--scheduler", "local"])
    assert result.exit_code == 2, result.output
    assert "not an address" in result.output
