"""Backpressure: POST /score calls beyond the workers' queue are refused at once with 503 and Retry-After."""

import asyncio
from concurrent.futures import Future

import pytest

from serving.config import ServiceSettings, ServingConfig
from serving.service.errors import ApiError
from serving.service.runtime import Runtime
from serving.service.settings import Settings


class _Pool:
    """A pool whose work finishes only when the test says so."""

    def __init__(self):
        self.futures = []

    def submit(self, fn, *args) -> Future:
        self.futures.append(Future())
        return self.futures[-1]


def test_scoring_beyond_the_queue_is_refused_and_a_finished_call_frees_its_place():
    runtime = Runtime(Settings(ServingConfig(service=ServiceSettings(score_workers=1, max_queued_scores=1)), "key"))
    runtime.pool = pool = _Pool()

    async def scenario():
        running = [asyncio.ensure_future(runtime.score(len)) for _ in range(2)]  # one scoring, one waiting
        await asyncio.sleep(0)
        with pytest.raises(ApiError) as refused:
            await runtime.score(len)
        assert refused.value.status_code == 503 and refused.value.headers == {"Retry-After": "1"}
        assert "scoring is busy" in refused.value.detail and len(pool.futures) == 2
        pool.futures[0].set_result("first")
        assert await running[0] == "first"
        third = asyncio.ensure_future(runtime.score(len))
        await asyncio.sleep(0)
        assert len(pool.futures) == 3
        pool.futures[1].set_exception(ValueError("bad tables"))
        pool.futures[2].set_result("third")
        with pytest.raises(ValueError, match="bad tables"):
            await running[1]
        assert await third == "third" and runtime._scoring == 0

    asyncio.run(scenario())


def test_the_queue_limit_must_be_positive():
    with pytest.raises(ValueError, match="service.max_queued_scores must be at least 1"):
        ServiceSettings(max_queued_scores=0)
