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


def test_dask_s_own_logs_go_to_the_log_file_not_the_console(world_dirs, tmp_path):
    """A LocalCluster's shuffle notices are Dask's chatter: the command shows its result line only."""
    import subprocess
    import sys

    command = [sys.executable, "-c", "from cxmodels.cli import app; app()", "features", str(world_dirs[1]),
               "--out", str(tmp_path / "f.parquet"), "--cluster", "local:2"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Wrote ") and "distributed" not in result.stdout + result.stderr, result.stderr
    assert "distributed.shuffle" in (tmp_path / "mlruns" / "cxmodels.log").read_text()
