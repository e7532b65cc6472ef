"""The service's settings: the serving configuration, the API keys and where the models and scores are.

The application keeps them in `app.state.settings`; endpoints get them with the `get_settings` dependency.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from cxmodels.errors import ConfigError
from serving.config import ServingConfig, load_serving_config
from serving.service.keys import ADMIN_KEY_ENV, API_KEY_ENV, Keys, keys_from

API_KEY_HEADER = "X-API-Key"


class SettingsError(ConfigError):
    """The service cannot start with these settings, e.g. no API key and no --insecure."""


@dataclass(frozen=True)
class Settings:
    """`keys` the accepted API keys; with `open` (started with --insecure and no key at all) every endpoint
    is open."""

    config: ServingConfig
    keys: Keys
    tracking_uri: str | None = None  # None: MLFLOW_TRACKING_URI, else ./mlruns (as in training)
    open: bool = False

    @property
    def store_url(self) -> str:
        return self.config.store.url


def load_settings(config_path: Path | str | None = None, insecure: bool = False, tracking_uri: str | None = None,
                  environ=os.environ) -> Settings:
    """Settings from the serving configuration at `config_path`, the keys as `keys_from` finds them. Without
    any key, SettingsError unless `insecure`; a key given is always required."""
    config = load_serving_config(config_path)
    keys = keys_from(config.service, environ)
    if not keys.any() and not insecure:
        raise SettingsError(f"no API key: set {API_KEY_ENV} (and {ADMIN_KEY_ENV} for /admin), or [service] api_key, "
                            "admin_key or keys_file in the serving configuration, or pass --insecure to serve "
                            "without authentication")
    return Settings(config, keys, tracking_uri, open=not keys.any())


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
