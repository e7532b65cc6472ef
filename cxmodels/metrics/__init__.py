"""Customer-experience KPIs over time and by segment, and how well the churn and CLV models do."""

from cxmodels.metrics.classification import churn_report, compare_churn_models
from cxmodels.metrics.kpis import KPIS, kpi_table

__all__ = ["KPIS", "churn_report", "compare_churn_models", "kpi_table"]
