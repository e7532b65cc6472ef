"""`cxmodels serve`: the service under uvicorn, in one process or several (`workers`) on the same port.

With several workers, uvicorn starts each in a process of its own, which builds its app with `worker_app`
from the settings' arguments, handed over in SETTINGS_ENV; each worker has its own scoring workers.
"""

import json
import logging
import os

import uvicorn

from serving.service.app import create_app
from serving.service.settings import load_settings

log = logging.getLogger(__name__)
SETTINGS_ENV = "CXMODELS_SERVE_SETTINGS"  # JSON arguments of load_settings, for the worker processes
# uvicorn's logging, and the service's own loggers (the access log, load errors) with a time stamp;
# uvicorn's access log is off: serving.service.access logs each request without its query values
_UVICORN = uvicorn.config.LOGGING_CONFIG
LOG_CONFIG = {
    **_UVICORN,
    "formatters": {**_UVICORN["formatters"], "service": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {**_UVICORN["handlers"], "service": {"formatter": "service", "class": "logging.StreamHandler",
                                                     "stream": "ext://sys.stderr"}},
    "loggers": {**_UVICORN["loggers"], "serving": {"handlers": ["service"], "level": "INFO", "propagate": False}},
}


def serve(host: str = "127.0.0.1", port: int = 8000, insecure: bool = False, config_path=None,
          tracking_uri: str | None = None, log_level: str = "info", workers: int = 1) -> None:
    """Run the service until interrupted. Raises SettingsError (before binding) when there is no API key and
    not `insecure`."""
    arguments = {"config_path": str(config_path) if config_path else None, "insecure": insecure,
                 "tracking_uri": tracking_uri}
    settings = load_settings(**arguments)
    if settings.open:
        log.warning("serving without authentication (--insecure): anyone who reaches %s:%s can read every score",
                    host, port)
    options = {"host": host, "port": port, "log_level": log_level, "access_log": False, "log_config": LOG_CONFIG}
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    os.environ[SETTINGS_ENV] = json.dumps(arguments)
    uvicorn.run("serving.service.run:worker_app", factory=True, workers=workers, **options)


def worker_app():
    """The app of one worker process of a multi-process service."""
    return create_app(load_settings(**json.loads(os.environ[SETTINGS_ENV])))
