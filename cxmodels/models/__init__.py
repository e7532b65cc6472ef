"""Churn and CLV estimators, following the scikit-learn contract."""

from cxmodels.models.btyd import BTYDModel
from cxmodels.models.btyd_fitting import BTYDFitError
from cxmodels.models.churn import ChurnModel
from cxmodels.models.churn_baselines import BGNBDChurnBaseline, LogisticChurnBaseline
from cxmodels.models.clv_lightgbm import LightGBMCLVModel
from cxmodels.models.clv_selection import compare_clv_models, select_btyd_model
from cxmodels.models.retention_sbg import ShiftedBetaGeometricModel, tenure_summary

__all__ = ["BGNBDChurnBaseline", "BTYDFitError", "BTYDModel", "ChurnModel", "LightGBMCLVModel", "LogisticChurnBaseline",
           "ShiftedBetaGeometricModel", "compare_clv_models", "select_btyd_model", "tenure_summary"]
