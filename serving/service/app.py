"""The FastAPI application: settings in `app.state`, the models and store loaded by the lifespan handler,
API-key authentication on everything but the health endpoints and the docs."""

import threading
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

import cxmodels
from serving.service.errors import BodyLimit, add_error_handlers
from serving.service.routers import admin, customers, health, scoring, segments
from serving.service.runtime import Runtime
from serving.service.security import require_api_key
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
                              "Send the API key in the X-API-Key header; /health, /ready and /version are open.")
    app.state.settings = settings
    app.state.runtime = Runtime(settings)
    add_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.config.service.max_request_bytes)
    app.include_router(health.router)
    for router in (customers.router, segments.router, scoring.router, admin.router):
        app.include_router(router, dependencies=[Depends(require_api_key)])
    return app
