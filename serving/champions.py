"""The champion models of the MLflow registry, as the estimators that score customers.

MLflow stays here, at the edge: the estimators are unwrapped from their pyfunc models and
everything after works on plain cxmodels objects.
"""

from dataclasses import dataclass

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

import cxmodels
from cxmodels.errors import ModelError
from cxmodels.features import FeatureConfig, describe
from cxmodels.models import BTYDModel, ChurnModel
from training import registry, tracking


class ChampionError(ModelError):
    """A champion model is missing, cannot be loaded, or needs features cxmodels cannot build."""


@dataclass(frozen=True)
class Champions:
    """The churn and CLV champions, their registry versions, and the feature settings they were trained with."""

    churn: ChurnModel
    clv: BTYDModel
    churn_version: str
    clv_version: str

    @property
    def feature_config(self) -> FeatureConfig:
        return self.churn.feature_config or FeatureConfig()

    def versions(self) -> dict[str, str]:
        return {"churn_model_version": self.churn_version, "clv_model_version": self.clv_version}


def load_champions(tracking_uri: str | None = None, versions: dict[str, str] | None = None) -> Champions:
    """The current champions of `cxmodels-churn` and `cxmodels-clv` in the store at `tracking_uri`
    (default as in training: MLFLOW_TRACKING_URI, else ./mlruns), or the versions given as
    `Champions.versions()` gives them. Raises ChampionError."""
    uri = tracking.tracking_uri(tracking_uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    versions = versions or {}
    churn, churn_version = _champion(registry.CHURN_MODEL, uri, versions.get("churn_model_version"))
    clv, clv_version = _champion(registry.CLV_MODEL, uri, versions.get("clv_model_version"))
    champions = Champions(churn, clv, churn_version, clv_version)
    _check_features(champions)
    return champions


def _champion(name: str, uri: str, version: str | None = None):
    """The estimator of version `version` of `name`, default the champion, and its version."""
    try:
        version = version or registry.champion_version(name)
    except MlflowException as error:
        raise ChampionError(f"cannot reach the MLflow store {uri} to find the champion of {name}: "
                            f"{' '.join(str(error).split())[:300]}") from None
    if version is None:
        raise ChampionError(f"no champion of '{name}' in the MLflow store {uri}: train one with `cxmodels train DATA_DIR` "
                            f"(a model no better than its baseline is never promoted: the training report says why)")
    try:
        model = mlflow.pyfunc.load_model(f"models:/{name}/{version}")
    except (MlflowException, OSError) as error:
        raise ChampionError(f"cannot load {name} v{version} from {uri} (its artifacts: {_source(name, version)}): "
                            f"{error}; if they were deleted, train again (`cxmodels train`) or give the champion "
                            "alias to a version whose artifacts exist") from error
    return model.unwrap_python_model().estimator, version


def _source(name: str, version: str) -> str:
    """Where the registry says the artifacts of version `version` of `name` are."""
    try:
        return MlflowClient().get_model_version(name, version).source
    except MlflowException:
        return "unknown"


def _check_features(champions: Champions) -> None:
    """Refuse a churn champion whose features this cxmodels cannot build (docs/architecture.md, MLflow at the edges)."""
    known = describe(champions.feature_config)
    missing = [str(name) for name in champions.churn.feature_names_in_ if name not in known]
    if missing:
        raise ChampionError(f"{registry.CHURN_MODEL} v{champions.churn_version} needs features this cxmodels "
                            f"{cxmodels.__version__} cannot build: {missing}; retrain it or install the cxmodels it was "
                            f"trained with")

