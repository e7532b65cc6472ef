"""One error family: every problem a user can cause raises a subclass of CxmodelsError.

Each names what is wrong and how to fix it. The command line prints any of them as one
line on stderr (a traceback only with `cxmodels --debug`) and exits with its `exit_code`:
1 for a problem with the data, a model or the score store, 2 for a wrong option or
configuration (and for a dataset with structural problems, as `validate` reports it).
The families also derive from the built-in exception they replace (ValueError,
RuntimeError), so `except ValueError` in existing code still catches them.
"""

EXIT_PROBLEM = 1
EXIT_USAGE = 2


class CxmodelsError(Exception):
    """Base class of every cxmodels error."""

    exit_code = EXIT_PROBLEM


class ConfigError(CxmodelsError, ValueError):
    """A setting, option or argument has a value it cannot have; the message names it and what it may be."""

    exit_code = EXIT_USAGE


class DataError(CxmodelsError, ValueError):
    """The data cannot give what was asked of it (too little history, a missing column, a single class, ...)."""


class ModelError(CxmodelsError, RuntimeError):
    """A model cannot be fitted, loaded or used as asked."""


class CxmodelsWarning(UserWarning):
    """Base class of the warnings cxmodels gives (something worth knowing, nothing wrong)."""
