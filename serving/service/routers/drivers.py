"""The driver table: which CX problems cost the most customers and revenue, as the latest `cxmodels drivers`
run stored it."""

from fastapi import APIRouter

from serving.service.errors import ApiError, documented
from serving.service.frames import records
from serving.service.runtime import RuntimeDep

router = APIRouter(tags=["drivers"])


def latest_drivers(runtime):
    """The latest driver table of the store; 404 when none was stored."""
    drivers = runtime.require_store().latest_drivers()
    if drivers is None:
        raise ApiError(404, "no driver table yet: run `cxmodels drivers DATA_DIR` (it stores one in the score store)")
    return drivers


@router.get("/drivers", summary="The driver table: expected churners and revenue at risk per CX problem",
            responses=documented(404))
def drivers(runtime: RuntimeDep) -> dict:
    """One row per driver (repeat contacts, transfers, long waits, ...): customers affected, the churners and the
    revenue at risk the driver adds over the model's horizon, with its interval; the cut-off and model versions
    it was computed with."""
    table = latest_drivers(runtime)
    return {**table.metadata, "created_at": table.created_at.isoformat(), "drivers": records(table.frame)}
