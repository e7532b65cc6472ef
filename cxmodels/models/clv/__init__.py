"""CLV estimators: the BTYD models (purchases and spend), sBG retention, the LightGBM alternative, and the choice among them."""

from cxmodels.models.clv._fitting import BTYDFitError
from cxmodels.models.clv.btyd import BTYDModel
from cxmodels.models.clv.lightgbm_clv import LightGBMCLVModel
from cxmodels.models.clv.retention import ShiftedBetaGeometricModel, tenure_summary
from cxmodels.models.clv.selection import compare_clv_models, fit_first_that_works, select_btyd_model

__all__ = ["BTYDFitError", "BTYDModel", "LightGBMCLVModel", "ShiftedBetaGeometricModel", "compare_clv_models",
           "fit_first_that_works", "select_btyd_model", "tenure_summary"]
