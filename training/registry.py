"""Logging the estimators as registered MLflow pyfunc models, and the champion/challenger promotion rule.

Every new version gets the alias `challenger`; it also gets `champion` when it beats the
current champion on the same held-out snapshot, or when there is none. An explicit
promote=True/False overrides the rule.
"""

import pickle
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature, infer_signature
from mlflow.types.schema import ColSpec, Schema
from mlflow.tracking import MlflowClient

import cxmodels
from training.pyfunc import ESTIMATOR_ARTIFACT

CHURN_MODEL = "cxmodels-churn"
CLV_MODEL = "cxmodels-clv"
CHAMPION = "champion"
CHALLENGER = "challenger"
NOT_FOUND = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")  # MLflow's codes for a missing model or alias
REQUIREMENTS = ("mlflow", "numpy", "pandas", "scipy", "scikit-learn", "lightgbm", "lifetimes")


def champion_uri(name: str) -> str:
    return f"models:/{name}@{CHAMPION}"


def champion_version(name: str) -> str | None:
    """The version of registered model `name` that holds the champion alias, or None; MlflowException when
    the store cannot be asked (unreachable, say), which is not the same as having no champion."""
    try:
        return str(MlflowClient().get_model_version_by_alias(name, CHAMPION).version)
    except MlflowException as error:
        if error.error_code in NOT_FOUND:  # no such registered model, or no champion yet
            return None
        raise


def log_model(estimator, wrapper, name: str, input_example: pd.DataFrame, output_example: pd.DataFrame,
              features: list[str]) -> str:
    """Log `estimator` (pickled) under the active run as a pyfunc model served by `wrapper`, register it
    as `name`, and return the new version. The signature comes from the example input and output; the
    metadata holds the feature list and the cxmodels version."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "estimator.pkl"
        path.write_bytes(pickle.dumps(estimator))
        info = mlflow.pyfunc.log_model(
            name=name.removeprefix("cxmodels-"), python_model=wrapper, artifacts={ESTIMATOR_ARTIFACT: str(path)},
            signature=_signature(input_example, output_example), input_example=input_example,
            registered_model_name=name, pip_requirements=_requirements(),
            metadata={"features": list(features), "cxmodels_version": cxmodels.__version__},
        )
    return str(info.registered_model_version)


MIN_IMPROVEMENT = 1e-9  # a challenger must beat the champion by more than floating-point noise


def decide(score: float, champion_score: float | None, promote: bool | None,
           champion_error: str | None = None, refusal: str | None = None) -> tuple[bool, str]:
    """Whether the new version becomes champion, and why. A champion that cannot score the held-out
    snapshot (`champion_error`, e.g. features it needs are gone) is replaced. A `refusal` (the model is no
    better than its baseline) keeps it a challenger whatever else holds, --promote included."""
    if refusal is not None:
        return False, f"not promoted{' despite --promote' if promote else ''}: {refusal}"
    if promote is not None:
        return promote, "promoted on request (--promote)" if promote else "kept as challenger on request (--no-promote)"
    if champion_error is not None:
        return True, f"the champion cannot score the held-out snapshot: {champion_error}"
    if champion_score is None:
        return True, "no champion to beat"
    if score > champion_score + MIN_IMPROVEMENT:
        return True, f"beats the champion ({score:.4f} > {champion_score:.4f})"
    return False, f"does not beat the champion ({score:.4f} <= {champion_score:.4f})"


def set_aliases(name: str, new_version: str, promote: bool) -> None:
    """`challenger` on the new version; `champion` too when promoted."""
    client = MlflowClient()
    client.set_registered_model_alias(name, CHALLENGER, new_version)
    if promote:
        client.set_registered_model_alias(name, CHAMPION, new_version)


def _signature(input_example: pd.DataFrame, output_example: pd.DataFrame) -> ModelSignature:
    """The signature inferred from the examples, with text (object) columns typed string: a text column the
    few example rows leave empty would otherwise be inferred as a number, or as anything."""
    signature = infer_signature(input_example, output_example)
    text = {name for name in input_example.columns if input_example[name].dtype == object}
    inputs = [ColSpec("string", spec.name, required=spec.required) if spec.name in text else spec
              for spec in signature.inputs.inputs]
    return ModelSignature(Schema(inputs), signature.outputs)


def _requirements() -> list[str]:
    """Pinned versions of what the wrappers import (cxmodels itself is installed from its source tree)."""
    pins = []
    for package in REQUIREMENTS:
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            pins.append(package)
    return pins
