"""`cxmodels serve`: the service under uvicorn."""

import logging

import uvicorn

from serving.service.app import create_app
from serving.service.settings import load_settings

log = logging.getLogger(__name__)


def serve(host: str = "127.0.0.1", port: int = 8000, insecure: bool = False, config_path=None,
          tracking_uri: str | None = None, log_level: str = "info", access_log: bool = True) -> None:
    """Run the service until interrupted. Raises SettingsError (before binding) when there is no API key and
    not `insecure`."""
    settings = load_settings(config_path, insecure, tracking_uri)
    if settings.api_key is None:
        log.warning("serving without authentication (--insecure): anyone who reaches %s:%s can read every score",
                    host, port)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, access_log=access_log)
