"""Customer-experience KPIs over time and by segment (and, later, model-evaluation metrics)."""

from cxmodels.metrics.kpis import KPIS, kpi_table

__all__ = ["KPIS", "kpi_table"]
