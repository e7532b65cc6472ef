"""Quiet by default: a command shows its own lines and progress bars; the libraries' chatter goes to a log file."""

import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.console import LOGGERS, quiet
from cxmodels.errors import CxmodelsWarning
from cxmodels.simulate import simulate, write_world

CLI = [sys.executable, "-c", "from cxmodels.cli import app; app()"]
CHATTER = ("CloudPickle", "Downloading artifacts", "Creating initial MLflow database tables",
           "Successfully registered model")


def test_train_and_score_print_results_and_bars_and_log_the_rest(tmp_path):
    write_world(simulate(1200, seed=2), tmp_path / "world")  # enough for a churn model that beats its baseline
    env = {key: value for key, value in os.environ.items() if not key.startswith("MLFLOW_")}  # the store: ./mlruns
    train = subprocess.run([*CLI, "train", "world"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=300)
    assert train.returncode == 0, train.stderr
    score = subprocess.run([*CLI, "score", "world", "--out", "scores.parquet"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300)
    assert score.returncode == 0, score.stderr
    shown = train.stdout + train.stderr + score.stdout + score.stderr
    assert not [line for line in CHATTER if line in shown], shown
    assert "cxmodels-churn v1" in train.stdout and "done: 100%" in train.stderr  # its one bar, closed
    assert "Scored 1,130 customers" in score.stdout and "score store: 100%" in score.stderr
    log = (tmp_path / "mlruns" / "cxmodels.log").read_text()
    assert all(line in log for line in ("CloudPickle", "Creating initial MLflow database tables",
                                        "Successfully registered model 'cxmodels-churn'"))


def test_cxmodels_warnings_stay_on_the_console_and_others_go_to_the_log_while_quiet(tmp_path, capsys):
    before = {name: (logging.getLogger(name).handlers, logging.getLogger(name).level) for name in LOGGERS}
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        with quiet(tmp_path / "logs" / "cxmodels.log"):
            warnings.warn("worth knowing", CxmodelsWarning)
            warnings.warn("library noise", FutureWarning)
            logging.getLogger("mlflow.store").info("Updating database tables")
        assert {name: (logging.getLogger(name).handlers, logging.getLogger(name).level) for name in LOGGERS} == before
        assert CliRunner().invoke(app, ["validate", str(tmp_path)]).exit_code == 2  # a command sets up, then undoes
        assert {name: (logging.getLogger(name).handlers, logging.getLogger(name).level) for name in LOGGERS} == before
    assert "Warning: worth knowing" in capsys.readouterr().err
    log = Path(tmp_path / "logs" / "cxmodels.log").read_text()
    assert "FutureWarning: library noise" in log and "Updating database tables" in log and "worth knowing" not in log
