"""Open endpoints: alive, ready (models and store loaded) and versions."""

from fastapi import APIRouter

import cxmodels
from serving.service.errors import ApiError, documented, json_error
from serving.service.frames import batch_info
from serving.service.runtime import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is alive")
def health() -> dict:
    return {"status": "ok"}


@router.get("/ready", summary="Models and score store loaded (503 until they are)", responses=documented(503))
def ready(runtime: RuntimeDep):
    try:
        champions, batch = runtime.require_champions(), runtime.latest_batch()
    except ApiError as error:
        return json_error(503, str(error.detail), ready=False)
    return {"ready": True, **champions.versions(), **batch_info(batch)}


@router.get("/version", summary="cxmodels, model and latest batch versions")
def version(runtime: RuntimeDep) -> dict:
    champions = runtime.champions
    answer = {"cxmodels": cxmodels.__version__, "churn_model_version": None, "clv_model_version": None, "batch": None}
    if champions is not None:
        answer |= champions.versions()
    batch = runtime.store.latest_batch() if runtime.store is not None else None
    if batch is not None:
        answer["batch"] = {**batch_info(batch), "rows": batch.rows, "completed_at": batch.completed_at.isoformat(),
                           **{key: batch.metadata.get(key) for key in ("churn_model_version", "clv_model_version")}}
    return answer
