"""`cxmodels serve --workers N`: several processes answer on one port, each with its own scoring workers."""

import pandas as pd
import pytest

from service_world import children, start_service


@pytest.mark.slow
def test_several_service_processes_answer_on_one_port(served_world):
    ids = pd.read_parquet(served_world.scores_file)["customer_id"].head(40)
    service = start_service(served_world, "--workers", "2")
    try:
        assert len(children(service.process.pid)) >= 2  # uvicorn's worker processes
        with service.client() as client:
            answers = [client.get(f"/customers/{customer}/scores") for customer in ids]
            scored = client.post("/score", json={"transactions": [
                {"customer_id": "x", "timestamp": "2025-01-01", "amount": 5.0}]})
        assert [answer.status_code for answer in answers if answer.status_code != 200] == []
        assert len({answer.json()["batch_id"] for answer in answers}) == 1 and scored.status_code == 200
    finally:
        service.process.terminate()
        service.process.wait(timeout=30)
