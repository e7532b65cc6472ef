"""Session fixtures: one trained and scored world, and one server on it, for all the service tests."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the `service_world` helper module

from service_world import make_world, start_service  # noqa: E402


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    return make_world(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="session")
def service(world):
    service = start_service(world)
    yield service
    service.process.terminate()
    service.process.wait(timeout=30)


@pytest.fixture(scope="session")
def client(service):
    with service.client() as client:
        yield client
