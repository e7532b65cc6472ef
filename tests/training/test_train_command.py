"""`cxmodels train` end to end on the CDNOW sample (weekly units), in a temporary tracking store."""

import mlflow
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app


@pytest.mark.slow
def test_train_on_cdnow_registers_champions_and_prints_where_to_look(tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(app, ["sample", "cdnow", str(tmp_path / "cdnow"), "--sample"]).exit_code == 0
    config = tmp_path / "weeks.toml"
    config.write_text('[features]\ntime_unit = "weeks"\nvalue_period = "W"\n[churn]\nn_estimators = 200\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'store.db'}")
    result = runner.invoke(app, ["train", str(tmp_path / "cdnow"), "--config", str(config), "--experiment", "cdnow",
                                 "--as-of", "1998-06-01", "--horizon-days", "84"])
    assert result.exit_code == 0, result.output
    assert "cxmodels-churn v1" in result.output and "cxmodels-clv v1" in result.output
    assert "promoted to champion" in result.output
    assert f"mlflow ui --backend-store-uri sqlite:///{tmp_path / 'store.db'}" in result.output
    assert len(list((tmp_path / "mlruns" / "reports").glob("train-*.html"))) == 1
    run = mlflow.search_runs(experiment_names=["cdnow"], output_format="list")[0]
    assert run.data.params["present"] == "1998-06-01 00:00:00+00:00"
    assert run.data.params["test_as_of"] == "1998-03-09 00:00:00+00:00"  # 84 days before
    assert run.data.params["snapshots.horizon_days"] == "84"


def test_an_unknown_configuration_key_is_a_usage_error(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[churn]\nleaves = 3\n")
    result = CliRunner().invoke(app, ["train", str(tmp_path), "--config", str(config)])
    assert result.exit_code == 2 and "churn.leaves" in result.output
