"""The FastAPI application: settings in `app.state`, the models and store loaded by the lifespan handler,
API-key authentication on everything but the health endpoints and the docs (read keys; admin keys for
/admin), and the access log."""

import threading
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

import cxmodels
from serving.service.errors import BodyLimit, add_error_handlers, documented
from serving.service.routers import admin, customers, dashboard, drivers, health, scoring, segments
from serving.service.runtime import Runtime
from serving.service.access import AccessLog
from serving.service.security import require_admin_key, require_read_key
from serving.service.settings import Settings


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Load the store, the champions and the scoring workers in the background: /health answers at once,
    /ready once loaded. The workers stop with the service."""
    threading.Thread(target=app.state.runtime.load, name="cxmodels-load", daemon=True).start()
    yield
    app.state.runtime.close()


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="cxmodels scoring service", version=cxmodels.__version__, lifespan=lifespan,
                  description="Churn risk with reasons, CLV and segments per customer, for the CRM and marketing. "
                              "Send a read key in the X-API-Key header (an admin key for /admin); /health, /ready "
                              "and /version are open. Every answer carries X-Request-ID, as the service logs it.")
    app.state.settings = settings
    app.state.runtime = Runtime(settings)
    add_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.config.service.max_request_bytes)
    app.add_middleware(AccessLog, keys=settings.keys)  # outermost: it logs the 413s too
    app.include_router(health.router)
    app.include_router(dashboard.router)  # its own sign-in: the key in a header, or a session cookie
    for router in (customers.router, segments.router, drivers.router, scoring.router):
        app.include_router(router, dependencies=[Depends(require_read_key)], responses=documented(401, 503))
    app.include_router(admin.router, dependencies=[Depends(require_admin_key)], responses=documented(401, 403, 503))
    app.openapi = lambda: segments.declare_page_limit(FastAPI.openapi(app), settings.config.service.max_page_size)
    return app
