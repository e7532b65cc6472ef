"""What the service loads at start: the score store and the champion models, swapped whole on reload.

A request reads `runtime.champions` once and keeps that object to the end, so a reload never changes
the models under a request in flight. Reloads are serialised; a failed one leaves the old models.
"""

import logging
import threading
from typing import Annotated

from fastapi import Depends, Request

from serving.champions import Champions, load_champions
from serving.service.errors import ApiError
from serving.service.settings import Settings
from serving.store import Batch, ScoreStore

log = logging.getLogger(__name__)


class Runtime:
    """The service's loaded state; `champions` None until loaded, `error` why not."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store: ScoreStore | None = None
        self.champions: Champions | None = None
        self.error: str | None = None  # why loading failed, for /ready
        self._reloading = threading.Lock()

    def load(self) -> None:
        """Open the store and load the champions; a failure is kept in `error` (and logged), not raised."""
        try:
            self.reload()
        except Exception as error:  # noqa: BLE001 - any failure at start is reported by /ready, the service stays up
            log.error("cxmodels service not ready: %s", error)

    def reload(self) -> Champions:
        """Load the current champions, then swap them in; raises ChampionError or StoreError (the old ones stay)."""
        with self._reloading:
            try:
                store = self.store or ScoreStore(self.settings.store_url)
                champions = load_champions(self.settings.tracking_uri)
            except Exception as error:
                if self.champions is None:  # nothing served yet: /ready says why
                    self.error = str(error)
                raise
            self.store, self.champions, self.error = store, champions, None
            return champions

    def require_store(self) -> ScoreStore:
        if self.store is None:
            raise ApiError(503, f"the score store is not loaded{': ' + self.error if self.error else ' yet'}")
        return self.store

    def require_champions(self) -> Champions:
        champions = self.champions
        if champions is None:
            raise ApiError(503, f"the models are not loaded{': ' + self.error if self.error else ' yet'}")
        return champions

    def latest_batch(self) -> Batch:
        batch = self.require_store().latest_batch()
        if batch is None:
            raise ApiError(503, f"no complete batch in the score store {self.settings.store_url}: "
                                "run `cxmodels score` first")
        return batch


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
