"""`cxmodels features --scheduler / --cluster`: the same matrix file as without; bad options are usage errors."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app

runner = CliRunner()


def test_features_on_the_cluster_writes_the_single_process_matrix(client, world_dirs, tmp_path):
    args = ["features", str(world_dirs[0]), "--as-of", "2025-06-01", "--attribute", "plan"]
    alone = runner.invoke(app, [*args, "--out", str(tmp_path / "alone.parquet")])
    assert alone.exit_code == 0, alone.output
    clustered = runner.invoke(app, [*args, "--out", str(tmp_path / "cluster.parquet"),
                                    "--scheduler", client.scheduler.address])
    assert clustered.exit_code == 0, clustered.output
    assert clustered.output == alone.output.replace("alone", "cluster")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cluster.parquet"),
                                  pd.read_parquet(tmp_path / "alone.parquet"), check_exact=True)


@pytest.mark.parametrize("args, named", [
    (["--cluster", "local:2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
    (["--cluster", "tcp://127.0.0.1:8786"], "--scheduler ADDRESS"),
    (["--scheduler", "local"], "not an address"),
    (["--cluster", "local:x"], "whole number"),
])
def test_a_bad_cluster_option_is_a_usage_error(world_dirs, tmp_path, args, named):
    result = runner.invoke(app, ["features", str(world_dirs[0]), "--out", str(tmp_path / "f.parquet"), *args])
    assert result.exit_code == 2, result.output
    assert named in result.output
