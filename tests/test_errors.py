"""One error family: every exception class of the project derives from CxmodelsError, and the command line
turns any of them into one line on stderr and the error's exit status (a traceback only with --debug)."""

import importlib
import inspect
import pkgutil

import pytest
from typer.testing import CliRunner

import cxmodels
import serving
import training
from cxmodels.cli import app
from cxmodels.errors import ConfigError, CxmodelsError, CxmodelsWarning, DataError, ModelError

runner = CliRunner()


def _project_classes():
    for package in (cxmodels, training, serving):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            loaded = importlib.import_module(module.name)
            for _, cls in inspect.getmembers(loaded, inspect.isclass):
                if cls.__module__ == module.name and issubclass(cls, BaseException):
                    yield cls


CLASSES = sorted(set(_project_classes()), key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def test_the_walk_finds_the_known_errors():
    names = {cls.__name__ for cls in CLASSES}
    assert {"DataValidationError", "StoreError", "ChampionError", "BTYDFitError", "NotFittedError",
            "MissingFeaturesError", "SegmentError", "SettingsError", "ApiError"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_exception_class_is_in_the_family(cls):
    family = CxmodelsWarning if issubclass(cls, Warning) else CxmodelsError
    assert issubclass(cls, family), f"{cls.__module__}.{cls.__name__} does not derive from {family.__name__}"


def test_the_families_keep_the_builtin_they_replace():
    assert issubclass(ConfigError, ValueError) and issubclass(DataError, ValueError)
    assert issubclass(ModelError, RuntimeError)
    assert ConfigError.exit_code == 2 and DataError.exit_code == 1 and ModelError.exit_code == 1


@pytest.fixture
def failing_describe(monkeypatch):
    """`cxmodels describe` raising `error` from inside the library."""
    def arm(error):
        def load(_):
            raise error
        monkeypatch.setattr("cxmodels.data.load_dataset", load)
    return arm


@pytest.mark.parametrize(("error", "status"), [(DataError("the data ends too early; give more history"), 1),
                                                (ConfigError("snapshots.count must be at least 2, got 1"), 2),
                                                (ModelError("no champion of 'cxmodels-churn'"), 1),
                                                (FileNotFoundError(2, "No such file", "x.csv"), 1)])
def test_an_error_is_one_line_and_its_exit_status(failing_describe, tmp_path, error, status):
    failing_describe(error)
    result = runner.invoke(app, ["describe", str(tmp_path)])
    assert result.exit_code == status
    assert result.stderr.strip().splitlines() == [f"Error: {error}"]
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(failing_describe, tmp_path):
    failing_describe(DataError("the data ends too early"))
    result = runner.invoke(app, ["--debug", "describe", str(tmp_path)])
    assert isinstance(result.exception, DataError)  # raised through: the runner holds the traceback
    assert "Error: the data ends too early" not in result.stderr


def test_a_bug_is_not_hidden(failing_describe, tmp_path):
    failing_describe(KeyError("not a user error"))
    result = runner.invoke(app, ["describe", str(tmp_path)])
    assert isinstance(result.exception, KeyError)
