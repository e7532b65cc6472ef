"""What the service loads at start: the score store, the champion models and the scoring workers
holding them, swapped whole on reload.

A request reads `runtime.champions` once and keeps that object to the end, so a reload never changes
the models under a request in flight; POST /score is handed to the pool of the moment, and a replaced
pool finishes what it was given before its workers exit. Reloads are serialised; a failed one leaves
the old models.
"""

import asyncio
import logging
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Annotated

from fastapi import Depends, Request

from serving.champions import Champions, load_champions
from serving.service.errors import ApiError
from serving.service.settings import Settings
from serving.service.workers import ScorePool
from serving.store import Batch, ScoreStore

log = logging.getLogger(__name__)


class Runtime:
    """The service's loaded state; `champions` None until loaded, `error` why not."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store: ScoreStore | None = None
        self.champions: Champions | None = None
        self.pool: ScorePool | None = None  # workers holding the same champions
        self.error: str | None = None  # why loading failed, for /ready
        self.loading_since: float | None = None  # time.monotonic() when the first load began
        self._reloading = threading.Lock()
        self._swapping = threading.Lock()  # a pool is swapped out only between two submissions
        self._scoring = 0  # POST /score calls submitted and not done: beyond the queue limit, 503

    def load(self) -> None:
        """Open the store and load the champions; a failure is kept in `error` (and logged), not raised."""
        self.loading_since = time.monotonic()
        try:
            self.reload()
        except Exception as error:  # noqa: BLE001 - any failure at start is reported by /ready, the service stays up
            log.error("cxmodels service not ready: %s", error)

    def reload(self) -> Champions:
        """Load the current champions and start workers holding them, then swap both in and let the old
        workers finish their requests; raises ChampionError, StoreError, ... (the old ones stay)."""
        with self._reloading:
            try:
                store = self.store or ScoreStore(self.settings.store_url)
                champions = load_champions(self.settings.tracking_uri)
                pool = ScorePool(self.settings, champions.versions()).start()
            except Exception as error:
                if self.champions is None:  # nothing served yet: /ready says why
                    self.error = str(error)
                raise
            with self._swapping:
                old, self.pool = self.pool, pool
                self.store, self.champions, self.error = store, champions, None
            if old is not None:
                old.close()
            return champions

    async def score(self, fn, *args):
        """`fn(champions, config, *args)` in a scoring worker, its result or its exception, awaited without
        holding a thread. A worker that died gives a 503 and its pool is replaced (the next request waits
        for the new workers to load)."""
        service = self.settings.config.service
        try:
            with self._swapping:  # held for microseconds, never across an await
                pool = self.pool
                if pool is None:
                    raise self._not_loaded("the models are")
                if self._scoring >= service.score_workers * (1 + service.max_queued_scores):
                    raise ApiError(503, f"scoring is busy ({self._scoring} requests in progress or waiting): retry "
                                        "shortly", headers={"Retry-After": "1"})
                future = pool.submit(fn, *args)
                self._scoring += 1
            future.add_done_callback(self._done)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            with self._swapping:
                if self.pool is pool:
                    self.pool = ScorePool(self.settings, pool.versions)
            pool.close()
            log.error("a scoring worker died; its pool is replaced")
            raise ApiError(503, "the scoring worker stopped unexpectedly (crashed or killed); a new one is "
                                "starting: retry the request") from None

    def _done(self, future) -> None:
        with self._swapping:
            self._scoring -= 1

    def close(self) -> None:
        """Stop the scoring workers (at shutdown)."""
        with self._swapping:
            pool, self.pool = self.pool, None
        if pool is not None:
            pool.close(wait=True)

    def require_store(self) -> ScoreStore:
        if self.store is None:
            raise self._not_loaded("the score store is")
        return self.store

    def require_champions(self) -> Champions:
        champions = self.champions
        if champions is None:
            raise self._not_loaded("the models are")
        return champions

    def _not_loaded(self, what: str) -> ApiError:
        if self.error:
            return ApiError(503, f"{what} not loaded: {self.error}")
        loading = f" (loading for {time.monotonic() - self.loading_since:.0f} s)" if self.loading_since else ""
        return ApiError(503, f"{what} not loaded yet{loading}")

    def latest_batch(self) -> Batch:
        """The latest complete batch; StoreError (503) when there is none."""
        return self.require_store().batch()


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
