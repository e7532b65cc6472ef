"""The registered churn champion behind MLflow's own model server (`mlflow models serve`), as a CRM might call it."""

import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from service_world import free_port


@pytest.mark.slow
def test_mlflow_models_serve_answers_a_dataframe_split_payload(world):
    from cxmodels.data import load_dataset
    from cxmodels.features import build_features, data_as_of, snapshot_population
    from serving.champions import load_champions
    from training.pipeline import model_input

    champions = load_champions(world.tracking_uri)
    dataset, present = data_as_of(load_dataset(world.folder / "world"))
    population = snapshot_population(dataset, present)[:20]
    features = build_features(dataset, present, champions.feature_config, population)
    frame = model_input(features[list(champions.churn.feature_names_in_)].reset_index())  # customer_id first
    payload = {"dataframe_split": {"columns": list(frame.columns),
                                   "data": frame.astype(object).where(frame.notna(), None).to_numpy().tolist()}}
    port, bin_dir = free_port(), Path(sys.executable).parent
    env = {**world.env, "PATH": f"{bin_dir}:{world.env.get('PATH', '')}"}  # mlflow starts `uvicorn` from PATH
    server = subprocess.Popen(
        [str(bin_dir / "mlflow"), "models", "serve", "-m", "models:/cxmodels-churn@champion",
         "--env-manager", "local", "--host", "127.0.0.1", "-p", str(port)],
        cwd=world.folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{url}/ping", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        assert server.poll() is None, server.stdout.read()
        answer = httpx.post(f"{url}/invocations", json=payload, timeout=60)
        assert answer.status_code == 200, answer.text
        predictions = pd.DataFrame(answer.json()["predictions"])
        expected = pd.read_parquet(world.folder / "scores.parquet").set_index("customer_id").loc[population]
        assert predictions["customer_id"].tolist() == population.tolist()
        np.testing.assert_allclose(predictions["churn_probability"], expected["churn_probability"], rtol=1e-9)
        assert predictions["reason_1"].tolist() == expected["reason_1"].tolist()
        refused = httpx.post(f"{url}/invocations", json={"dataframe_split": {"columns": ["x"], "data": [[1]]}})
        assert refused.status_code == 400
    finally:
        server.terminate()
        server.wait(timeout=30)
