"""API-key authentication: the key in the X-API-Key header, compared in constant time."""

import hmac
from typing import Annotated

from fastapi import Security
from fastapi.security import APIKeyHeader

from serving.service.errors import ApiError
from serving.service.settings import API_KEY_ENV, API_KEY_HEADER, SettingsDep

api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                              description=f"The service's API key ({API_KEY_ENV} where it runs).")
CHALLENGE = {"WWW-Authenticate": "APIKey"}


async def require_api_key(settings: SettingsDep, key: Annotated[str | None, Security(api_key_header)]) -> None:
    """401 unless the request carries the service's key (every request passes when it has none: --insecure)."""
    if settings.api_key is None:
        return
    if not key:
        raise ApiError(401, f"missing API key: send it in the {API_KEY_HEADER} header", CHALLENGE)
    if not hmac.compare_digest(key.encode(), settings.api_key.encode()):
        raise ApiError(401, f"wrong API key in the {API_KEY_HEADER} header", CHALLENGE)
