"""POST /admin/reload: pick up newly promoted champions without failing requests in flight."""

from fastapi import APIRouter

from serving.service.errors import ApiError
from serving.service.runtime import RuntimeDep

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/reload", summary="Load the current champions from the registry and swap them in")
def reload(runtime: RuntimeDep) -> dict:
    previous = runtime.champions
    serving = previous.versions() if previous else None
    try:
        champions = runtime.reload()
    except Exception as error:  # noqa: BLE001 - whatever failed, the old models keep serving
        raise ApiError(503, f"reload failed, the previous models are still served: {error}", serving=serving) from None
    return {"reloaded": True, "previous": serving, **champions.versions()}
