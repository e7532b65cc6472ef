"""What a command shows: its own lines, progress bars and results; the chatter of the libraries in a log file.

The command line enters `quiet` at start-up, for the length of the command; nothing is set
up on import. It sends the loggers of MLflow and of its database (SQLAlchemy, alembic
migrations), Dask's (a shuffle's start and end, a worker restarted) and the warnings of other libraries (MLflow's CloudPickle notice, for one) to
LOG_FILE, created at its first line; turns MLflow's "Downloading artifacts" bars off; and
sends MLflow's own prints ("Successfully registered model ...", which the command's
results say anyway) there too. cxmodels' own warnings stay on the console. `cxmodels
--verbose` leaves everything as the libraries have it.
"""

import logging
import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import typer

from cxmodels.errors import CxmodelsWarning

LOG_FILE = Path("mlruns") / "cxmodels.log"
LOGGERS = ("mlflow", "sqlalchemy.engine", "alembic", "huey", "distributed", "py.warnings")  # MLflow's, Dask's, warnings
ENVIRONMENT = {"MLFLOW_CONFIGURE_LOGGING": "false",  # read when mlflow is imported
               "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
               "DASK_LOGGING__VERSION": "1",  # read when dask is imported: distributed's logging set-up becomes an
               "DASK_LOGGING__INCREMENTAL": "True"}  # empty logging.config.dictConfig, leaving its loggers to us
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _LogFile(logging.FileHandler):
    """A log file created, with its folder, when the first record comes."""

    def __init__(self, path: Path):
        super().__init__(path, delay=True, encoding="utf-8")
        self.setFormatter(logging.Formatter(_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is None:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        super().emit(record)


@contextmanager
def quiet(log_file: Path = LOG_FILE, uses_mlflow: bool = False):
    """While open: the libraries' logs and warnings go to `log_file`; with `uses_mlflow`, MLflow's prints too.
    Everything is as it was afterwards."""
    loggers = {name: logging.getLogger(name) for name in LOGGERS}
    saved = {name: (logger.handlers, logger.level, logger.propagate) for name, logger in loggers.items()}
    environment = {key: value for key, value in ENVIRONMENT.items() if key not in os.environ}
    os.environ.update(environment)
    handler = _LogFile(log_file)
    for name, logger in loggers.items():
        logger.handlers, logger.propagate = [handler], False
        logger.setLevel(logging.INFO if name == "mlflow" else logging.WARNING)
    stream = None
    if uses_mlflow:  # MLflow prints to this stream; its own off switch it turns back on while logging a model
        from mlflow.utils.logging_utils import MLFLOW_LOGGING_STREAM as stream

        stream.write = lambda text: text.strip() and loggers["mlflow"].info(text.strip())
    with warnings.catch_warnings():
        warnings.showwarning = _show(loggers["py.warnings"])
        try:
            yield
        finally:
            if stream is not None:
                del stream.write
            for name, (handlers, level, propagate) in saved.items():
                loggers[name].handlers, loggers[name].propagate = handlers, propagate
                loggers[name].setLevel(level)
            handler.close()
            for key in environment:
                os.environ.pop(key, None)


def _show(log: logging.Logger):
    """A `warnings.showwarning`: cxmodels' warnings on the console, the others to `log`."""

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, CxmodelsWarning):
            typer.echo(f"Warning: {message}", err=True)
        else:
            log.warning(warnings.formatwarning(message, category, filename, lineno, line).rstrip())

    return show
