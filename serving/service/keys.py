"""The service's API keys: read keys (the CRM's: look-ups, segments, POST /score) and admin keys (what
changes the service's state: /admin/*), several of each at once so a key is rotated without a restart.

Keys come from CXMODELS_API_KEY / CXMODELS_ADMIN_KEY (else [service] api_key / admin_key), several
separated by commas, and from the optional keys file ([service] keys_file, TOML `read = [...]` and
`admin = [...]`), which is read again whenever it changes: add the new key, move the clients over,
remove the old one. An admin key also opens the read endpoints. Keys are compared in constant time and
never logged; `redact` takes them out of a text that might hold one.
"""

import hmac
import logging
import os
import tomllib
from pathlib import Path

from cxmodels.errors import ConfigError

log = logging.getLogger(__name__)
API_KEY_ENV = "CXMODELS_API_KEY"
ADMIN_KEY_ENV = "CXMODELS_ADMIN_KEY"
READ, ADMIN = "read", "admin"
ROLES = (READ, ADMIN)
REDACTED = "[key]"
SESSION_MESSAGE = b"cxmodels dashboard session"


def session_token(key: str) -> str:
    """The dashboard's session cookie for `key`: an HMAC of a fixed message under the key, so the cookie never
    holds the key, every process of the service checks it alike, and it stops working when the key is removed."""
    return hmac.new(key.encode(), SESSION_MESSAGE, "sha256").hexdigest()


class KeysError(ConfigError):
    """The keys cannot be read: a keys file that is missing or not TOML of lists of strings."""


def split_keys(text: str) -> tuple[str, ...]:
    """The keys of a comma-separated text, blanks dropped."""
    return tuple(key.strip() for key in text.split(",") if key.strip())


class Keys:
    """The accepted keys by role: `fixed` ({role: keys} from the environment or the configuration) and
    those of `keys_file` (None: none), read again when its modification time or size changes."""

    def __init__(self, fixed: dict[str, tuple[str, ...]], keys_file: Path | str | None = None):
        self.fixed = {role: tuple(fixed.get(role, ())) for role in ROLES}
        self.keys_file = Path(keys_file) if keys_file else None
        self._stamp = None
        self._from_file = {role: () for role in ROLES}
        if self.keys_file is not None:
            self._from_file, self._stamp = _read(self.keys_file)

    def current(self) -> dict[str, tuple[str, ...]]:
        """The keys accepted now, by role; a keys file that became unreadable keeps its last good keys (logged)."""
        if self.keys_file is not None:
            try:
                stamp = _stamp(self.keys_file)
                if stamp != self._stamp:
                    self._from_file, self._stamp = _read(self.keys_file)
                    log.info("API keys re-read from %s: %s", self.keys_file,
                             ", ".join(f"{len(keys)} {role} key(s)" for role, keys in self._from_file.items()))
            except KeysError as error:
                log.error("%s; the keys read before stay in force", error)
        return {role: self.fixed[role] + self._from_file[role] for role in ROLES}

    def any(self) -> bool:
        return any(self.current().values())

    def role(self, key: str) -> str | None:
        """ADMIN, READ or None for `key`, comparing it with every accepted key in constant time."""
        return self._matching_role(key, lambda candidate: candidate)

    def session_role(self, token: str) -> str | None:
        """ADMIN, READ or None for a dashboard session token (`session_token` of an accepted key)."""
        return self._matching_role(token, session_token)

    def _matching_role(self, given: str, form) -> str | None:
        """The highest role with an accepted key whose `form` equals `given`, every key compared in constant time."""
        current, given, found = self.current(), given.encode(), None
        for role in (READ, ADMIN):
            for candidate in current[role]:
                if hmac.compare_digest(given, form(candidate).encode()):
                    found = role
        return found

    def redact(self, text: str) -> str:
        """`text` with every accepted key replaced by [key]."""
        for keys in self.current().values():
            for key in keys:
                text = text.replace(key, REDACTED)
        return text


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError as error:
        raise KeysError(f"cannot read the keys file {path}: {error.strerror}") from None
    return stat.st_mtime_ns, stat.st_size


def _read(path: Path) -> tuple[dict[str, tuple[str, ...]], tuple[int, int]]:
    """The keys of the file at `path` by role, and its stamp; KeysError naming the file and what is wrong."""
    stamp = _stamp(path)
    try:
        values = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KeysError(f"cannot read the keys file {path}: {error}") from None
    unknown = sorted(set(values) - set(ROLES))
    if unknown:
        raise KeysError(f"the keys file {path} has unknown entries {unknown}: only read = [...] and admin = [...]")
    keys = {}
    for role in ROLES:
        listed = values.get(role, [])
        if not isinstance(listed, list) or not all(isinstance(key, str) and key.strip() for key in listed):
            raise KeysError(f"{role} in the keys file {path} must be a list of non-empty strings")
        keys[role] = tuple(key.strip() for key in listed)
    return keys, stamp


def keys_from(service, environ=os.environ) -> Keys:
    """The Keys of the [service] settings `service`, the environment's keys taking the place of theirs."""
    fixed = {READ: split_keys(environ.get(API_KEY_ENV) or service.api_key),
             ADMIN: split_keys(environ.get(ADMIN_KEY_ENV) or service.admin_key)}
    return Keys(fixed, service.keys_file or None)
