"""What a trained model is later monitored against, logged with its run: the distribution of each feature
and of the churn score on the run's latest snapshot (the held-out one, closest to the present of its data),
and the categories seen in the data (monitoring/reference.json); and reading it back for a model version."""

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from cxmodels.errors import ModelError
from cxmodels.metrics.drift import frame_profile, profile

REFERENCE_ARTIFACT = "monitoring/reference.json"


def log_reference(snapshot: pd.DataFrame, churn, categories: dict[str, list[str]]) -> None:
    """Log, under the active run, the reference of the churn model `churn` on the features of `snapshot`, with the
    data's `categories` (`cxmodels.data.arrival.categories`)."""
    features = snapshot[list(churn.feature_names_in_)]
    scores = pd.Series(churn.predict_proba(snapshot)[:, 1], name="churn_probability")
    mlflow.log_dict({"rows": len(features), "features": frame_profile(features),
                     "churn_probability": profile(scores), "categories": categories}, REFERENCE_ARTIFACT)


def load_reference(model: str, version: str) -> dict:
    """The reference logged with the run of version `version` of registered model `model`, with the run's
    held-out ROC-AUC (`held_out_roc_auc`); ModelError when that run has none (trained before monitoring
    existed: train again)."""
    client = MlflowClient()
    try:
        run_id = client.get_model_version(model, version).run_id
        reference = mlflow.artifacts.load_dict(f"runs:/{run_id}/{REFERENCE_ARTIFACT}")
        return reference | {"held_out_roc_auc": client.get_run(run_id).data.metrics.get("churn_roc_auc")}
    except (MlflowException, OSError) as error:
        raise ModelError(f"{model} v{version} has no monitoring reference ({REFERENCE_ARTIFACT} of its run): "
                         f"train it again with this cxmodels (`cxmodels train`); {error}") from None
