"""Settings files: TOML tables read into frozen dataclasses, shared by the training and serving configurations.

Every key of a file overrides the default of the same name; a key the dataclasses do not
have is an error naming it, so a typo never silently falls back to a default.
"""

import tomllib
from dataclasses import fields, is_dataclass
from pathlib import Path

from cxmodels.errors import ConfigError


def read_toml(path: Path | str | None) -> dict:
    """The tables of the TOML file at `path` ({} for None); ConfigError naming the file when it cannot be read."""
    if path is None:
        return {}
    try:
        return tomllib.loads(Path(path).read_text())
    except OSError as error:
        raise ConfigError(f"cannot read the configuration {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None


def build(cls, values: dict, where: str = ""):
    """An instance of dataclass `cls` from a dict; nested dataclasses from sub-tables; unknown keys refused."""
    if not isinstance(values, dict):
        raise ConfigError(f"[{where.rstrip('.')}] must be a table, got {values!r}")
    known = {f.name: f for f in fields(cls)}
    unknown = [key for key in values if key not in known]
    if unknown:
        raise ConfigError(f"unknown configuration key '{where}{unknown[0]}'; known keys of "
                          f"{'[' + where.rstrip('.') + ']' if where else 'the top level'}: {sorted(known)}")
    kwargs = {}
    for key, value in values.items():
        default = known[key].default_factory() if callable(known[key].default_factory) else None
        kwargs[key] = build(type(default), value, f"{where}{key}.") if is_dataclass(default) else value
    try:
        return cls(**kwargs)
    except TypeError as error:  # e.g. a table where a number belongs
        raise ConfigError(f"{'[' + where.rstrip('.') + '] ' if where else ''}{error}") from None
