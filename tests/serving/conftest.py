"""Session fixtures: one trained and scored world, and one server on it per score store backend (SQLite,
PostgreSQL), for all the service tests."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the `service_world` and `backends` helper modules

from backends import BACKENDS, create_database, drop_database  # noqa: E402
from service_world import make_world, start_service  # noqa: E402


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """The world scored into a SQLite score store."""
    return make_world(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="session", params=BACKENDS)
def served_world(request, world, tmp_path_factory):
    """The world with a batch in a score store of each backend."""
    if request.param == "sqlite":
        yield world
        return
    url = create_database(request.param, tmp_path_factory.mktemp(request.param))
    served = world.on_store(url, request.param)
    served.run_batch()
    yield served
    drop_database(url)


@pytest.fixture(scope="session")
def service(served_world):
    service = start_service(served_world)
    yield service
    service.process.terminate()
    service.process.wait(timeout=30)


@pytest.fixture(scope="session")
def client(service):
    with service.client() as client:
        yield client
