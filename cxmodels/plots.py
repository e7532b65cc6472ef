"""Figures for reports.

Drawn on `matplotlib.figure.Figure` objects with the Agg canvas: no pyplot, no global
state, no backend switch, so importing this module changes nothing.
"""

from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from cxmodels.metrics.grouping import ALL
from cxmodels.metrics.kpis import KPIS, KpiInfo


def plot_kpi_trends(table: pd.DataFrame, out_dir: Path | str, *, dpi: int = 120) -> list[Path]:
    """One PNG per KPI of a `kpi_table` output (or its CSV read back): a line per segment over
    the periods, with the 95 % confidence interval as a band. Writes `out_dir/kpi_<kpi>.png`
    and returns the paths, in the table's KPI order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for kpi, rows in table.groupby("kpi", sort=False):
        path = out_dir / f"kpi_{kpi}.png"
        kpi_trend_figure(kpi, rows).savefig(path, dpi=dpi)
        paths.append(path)
    return paths


def kpi_trend_figure(kpi: str, rows: pd.DataFrame) -> Figure:
    """The trend chart of one KPI from its rows of a `kpi_table` output."""
    info = KPIS.get(kpi, KpiInfo(kpi, kpi))
    figure = Figure(figsize=(9, 4.8), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    segments = rows.groupby("segment", sort=True)
    for segment, line in segments:
        line = line.assign(period=pd.to_datetime(line["period"])).sort_values("period")
        (drawn,) = axes.plot(line["period"], line["value"], marker="o", markersize=3, label=str(segment))
        axes.fill_between(line["period"], line["ci_low"], line["ci_high"], color=drawn.get_color(), alpha=0.15, lw=0)
    axes.set_title(f"{info.title}, with 95 % confidence interval")
    axes.set_xlabel("Period start (UTC)")
    axes.set_ylabel(info.axis_label)
    if info.is_share:
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    locator = mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.grid(alpha=0.3)
    if segments.ngroups > 1 or set(segments.groups) != {ALL}:
        figure.legend(title="Segment", loc="outside right upper")
    return figure
