"""Every error as JSON with a `detail` message naming what is wrong; bad input gets a 4xx, never a 500.

Also the request size limit: a body over `max_bytes` gets 413, from its Content-Length before the body
is read, or while it streams in when there is none.
"""

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from cxmodels.errors import CxmodelsError
from serving.store import StoreError

MAX_LISTED = 20  # validation errors listed in one answer
MEANINGS = {  # each error status the service answers, as the OpenAPI document describes it
    400: "The body cannot be parsed at all (e.g. bytes that are not UTF-8)",
    401: "No API key, or one the service does not accept (X-API-Key)",
    403: "A read key where an admin key is needed",
    404: "No such customer in the latest batch, no such segment, or no driver table yet",
    413: "The request body is larger than [service] max_request_bytes",
    422: "The request breaks the declared schema, a limit of the configuration or the data contract",
    503: "Not ready (the score store or the models are not loaded, or there is no batch yet), or scoring is busy "
         "(Retry-After)",
}


class ErrorBody(BaseModel):
    """An error answer: `detail` names what is wrong; some add fields (`errors`, `problems`, `ready`, ...)."""

    model_config = ConfigDict(extra="allow")
    detail: str


def documented(*codes: int) -> dict:
    """The OpenAPI `responses` of these error statuses, all with an ErrorBody."""
    return {code: {"model": ErrorBody, "description": MEANINGS[code]} for code in codes}


class ApiError(CxmodelsError, HTTPException):
    """An HTTP error whose JSON body has `detail` and the `extra` fields."""

    def __init__(self, status_code: int, detail: str, headers: dict | None = None, **extra):
        super().__init__(status_code, detail, headers)
        self.extra = extra


def json_error(status_code: int, detail: str, headers=None, **extra) -> Response:
    body = json.dumps({"detail": detail, **extra}, default=str)
    return Response(body, status_code, headers, media_type="application/json")


async def _http_error(request: Request, error: HTTPException) -> Response:
    return json_error(error.status_code, str(error.detail), error.headers, **getattr(error, "extra", {}))


async def _invalid_request(request: Request, error: RequestValidationError) -> Response:
    messages = [_message(e) for e in error.errors()]
    more = [f"... and {len(messages) - MAX_LISTED} more"] if len(messages) > MAX_LISTED else []
    listed = messages[:MAX_LISTED] + more
    return json_error(422, "; ".join(listed), errors=listed)


def _message(error: dict) -> str:
    """One validation error in words; the input is never echoed (it may be bytes or huge)."""
    kind, where = error["type"], ".".join(str(part) for part in error["loc"])
    if kind == "missing" and where == "body":
        return "the request body is empty: send a JSON object of tables, e.g. {\"transactions\": [...]}"
    if kind == "json_invalid":
        return f"the body is not valid JSON: {error.get('ctx', {}).get('error', 'decode error')}"
    if kind == "model_attributes_type" and where == "body":
        return ("the body must be a JSON object of tables (Content-Type: application/json), "
                "e.g. {\"transactions\": [...]}")
    return f"{where}: {error['msg']}"


async def _store_unavailable(request: Request, error: StoreError) -> Response:
    return json_error(503, str(error))


async def _internal(request: Request, error: Exception) -> Response:
    return json_error(500, f"internal error ({type(error).__name__}); the service log has the details")


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StoreError, _store_unavailable)
    app.add_exception_handler(Exception, _internal)


class BodyLimit:
    """ASGI middleware: 413 for a request body larger than `max_bytes`."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def too_large(self) -> ApiError:
        return ApiError(413, f"the request body is larger than the limit of {self.max_bytes:,} bytes "
                             "([service] max_request_bytes)", max_request_bytes=self.max_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            response = await _http_error(Request(scope), self.too_large())
            return await response(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise self.too_large()  # an HTTPException: FastAPI answers it with _http_error
            return message

        await self.app(scope, limited_receive, send)
