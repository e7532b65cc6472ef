"""What a command shows: its own lines, progress bars and results; the chatter of the libraries in a log file.

`quiet` is called by the command line at start-up, never on import. It sends the loggers
of MLflow and of its database (SQLAlchemy, alembic migrations) and the warnings of other
libraries (MLflow's CloudPickle notice, for one) to LOG_FILE, created at its first line;
turns MLflow's "Downloading artifacts" bars off; and sends MLflow's own prints
("Successfully registered model ...", which the command's results say anyway) there too.
cxmodels' own warnings stay on the console. `cxmodels --verbose` leaves everything as the libraries
have it.
"""

import logging
import os
import warnings
from pathlib import Path

import typer

from cxmodels.errors import CxmodelsWarning

LOG_FILE = Path("mlruns") / "cxmodels.log"
LOGGERS = ("mlflow", "sqlalchemy.engine", "alembic", "huey")  # the ones MLflow would send to the console
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


def quiet(log_file: Path = LOG_FILE, uses_mlflow: bool = False) -> None:
    """Send the libraries' logs and warnings to `log_file`; with `uses_mlflow`, MLflow's prints too."""
    os.environ.setdefault("MLFLOW_CONFIGURE_LOGGING", "false")  # read when mlflow is imported
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    handler = _LogFile(log_file)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO if name == "mlflow" else logging.WARNING)
        logger.propagate = False
    library = logging.getLogger("py.warnings")
    library.handlers, library.propagate = [handler], False

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, CxmodelsWarning):
            typer.echo(f"Warning: {message}", err=True)
        else:
            library.warning(warnings.formatwarning(message, category, filename, lineno, line).rstrip())

    warnings.showwarning = show
    if uses_mlflow:  # MLflow prints to this stream; its own off switch it turns back on while logging a model
        from mlflow.utils.logging_utils import MLFLOW_LOGGING_STREAM

        mlflow_log = logging.getLogger("mlflow")
        MLFLOW_LOGGING_STREAM.write = lambda text: text.strip() and mlflow_log.info(text.strip())
