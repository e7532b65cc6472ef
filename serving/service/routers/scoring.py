"""POST /score: new raw interactions in the data contract's table shapes, scored with the champions.

The tables are checked by the data contract (422 with its problems) and the customers are tiered
against the latest batch (its clv quantiles and RFM edges), as a batch run would have tiered them.
Both happen in a scoring worker (`serving.service.workers`), off the process that answers look-ups.
"""

from dataclasses import asdict
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from cxmodels.data.contract import TABLES as CONTRACT
from cxmodels.data.cutoff import utc_timestamp
from cxmodels.data.validate import validate_tables
from cxmodels.features import snapshot_population
from serving.scoring import score
from serving.service.errors import ApiError, documented
from serving.service.frames import records
from serving.service.runtime import RuntimeDep

router = APIRouter(tags=["scoring"])
TABLES = ("transactions", "customers", "contacts", "surveys", "events")
INTERACTIONS = ("contacts", "surveys", "events")
SHOWN_PROBLEMS = 3  # contract problems named in `detail`; all are in `problems`


def _scalar(value):
    if isinstance(value, (dict, list)):
        raise ValueError(f"a value must be a string, number, boolean or null, not {type(value).__name__}")
    return value


VALUE_SCHEMA = {"type": ["string", "number", "boolean", "null"]}
Value = Annotated[Any, BeforeValidator(_scalar), WithJsonSchema(VALUE_SCHEMA)]


def _rows(table: str, min_rows: int = 0):
    """The type of a table's rows: JSON objects of scalars, each with the contract's required columns (the
    document declares them; the contract checks the values)."""
    required = list(CONTRACT[table].required)

    def complete(rows):
        for number, row in enumerate(rows):
            missing = [column for column in required if column not in row]
            if missing:
                raise ValueError(f"{table}.{missing[0]}: required column is missing (row {number})")
        return rows

    schema = {"type": "array", "minItems": min_rows, "items": {
        "type": "object", "required": required, "additionalProperties": VALUE_SCHEMA,
        "properties": {column: VALUE_SCHEMA for column in CONTRACT[table].columns}}}
    return Annotated[list[dict[str, Value]], AfterValidator(complete), WithJsonSchema(schema)]


class ScoreRequest(BaseModel):
    """Tables of the data contract as lists of rows (column: value); only transactions is required."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "as_of": "2025-07-01", "transactions": [
            {"customer_id": "c1", "timestamp": "2025-03-02T10:15:00Z", "amount": 42.5},
            {"customer_id": "c1", "timestamp": "2025-05-20", "amount": 17.0}],
        "surveys": [{"customer_id": "c1", "timestamp": "2025-05-21", "survey": "nps", "score": 9}]}]})

    as_of: str | None = Field(None, description="Cut-off (ISO date or datetime; naive is UTC); default now. "
                                                "Only rows strictly before it are used.")
    transactions: _rows("transactions", 1) = Field(min_length=1, description="At least one row: a customer is "
                                                                            "scored from purchases.")
    customers: _rows("customers") | None = Field(None, description="Customer attributes; an empty list is the "
                                                                   "same as none sent.")
    contacts: _rows("contacts") | None = None
    surveys: _rows("surveys") | None = None
    events: _rows("events") | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_tables(cls, data):
        if isinstance(data, dict):
            unknown = [key for key in data if key not in ("as_of", *TABLES)]
            if unknown:
                raise ValueError(f"unknown table(s) {', '.join(map(repr, unknown))}: the tables are "
                                 f"{', '.join(TABLES)} (and as_of)")
        return data

    @field_validator("as_of")
    @classmethod
    def _iso_date(cls, value):
        if value is None:
            return value
        try:
            utc_timestamp(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO date or datetime (e.g. 2025-07-01)") from None
        return value

    def frames(self) -> dict[str, pd.DataFrame]:
        """The tables sent; an interaction table not sent is empty (none known), so every feature is built; an
        empty customers list is no customers table (else it would make every customer unknown). An optional
        column no row sends is missing throughout (JSON clients leave out null fields)."""
        return {name: _with_optional_columns(name, pd.DataFrame(rows) if rows else _empty(name))
                for name in TABLES if (rows := getattr(self, name)) or name in INTERACTIONS}


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype=object) for column in CONTRACT[name].required})


def _with_optional_columns(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    missing = [column for column in CONTRACT[name].optional if column not in frame.columns]
    return frame.assign(**{column: pd.Series([None] * len(frame), index=frame.index, dtype=object)
                           for column in missing})


def _contract_error(problems) -> ApiError:
    """422 naming the first problems in `detail`; all of them, with examples, in `problems`."""
    shown = "; ".join(p.describe().replace("\n      ", " ") for p in problems[:SHOWN_PROBLEMS])
    more = f" (and {len(problems) - SHOWN_PROBLEMS} more)" if len(problems) > SHOWN_PROBLEMS else ""
    return ApiError(422, f"the tables break the data contract: {shown}{more}", problems=[asdict(p) for p in problems])


@router.post("/score", summary="Score customers from their raw interactions", responses=documented(400, 413, 422))
async def score_customers(request: ScoreRequest, runtime: RuntimeDep) -> dict:
    batch = await run_in_threadpool(runtime.latest_batch)
    as_of = utc_timestamp(request.as_of) if request.as_of else pd.Timestamp.now(tz="UTC")
    return await runtime.score(scored, request, as_of, batch.batch_id, batch.metadata["reference"])


def scored(champions, config, request: ScoreRequest, as_of: pd.Timestamp, batch_id: str, reference: dict) -> dict:
    """The answer to a POST /score, computed in a scoring worker; ApiError (422) for tables it cannot score."""
    validated = validate_tables(request.frames(), source="request body")
    if not validated.report.ok:
        raise _contract_error(validated.report.problems)
    sent = set(pd.concat([frame["customer_id"] for frame in validated.dataset.tables.values()]))
    answer = {"as_of": as_of.isoformat(), "reference_batch_id": batch_id, "scores": [], "unscored": sorted(sent)}
    if snapshot_population(validated.dataset, as_of, config=champions.feature_config, lapsed=True).empty:
        return answer
    try:
        scores, _ = score(validated.dataset, champions, as_of, config, reference)
    except ValueError as error:  # e.g. the champions cannot use what was sent
        raise ApiError(422, f"cannot score these tables as of {as_of.isoformat()}: {error}") from None
    return answer | {"scores": records(scores), "unscored": sorted(sent - set(scores["customer_id"]))}
