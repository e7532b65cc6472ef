"""The access log: one line per request with its id, method, path, status and milliseconds; never a key.

The id is the request's X-Request-ID when it sends a short one, else a new one, and is sent back in
X-Request-ID so the CRM can quote it. The query string is logged by parameter names only, and any
accepted key in the path is replaced by [key] (a client that put one there), so no key reaches the log.
"""

import logging
import re
import secrets
import time
from urllib.parse import parse_qsl

log = logging.getLogger(__name__)
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class AccessLog:
    """ASGI middleware: logs every HTTP request once it is answered (or fails) on logger serving.service.access."""

    def __init__(self, app, keys):
        self.app, self.keys = app, keys

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        sent = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        request_id = sent if REQUEST_ID.fullmatch(sent) else secrets.token_hex(8)
        start, status = time.perf_counter(), 500  # 500: the app failed before answering

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (REQUEST_ID_HEADER.lower().encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            names = [name for name, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                                   keep_blank_values=True)]
            path = self.keys.redact(scope["path"]) + ("?" + "&".join(names) if names else "")
            log.info("request %s: %s %s -> %d in %.1f ms", request_id, scope["method"], path, status,
                     (time.perf_counter() - start) * 1000)
