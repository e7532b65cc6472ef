"""The service's settings: the serving configuration, the API key and where the models and scores are.

The application keeps them in `app.state.settings`; endpoints get them with the `get_settings` dependency.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from cxmodels.errors import ConfigError
from serving.config import ServingConfig, load_serving_config

API_KEY_ENV = "CXMODELS_API_KEY"
API_KEY_HEADER = "X-API-Key"


class SettingsError(ConfigError):
    """The service cannot start with these settings, e.g. no API key and no --insecure."""


@dataclass(frozen=True)
class Settings:
    """`api_key` None: every endpoint is open (started with --insecure and no key)."""

    config: ServingConfig
    api_key: str | None
    tracking_uri: str | None = None  # None: MLFLOW_TRACKING_URI, else ./mlruns (as in training)

    @property
    def store_url(self) -> str:
        return self.config.store.url


def load_settings(config_path: Path | str | None = None, insecure: bool = False, tracking_uri: str | None = None,
                  environ=os.environ) -> Settings:
    """Settings from the serving configuration at `config_path`; the API key from CXMODELS_API_KEY, else the
    configuration's [service] api_key. Without a key, SettingsError unless `insecure`."""
    config = load_serving_config(config_path)
    api_key = environ.get(API_KEY_ENV) or config.service.api_key or None
    if api_key is None and not insecure:
        raise SettingsError(f"no API key: set {API_KEY_ENV} or [service] api_key in the serving configuration, "
                            "or pass --insecure to serve without authentication")
    return Settings(config, api_key, tracking_uri)


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
