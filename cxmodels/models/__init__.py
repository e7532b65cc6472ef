"""Churn and CLV estimators, following the scikit-learn contract."""

from cxmodels.models._fitted import NotFittedError
from cxmodels.models.churn import AdditiveChurnModel, BGNBDChurnBaseline, ChurnModel, LogisticChurnBaseline
from cxmodels.models.clv import (BTYDFitError, BTYDModel, LightGBMCLVModel, ShiftedBetaGeometricModel,
                                 compare_clv_models, select_btyd_model, tenure_summary)

__all__ = ["AdditiveChurnModel", "BGNBDChurnBaseline", "BTYDFitError", "BTYDModel", "ChurnModel", "LightGBMCLVModel", "LogisticChurnBaseline",
           "NotFittedError", "ShiftedBetaGeometricModel", "compare_clv_models", "select_btyd_model", "tenure_summary"]
