"""MLflow pyfunc wrappers of the cxmodels estimators: `training` logs and registers them; scoring loads them.

Each wrapper loads a plainly pickled cxmodels estimator from the model's `estimator`
artifact. The feature list is the estimator's and is also in the logged model's metadata
(`features`); `predict` refuses input that lacks any of them, naming the missing columns.
"""

import pickle

import mlflow.pyfunc
import pandas as pd

from cxmodels.errors import ModelError
from cxmodels.features.value import SUMMARY_COLUMNS

ESTIMATOR_ARTIFACT = "estimator"


class MissingFeaturesError(ModelError, ValueError):
    """The input lacks features the model needs."""


class _EstimatorModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:
        with open(context.artifacts[ESTIMATOR_ARTIFACT], "rb") as file:
            self.estimator = pickle.load(file)

    def features(self) -> list[str]:
        raise NotImplementedError

    def _checked(self, model_input) -> pd.DataFrame:
        frame = pd.DataFrame(model_input)
        missing = [name for name in self.features() if name not in frame.columns]
        if missing:
            raise MissingFeaturesError(f"the input lacks {len(missing)} feature(s) the model needs: {missing}")
        return frame


class ChurnPyfunc(_EstimatorModel):
    """Snapshot features (customer_id optional) -> churn_probability and the top reasons
    (reason_i in words, feature_i and contribution_i), one row per input row."""

    def features(self) -> list[str]:
        return [str(name) for name in self.estimator.feature_names_in_]

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        frame = self._checked(model_input)
        keep = [name for name in ("customer_id", *self.features()) if name in frame.columns]
        return self.estimator.explain(frame[keep]).reset_index(drop=True)


class CLVPyfunc(_EstimatorModel):
    """The value summary (frequency, recency, T, monetary_value; customer_id optional) -> p_alive,
    expected_purchases, expected_order_value and clv over the model's horizon, one row per input row,
    after customer_id when given."""

    def features(self) -> list[str]:
        return list(SUMMARY_COLUMNS)

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self.outputs(self.estimator, self._checked(model_input))

    @staticmethod
    def outputs(estimator, frame: pd.DataFrame) -> pd.DataFrame:
        """What `predict` returns for a fitted BTYDModel `estimator` and a checked input frame."""
        values = estimator.predict(frame[list(SUMMARY_COLUMNS)].astype(float)).reset_index(drop=True)
        if "customer_id" in frame.columns:
            values.insert(0, "customer_id", frame["customer_id"].to_numpy())
        return values
