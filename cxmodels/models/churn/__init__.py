"""Churn estimators: the calibrated LightGBM model with reasons in words, and its baselines."""

from cxmodels.models.churn._inputs import UnknownCategoryWarning
from cxmodels.models.churn.baselines import BGNBDChurnBaseline, LogisticChurnBaseline
from cxmodels.models.churn.model import AdditiveChurnModel, ChurnModel, RandomValidationWarning

__all__ = ["AdditiveChurnModel", "BGNBDChurnBaseline", "ChurnModel", "LogisticChurnBaseline", "RandomValidationWarning",
           "UnknownCategoryWarning"]
