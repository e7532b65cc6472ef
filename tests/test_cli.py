"""The command line end to end on a small simulated world: what a new user types."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.data import load_dataset
from cxmodels.features import build_features

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "world"
    result = runner.invoke(app, ["simulate", str(out), "--customers", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return out


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "simulate", "sample", "describe", "features", "kpis"):
        assert command in result.output


def test_simulate_writes_tables_and_truth(world):
    names = {p.name for p in world.iterdir()}
    assert {"customers.parquet", "transactions.parquet", "contacts.parquet", "surveys.parquet",
            "events.parquet", "truth"} <= names
    assert "cancellations.parquet" not in names
    assert (world / "truth" / "customer_truth.parquet").exists()


def test_describe_summarises_a_valid_dataset(world):
    result = runner.invoke(app, ["describe", str(world)])
    assert result.exit_code == 0, result.output
    assert "transactions" in result.output and "customers: 300" in result.output


def test_describe_refuses_an_invalid_dataset_with_the_report(tmp_path):
    (tmp_path / "contacts.csv").write_text("customer_id,timestamp,channel\nC1,2024-01-01,phone\n")
    result = runner.invoke(app, ["describe", str(tmp_path)])
    assert result.exit_code == 2
    assert "transactions" in result.output and "missing" in result.output


def test_features_writes_the_matrix_of_build_features(world, tmp_path):
    out = tmp_path / "features.parquet"
    result = runner.invoke(app, ["features", str(world), "--as-of", "2025-01-01", "--out", str(out),
                                 "--attribute", "plan", "--time-unit", "weeks"])
    assert result.exit_code == 0, result.output
    written = pd.read_parquet(out)
    from cxmodels.features import FeatureConfig

    expected = build_features(load_dataset(world), "2025-01-01", FeatureConfig(attributes=("plan",), time_unit="weeks"))
    pd.testing.assert_frame_equal(written, expected)
    assert "plan" in written and "repeat_contact_rate_90d" in written


@pytest.mark.parametrize("args", [["--by", "fortnight"], ["--segment", "no_such_column"]])
def test_kpis_bad_option_is_a_usage_error(world, tmp_path, args):
    result = runner.invoke(app, ["kpis", str(world), "--out", str(tmp_path / "k"), *args])
    assert result.exit_code == 2
    assert "fortnight" in result.output or "no_such_column" in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--as-of", "garbage"], "garbage"), (["--as-of", "2025-01-01", "--time-unit", "months"], "months"),
     (["--as-of", "2025-01-01", "--attribute", "shoe_size"], "shoe_size")],
)
def test_features_bad_option_is_a_usage_error(world, tmp_path, args, named):
    result = runner.invoke(app, ["features", str(world), "--out", str(tmp_path / "f.parquet"), *args])
    assert result.exit_code == 2
    assert named in result.output
