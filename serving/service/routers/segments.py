"""Segment lists for marketing from the latest batch: the segments with their sizes, and one segment's
customers with their scores and reasons, as JSON or CSV, a page at a time; or its save list (serving.economics)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from serving.economics import save_list
from serving.files import escape_formulas
from serving.service.errors import ApiError, documented
from serving.service.frames import batch_info, records
from serving.service.runtime import RuntimeDep
from serving.service.settings import SettingsDep

router = APIRouter(prefix="/segments", tags=["segments"])


def declare_page_limit(schema: dict, max_page_size: int) -> dict:
    """The OpenAPI document with `limit` of /segments/{name} at most `max_page_size` ([service] max_page_size, a
    setting: the route cannot declare it), as the route enforces it."""
    for parameter in schema["paths"][f"{router.prefix}/{{name}}"]["get"]["parameters"]:
        if parameter["name"] == "limit":
            for option in parameter["schema"].get("anyOf", [parameter["schema"]]):
                if option.get("type") == "integer":
                    option["maximum"] = max_page_size
    return schema


def _described(batch, settings) -> dict[str, str]:
    """The segments of a batch by name, with their descriptions (as recorded by the batch run)."""
    return batch.metadata.get("segments") or {name: s.description for name, s in settings.config.catalog().items()}


@router.get("", summary="The segments of the latest batch and how many customers each has")
def list_segments(runtime: RuntimeDep, settings: SettingsDep) -> dict:
    batch = runtime.latest_batch()
    counts = runtime.store.segment_counts(batch.batch_id)
    catalog = settings.config.catalog()
    return {**batch_info(batch), "segments": [
        {"name": name, "description": description, "customers": counts.get(name, 0),
         "expression": catalog[name].expression if name in catalog else None}
        for name, description in _described(batch, settings).items()]}


@router.get("/{name}", summary="The customers of a segment, with their scores and reasons (JSON or CSV)",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **documented(404, 422)})
def segment_members(
    name: str, runtime: RuntimeDep, settings: SettingsDep, response: Response,
    limit: Annotated[int | None, Query(ge=1, description="Rows per page (default [service] page_size).")] = None,
    offset: Annotated[int, Query(ge=0, description="Rows to skip.")] = 0,
    format: Annotated[Literal["json", "csv"] | None, Query(description="Default: csv when Accept asks for "
                                                                       "text/csv, else json.")] = None,
    budget: Annotated[int | None, Query(ge=1, description="Save list: at most this many customers, those whose "
                                                          "expected net value of acting is highest.")] = None,
    max_cost: Annotated[float | None, Query(ge=0, description="Save list: offers costing at most this much in "
                                                              "all ([retention] offer_cost per customer).")] = None,
    accept: Annotated[str, Header()] = "",
):
    """Without budget or max_cost, the members in customer_id order. With either, a save list: the members whose
    expected net value of acting (action_value = churn_probability x clv x save_rate - offer_cost, terms from
    [retention]) is positive, best first, and the campaign's totals (in JSON; in X-Campaign-* headers for CSV)."""
    service = settings.config.service
    limit = limit or service.page_size
    if limit > service.max_page_size:
        raise ApiError(422, f"limit: at most {service.max_page_size} rows per page ([service] max_page_size), "
                            f"got {limit}")
    batch = runtime.latest_batch()
    known = _described(batch, settings)
    if name not in known:
        raise ApiError(404, f"unknown segment {name!r}; the segments of batch {batch.batch_id} are: "
                            f"{', '.join(known)}")
    campaign = {}
    if budget is None and max_cost is None:
        total = runtime.store.segment_counts(batch.batch_id).get(name, 0)
        members = runtime.store.segment_members(name, batch.batch_id, limit=limit, offset=offset)
    else:
        ranked, totals = save_list(runtime.store.segment_members(name, batch.batch_id),
                                   settings.config.retention.terms(name), budget, max_cost)
        total, members, campaign = len(ranked), ranked.iloc[offset:offset + limit], {"campaign": totals.as_dict()}
    headers = {"X-Total-Count": str(total)}
    if format == "csv" or (format is None and "text/csv" in accept):
        headers |= {f"X-Campaign-{key.replace('_', '-')}": str(value)
                    for key, value in campaign.get("campaign", {}).items()}
        return Response(escape_formulas(members).to_csv(index=False), media_type="text/csv", headers=headers)
    response.headers.update(headers)
    return {"segment": name, **batch_info(batch), "total": total, "limit": limit, "offset": offset, **campaign,
            "customers": records(members)}
