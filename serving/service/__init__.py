"""The HTTP scoring service for the CRM (FastAPI): scores from the store, segment lists, on-request scoring.

`create_app(settings)` builds the application; `run.serve` runs it with uvicorn (`cxmodels serve`).
"""

from serving.service.app import create_app
from serving.service.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "create_app", "load_settings"]
