"""The OpenAPI document tells the truth: schemathesis, with every check and all its phases (examples,
coverage, fuzzing, stateful), against the running service finds nothing."""

import re
import subprocess
from pathlib import Path

import pytest

from service_world import API_KEY, BIN

CONFIG = Path(__file__).with_name("schemathesis.toml")
SECONDS = 45  # the time budget of one run: fuzzing and stateful testing repeat until it is spent


@pytest.mark.slow
def test_schemathesis_finds_nothing_against_the_running_service(service, tmp_path):
    result = subprocess.run(
        [str(BIN / "schemathesis"), "--config-file", str(CONFIG), "run", f"{service.url}/openapi.json",
         "--checks", "all", "--max-time", str(SECONDS), "--workers", "1", "-H", f"X-API-Key: {API_KEY}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=SECONDS + 240)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated and int(generated[2]) > 0, result.stdout[-2000:]
