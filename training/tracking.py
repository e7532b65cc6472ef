"""The MLflow tracking store and what identifies a run: data fingerprint, code version, git commit.

By default the store is under `mlruns/` of the working directory: a SQLite database
`mlruns/mlflow.db` (tracking and registry; MLflow 3 refuses a plain file store) and the
artifacts under `mlruns/artifacts/`. MLFLOW_TRACKING_URI, or an explicit URI, overrides.
"""

import hashlib
import os
import subprocess
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

from cxmodels.data import Dataset

DEFAULT_ROOT = Path("mlruns")


def tracking_uri(uri: str | None = None) -> str:
    """The store to use: `uri`, else MLFLOW_TRACKING_URI, else the SQLite database under ./mlruns."""
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri
    DEFAULT_ROOT.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(DEFAULT_ROOT / 'mlflow.db').resolve()}"


def artifact_root(uri: str) -> str | None:
    """Artifacts next to a SQLite database (its folder's `artifacts/`); None leaves other stores to MLflow."""
    if uri.startswith("sqlite:///"):
        return (Path(uri.removeprefix("sqlite:///")).parent / "artifacts").resolve().as_uri()
    return None


def use_experiment(uri: str, name: str) -> str:
    """Point MLflow at the store and return the id of experiment `name`, creating it (with its artifact
    location next to a SQLite database) when missing."""
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = MlflowClient().get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    return mlflow.create_experiment(name, artifact_location=artifact_root(uri))


def ui_command(uri: str) -> str:
    """The command that opens the MLflow UI on this store."""
    return f"mlflow ui --backend-store-uri {uri}"


def data_fingerprint(dataset: Dataset) -> str:
    """A short SHA-256 of every table's content (its column names and order, and its rows whatever their order):
    equal data, equal fingerprint."""
    return combined_fingerprint([table_digests(dataset)])


def table_digests(dataset: Dataset) -> dict[str, tuple[str, int, int]]:
    """Per table: its columns, rows and the sum (modulo 2**64) of its rows' hashes; the digests of parts of a
    dataset (each row in one part) give the whole's fingerprint (`combined_fingerprint`)."""
    return {name: (",".join(map(str, frame.columns)), len(frame),
                   int(pd.util.hash_pandas_object(frame, index=False).to_numpy().sum(dtype=np.uint64)))
            for name, frame in dataset.tables.items()}


def combined_fingerprint(parts: list[dict]) -> str:
    """The `data_fingerprint` of a dataset from the `table_digests` of its parts."""
    digest = hashlib.sha256()
    for name, (columns, _, _) in parts[0].items():
        rows = sum(part[name][1] for part in parts)
        total = sum(part[name][2] for part in parts) % 2**64
        digest.update(f"{name}:{columns}:{rows}:{total}".encode())
    return digest.hexdigest()[:16]


def git_commit() -> str | None:
    """The commit of the source tree `training` runs from, or None outside a git checkout."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                                text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None
