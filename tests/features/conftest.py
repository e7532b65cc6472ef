import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the `worlds` helper module

from worlds import random_world  # noqa: E402


@pytest.fixture(scope="module", params=[0, 1], ids=["seed0", "seed1"])
def world(request):
    return random_world(request.param)
