"""The dashboard: one server-rendered page of the latest batch for CX and marketing leads. The KPI trends by
month, the driver table as a chart of revenue at risk, the churn rate by experience band, and the segments with
a CSV download each.

Charts are SVG drawn by matplotlib on the server (the report figures of cxmodels.plots): no JavaScript, nothing
fetched by the browser. The page needs a read key like the API: in the X-API-Key header, or entered once in the
login form, which sets a session cookie (HttpOnly, Secure, SameSite=Strict) holding an HMAC of the key, never
the key itself (serving.service.keys.session_token). The page reads the store only; it is drawn once per batch
and driver table.
"""

import io
from functools import lru_cache
from urllib.parse import parse_qs

import jinja2
import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from cxmodels.plots import churn_by_experience_figure, kpi_trend_figure, revenue_at_risk_figure
from serving.files import escape_formulas
from serving.service.errors import ApiError
from serving.service.keys import session_token
from serving.service.runtime import RuntimeDep
from serving.service.settings import API_KEY_HEADER, SettingsDep
from serving.store import StoreError

router = APIRouter(prefix="/dashboard", include_in_schema=False)
SESSION_COOKIE = "cxmodels_session"
TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("serving.service", "templates"),
                               autoescape=jinja2.select_autoescape(), undefined=jinja2.StrictUndefined)
TEMPLATES.filters["percent"] = lambda value: "" if np.isnan(value) else f"{value:.1%}"
TEMPLATES.filters["figure"] = lambda value: (f"{value:,.1f}" if isinstance(value, float) else
                                             f"{value:,}" if isinstance(value, int) else value)


def _signed_in(request: Request, settings) -> bool:
    """The request carries an accepted key (header) or session cookie, or the service is open."""
    if settings.open:
        return True
    key, token = request.headers.get(API_KEY_HEADER), request.cookies.get(SESSION_COOKIE)
    if key:
        return settings.keys.role(key) is not None
    return bool(token) and settings.keys.session_role(token) is not None


def _login(error: str = "", status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(TEMPLATES.get_template("login.html").render(error=error), status_code)


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, runtime: RuntimeDep, settings: SettingsDep):
    if not _signed_in(request, settings):
        return _login()
    try:
        batch = runtime.latest_batch()
    except (ApiError, StoreError) as error:  # no store loaded, or no batch in it yet: a page saying so
        reason = error.detail if isinstance(error, ApiError) else str(error)
        return HTMLResponse(TEMPLATES.get_template("unavailable.html").render(reason=reason), 503,
                            headers={"Cache-Control": "no-store"})
    store = runtime.store
    tables, drivers = store.batch_tables(batch.batch_id), store.latest_drivers()
    counts = store.segment_counts(batch.batch_id)
    segments = [{"name": name, "description": description, "customers": counts.get(name, 0)}
                for name, description in (batch.metadata.get("segments") or {}).items()]
    links = tables.get("links")
    driver_rows = None
    if drivers is not None:
        frame = drivers.frame.sort_values("revenue_at_risk", ascending=False, kind="stable")
        driver_rows = {"metadata": drivers.metadata, "columns": list(frame.columns),
                       "rows": [[_plain(value) for value in row] for row in frame.itertuples(index=False)]}
    charts = _charts(store, batch.batch_id, None if drivers is None else drivers.created_at)
    page = TEMPLATES.get_template("dashboard.html").render(
        batch=batch, open=settings.open, segments=segments, drivers=driver_rows, links=links,
        links_note=batch.metadata.get("notes", {}).get("links", ""), charts=charts)
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.post("/login")
async def login(request: Request, settings: SettingsDep):
    """Sign in with a read (or admin) key from the form; a session cookie for /dashboard, then the page."""
    key = parse_qs((await request.body()).decode("utf-8", "replace")).get("key", [""])[0].strip()
    if not key or settings.keys.role(key) is None:
        return _login("That key is not accepted: enter a read key of the service.", 401)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(SESSION_COOKIE, session_token(key), path="/dashboard", httponly=True, secure=True,
                        samesite="strict")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/dashboard", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/dashboard", httponly=True, secure=True, samesite="strict")
    return response


@router.get("/segments/{name}.csv")
def segment_csv(name: str, request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """Every customer of a segment in the latest batch as CSV (as `cxmodels segments export NAME`)."""
    if not _signed_in(request, settings):
        raise ApiError(401, "sign in at /dashboard first (or send a read key in the X-API-Key header)")
    batch = runtime.latest_batch()
    if name not in (batch.metadata.get("segments") or {}):
        raise ApiError(404, f"unknown segment {name!r} in batch {batch.batch_id}")
    members = runtime.store.segment_members(name, batch.batch_id)
    return Response(escape_formulas(members).to_csv(index=False), media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}-{batch.as_of:%Y-%m-%d}.csv"'})


@lru_cache(maxsize=4)
def _charts(store, batch_id: str, drivers_written) -> dict:
    """The page's charts as inline SVG: kpis (one per KPI, all customers), drivers and links (None without)."""
    tables, drivers = store.batch_tables(batch_id), store.latest_drivers()
    kpis = tables.get("kpis")
    trends = [] if kpis is None else [_svg(kpi_trend_figure(kpi, rows))
                                      for kpi, rows in kpis.groupby("kpi", sort=False)]
    return {"kpis": trends,
            "drivers": None if drivers is None else _svg(revenue_at_risk_figure(drivers.frame)),
            "links": _svg(churn_by_experience_figure(tables["links"])) if "links" in tables else None}


def _svg(figure) -> Markup:
    """A figure as an inline <svg> element (the XML prologue dropped)."""
    text = io.StringIO()
    figure.savefig(text, format="svg", metadata={"Date": None})
    svg = text.getvalue()
    return Markup(svg[svg.index("<svg"):])


def _plain(value):
    """numpy scalars as Python numbers, for the template's formatting."""
    return value.item() if isinstance(value, np.generic) else value
