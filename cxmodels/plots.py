"""Figures for reports.

Drawn on `matplotlib.figure.Figure` objects with the Agg canvas: no pyplot, no global
state, no backend switch, so importing this module changes nothing.
"""

from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from cxmodels.features import families
from cxmodels.metrics.classification import calibration_table, gain_curve, roc_auc, roc_curve
from cxmodels.metrics.kpi_groups import ALL
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


def conditional_expectation_figure(table: pd.DataFrame) -> Figure:
    """Mean holdout purchases by calibration frequency, actual and predicted
    (a `cxmodels.metrics.clv_evaluation.conditional_expectation_by_frequency` table)."""
    figure, axes = _model_figure()
    for column, style in (("actual", "o-"), ("predicted", "s--")):
        axes.plot(table.index.astype(str), table[column], style, label=column.capitalize())
    axes.set_title("Holdout purchases by calibration frequency")
    axes.set_xlabel("Repeat purchases in the calibration period")
    axes.set_ylabel("Mean purchases in the holdout period")
    axes.legend()
    return figure


def tracking_figure(table: pd.DataFrame, calibration_end=None) -> Figure:
    """Cumulative repeat purchases, actual and expected (a `cumulative_tracking` table); a dashed
    vertical line at `calibration_end` when given."""
    figure, axes = _model_figure()
    axes.plot(table["period_end"], table["actual"], label="Actual")
    axes.plot(table["period_end"], table["expected"], "--", label="Model")
    if calibration_end is not None:
        axes.axvline(pd.Timestamp(calibration_end), color="grey", linestyle=":", label="End of calibration")
    axes.set_title("Cumulative repeat purchases")
    axes.set_xlabel("Period end (UTC)")
    axes.set_ylabel("Repeat purchases")
    locator = mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.legend()
    return figure


def decile_figure(table: pd.DataFrame, what: str = "value") -> Figure:
    """Mean predicted and actual `what` per decile of the prediction (a `decile_table`), side by side."""
    figure, axes = _model_figure()
    groups = table.index.to_numpy()
    axes.bar(groups - 0.2, table["mean_predicted"], width=0.4, label="Predicted")
    axes.bar(groups + 0.2, table["mean_actual"], width=0.4, label="Actual")
    axes.set_xticks(groups)
    axes.set_title(f"Predicted and actual {what} by {table.index.name} of the prediction")
    axes.set_xlabel(f"{table.index.name.capitalize()} (1 = highest predicted)")
    axes.set_ylabel(f"Mean {what} per customer")
    axes.legend()
    return figure


def _model_figure() -> tuple[Figure, object]:
    figure = Figure(figsize=(8, 4.8), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.grid(alpha=0.3)
    return figure, axes


def roc_figure(y, predictions: dict) -> Figure:
    """ROC curves of several models' churn probabilities for the same customers, ROC-AUC in the legend."""
    figure, axes = _model_figure()
    for name, p in predictions.items():
        curve = roc_curve(y, p)
        axes.plot(curve["false_positive_rate"], curve["true_positive_rate"], label=f"{name} (AUC {roc_auc(y, p):.3f})")
    axes.plot([0, 1], [0, 1], ":", color="grey", label="Random")
    axes.set_title("ROC curve: churners found against stayers flagged")
    axes.set_xlabel("Stayers flagged (false positive rate)")
    axes.set_ylabel("Churners found (true positive rate)")
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(PercentFormatter(xmax=1))
    axes.legend(loc="lower right")
    return figure


def calibration_figure(y, predictions: dict, bins: int = 10) -> Figure:
    """Reliability diagram: observed churn rate against mean predicted probability, per bin of
    customers of about equal size, one line per model; on the diagonal the probabilities are true."""
    figure, axes = _model_figure()
    axes.plot([0, 1], [0, 1], ":", color="grey", label="Perfectly calibrated")
    for name, p in predictions.items():
        table = calibration_table(y, p, bins, strategy="quantile")
        axes.plot(table["mean_predicted"], table["observed_rate"], "o-", markersize=4, label=name)
    axes.set_title(f"Calibration: observed churn rate by predicted probability ({bins} equal-size groups)")
    axes.set_xlabel("Mean predicted churn probability")
    axes.set_ylabel("Observed churn rate")
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(PercentFormatter(xmax=1))
    axes.legend(loc="upper left")
    return figure


def gain_figure(y, predictions: dict) -> Figure:
    """Contacting customers from the highest churn probability down: the share of churners found
    (cumulative gain, left) and how many times the overall churn rate they hold (lift, right)."""
    figure = Figure(figsize=(11, 4.8), layout="constrained")
    FigureCanvasAgg(figure)
    gain, lift = figure.subplots(1, 2)
    for name, p in predictions.items():
        curve = gain_curve(y, p)
        gain.plot(curve["customers_contacted"], curve["churners_found"], label=name)
        shown = curve[curve["customers_contacted"] >= 0.01]  # the first few customers are noise
        lift.plot(shown["customers_contacted"], shown["lift"], label=name)
    gain.plot([0, 1], [0, 1], ":", color="grey", label="Random")
    lift.axhline(1, linestyle=":", color="grey", label="Random")
    gain.set_title("Cumulative gain")
    gain.set_ylabel("Churners found")
    lift.set_title("Lift")
    lift.set_ylabel("Churn rate of those contacted / overall churn rate")
    for axes in (gain, lift):
        axes.set_xlabel("Customers contacted, highest risk first")
        axes.xaxis.set_major_formatter(PercentFormatter(xmax=1))
        axes.grid(alpha=0.3)
        axes.legend()
    gain.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    return figure


def feature_importance_figure(importance: pd.Series, top: int = 15, config=None) -> Figure:
    """The `top` features by mean absolute contribution (a `ChurnModel.feature_importance` series),
    largest on top, coloured by feature family (the registry's builder under `config`)."""
    family_of = families(config)
    shown = importance.head(top)[::-1]
    family = np.array([family_of.get(name, "other") for name in shown.index])
    position = np.arange(len(shown))
    figure, axes = _model_figure()
    figure.set_size_inches(8, 0.3 * len(shown) + 1.5)
    for name in dict.fromkeys(family[::-1]):  # legend in order of the largest feature of each family
        axes.barh(position[family == name], shown.to_numpy()[family == name], label=name)
    axes.set_yticks(position, shown.index.astype(str))
    axes.set_title("What drives the churn risk")
    axes.set_xlabel("Mean absolute contribution to the churn log-odds")
    axes.legend(title="Feature family", loc="lower right")
    return figure


def revenue_at_risk_figure(drivers: pd.DataFrame) -> Figure:
    """Revenue at risk per driver (a driver table: driver, revenue_at_risk and its _low, _high), one horizontal
    bar each with its interval, the largest on top."""
    table = drivers.sort_values("revenue_at_risk", kind="stable")
    figure = Figure(figsize=(8, 1.5 + 0.4 * len(table)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    value = table["revenue_at_risk"].to_numpy(dtype=float)
    errors = np.vstack([value - table["revenue_at_risk_low"].to_numpy(dtype=float),
                        table["revenue_at_risk_high"].to_numpy(dtype=float) - value])
    axes.barh(table["driver"].astype(str), value, xerr=np.nan_to_num(errors).clip(min=0), capsize=3, color="C3")
    axes.set_title("Revenue at risk per driver over the model's horizon, with its interval")
    axes.set_xlabel("Revenue at risk (CLV of the churners the driver adds)")
    axes.grid(axis="x", alpha=0.3)
    return figure


def churn_by_experience_figure(links: pd.DataFrame, columns: int = 3) -> Figure:
    """Churn rate by experience band (a `cxmodels.metrics.links` table), a panel per experience, a bar per band
    with its 95 % interval."""
    experiences = list(dict.fromkeys(links["experience"]))
    rows = -(-len(experiences) // columns)
    figure = Figure(figsize=(10, 2.6 * rows + 0.6), layout="constrained")
    FigureCanvasAgg(figure)
    for number, experience in enumerate(experiences, start=1):
        axes = figure.add_subplot(rows, columns, number)
        part = links[links["experience"] == experience]
        rate = part["churn_rate"].to_numpy(dtype=float)
        errors = np.vstack([rate - part["ci_low"].to_numpy(dtype=float), part["ci_high"].to_numpy(dtype=float) - rate])
        axes.bar(part["band"].astype(str), rate, yerr=np.nan_to_num(errors).clip(min=0), capsize=3, color="C0")
        axes.set_title(experience.replace("_", " ").capitalize())
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1))
        axes.tick_params(axis="x", labelrotation=30, labelsize=8)
        axes.grid(axis="y", alpha=0.3)
    figure.supylabel("Churn rate over the horizon (95 % interval)")
    return figure
