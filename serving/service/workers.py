"""Scoring off the service's process: worker processes, each holding the champions of given versions.

POST /score costs tens of ms of CPU under the GIL (validation, features, TreeSHAP, segments); in the
service's own process it would stall every look-up. A `ScorePool` runs it in `[service] score_workers`
processes (forkserver: nothing of the service's threads or sockets is inherited), each loading the
champions once, by registry version, in its initializer.
"""

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor

from threadpoolctl import threadpool_limits

from serving.champions import Champions, load_champions

WORKER_NICENESS = 5  # on a busy machine the look-ups (in the service's process) get the CPU first
_champions: Champions | None = None  # in a worker: the models it scores with
_config = None  # in a worker: the serving configuration


def _load(tracking_uri: str | None, versions: dict[str, str], config) -> None:
    global _champions, _config
    os.nice(WORKER_NICENESS)
    _champions, _config = load_champions(tracking_uri, versions), config
    # One thread per worker (concurrency comes from processes): on a few rows, LightGBM's OpenMP threads
    # cost ~7 ms per predict in wake-ups and spin on a busy machine, against 0.1 ms on one thread.
    threadpool_limits(1)


def _versions() -> dict[str, str]:
    return _champions.versions()


def _call(fn, *args):
    return fn(_champions, _config, *args)


class ScorePool:
    """Worker processes holding the champions of `versions` (as `Champions.versions()` gives them)."""

    def __init__(self, settings, versions: dict[str, str]):
        self.versions = versions
        self.workers = settings.config.service.score_workers
        self._executor = ProcessPoolExecutor(self.workers, multiprocessing.get_context("forkserver"), _load,
                                             (settings.tracking_uri, versions, settings.config))

    def start(self) -> "ScorePool":
        """Start every worker and wait until each has loaded the models; closed again if one fails."""
        try:
            for future in [self._executor.submit(_versions) for _ in range(self.workers)]:
                future.result()
        except BaseException:
            self.close()
            raise
        return self

    def submit(self, fn, *args) -> Future:
        """`fn(champions, config, *args)` in a worker; `fn` and the arguments must pickle."""
        return self._executor.submit(_call, fn, *args)

    def close(self, wait: bool = False) -> None:
        """Take no more work; the workers exit once the work already submitted is done."""
        self._executor.shutdown(wait=wait)
