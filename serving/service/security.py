"""API-key authentication: a key in the X-API-Key header, read keys for the CRM's endpoints and admin keys
for /admin/* (serving.service.keys)."""

from typing import Annotated

from fastapi import Security
from fastapi.security import APIKeyHeader

from serving.service.errors import ApiError
from serving.service.keys import ADMIN, ADMIN_KEY_ENV, API_KEY_ENV, READ
from serving.service.settings import API_KEY_HEADER, SettingsDep

read_key = APIKeyHeader(name=API_KEY_HEADER, scheme_name="ReadKey", auto_error=False,
                        description=f"A read key of the service ({API_KEY_ENV} where it runs) or an admin key.")
admin_key = APIKeyHeader(name=API_KEY_HEADER, scheme_name="AdminKey", auto_error=False,
                         description=f"An admin key of the service ({ADMIN_KEY_ENV} where it runs).")
CHALLENGE = {"WWW-Authenticate": "APIKey"}


def _role(settings, key: str | None) -> str | None:
    """The role of `key`; 401 when it is missing or not accepted (every request passes when the service is open)."""
    if settings.open:
        return ADMIN
    if not key:
        raise ApiError(401, f"missing API key: send it in the {API_KEY_HEADER} header", CHALLENGE)
    role = settings.keys.role(key)
    if role is None:
        raise ApiError(401, f"wrong API key in the {API_KEY_HEADER} header", CHALLENGE)
    return role


async def require_read_key(settings: SettingsDep, key: Annotated[str | None, Security(read_key)]) -> None:
    """401 unless the request carries a read or an admin key."""
    _role(settings, key)


async def require_admin_key(settings: SettingsDep, key: Annotated[str | None, Security(admin_key)]) -> None:
    """401 without an accepted key, 403 with a read key."""
    if _role(settings, key) != ADMIN:
        raise ApiError(403, f"this endpoint changes the service's state and needs an admin key ({ADMIN_KEY_ENV}); "
                            f"the key sent is a {READ} key")
