"""Benchmark: the CLV models on CDNOW, next to the published results, and on the holdout.

    python benchmarks/cdnow_eval.py                    # the 2,357-customer sample (Fader, Hardie & Lee 2005)
    python benchmarks/cdnow_eval.py --full             # the 23,570-customer master file (nothing published)
    python benchmarks/cdnow_eval.py --ml-horizon-weeks 26

The CDNOW log ships with lifetimes (`cxmodels.data.samples.cdnow`; `cxmodels sample cdnow DIR
--sample` writes it as a dataset). As in the BG/NBD paper: orders on one day merged, time in
weeks, calibration weeks 1-39 (1997-01-01 to 1997-09-30), holdout weeks 40-78 (to 1998-06-30).
Prints, each number measured here (only the published values are written down):
1. BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma parameters next to the published ones (the
   sample's; nothing published for MBG/NBD), relative differences, fit seconds;
2. BG/NBD's conditional expectation of holdout purchases by calibration frequency (paper, fig. 5);
3. the holdout table `select_btyd_model` chooses the purchase model from;
4. `compare_clv_models`: BTYD (with Gamma-Gamma) against LightGBM, purchases and spend. LightGBM
   learns from a snapshot whose labels end by the calibration cut-off. For the 39-week holdout that
   snapshot is 1997-01-01, the cohort's first day, with no history to learn from, so this table
   uses a shorter horizon (--ml-horizon-weeks, 13: LightGBM learns weeks 27-39 from the features at
   the end of week 26; every model is scored on weeks 40-52);
5. cumulative repeat purchases, actual against each model, by week (paper, fig. 2).
"""

import argparse
import time

import pandas as pd

from cxmodels.data import Dataset
from cxmodels.data.samples import CDNOW_CALIBRATION_END as CALIBRATION_END
from cxmodels.data.samples import CDNOW_HOLDOUT_DAYS as HOLDOUT_DAYS
from cxmodels.data.samples import CDNOW_PUBLISHED_ACTUAL as PUBLISHED_ACTUAL
from cxmodels.data.samples import CDNOW_PUBLISHED_EXPECTED as PUBLISHED_EXPECTED
from cxmodels.data.samples import CDNOW_PUBLISHED_PARAMETERS as PUBLISHED
from cxmodels.data.samples import cdnow
from cxmodels.features import labels, value_summary
from cxmodels.metrics.clv_evaluation import conditional_expectation_by_frequency, cumulative_tracking
from cxmodels.models import BTYDModel, LightGBMCLVModel, compare_clv_models, select_btyd_model
from cxmodels.features.value import PURCHASE_COLUMNS, SPEND_COLUMN
from cxmodels.models.clv._fitting import fit_parameters
from cxmodels.models.clv.rows import compress
from cxmodels.models.clv.selection import BTYD_MODELS, LOWER_IS_BETTER

NAMES = {"bgnbd": "BG/NBD", "pareto": "Pareto/NBD", "mbgnbd": "MBG/NBD", "gammagamma": "Gamma-Gamma",
         "lightgbm": "LightGBM"}
TRACKED_WEEKS = (13, 26, 39, 52, 65, 78)


def timed(task):
    start = time.perf_counter()
    result = task()
    return result, time.perf_counter() - start


def show(title: str, table: pd.DataFrame, digits: int = 4, **formats: str) -> None:
    """The table, floats to `digits` decimals or as in `formats` (column: format spec), blanks for NaN."""
    def formatter(spec):
        return lambda v: "" if pd.isna(v) else f"{v:{spec}}"
    print(f"\n=== {title}")
    print(table.to_string(float_format=formatter(f".{digits}f"), na_rep="",
                          formatters={column: formatter(spec) for column, spec in formats.items()}))


def fit_models(summary: pd.DataFrame, published: bool) -> tuple[dict, pd.DataFrame]:
    """The purchase models fitted on the summary and Gamma-Gamma on the repeat buyers; the parameter table."""
    fitted, rows = {}, []
    for model in BTYD_MODELS:
        fitted[model], seconds = timed(lambda: BTYDModel(model, time_unit="weeks").fit(summary[list(PURCHASE_COLUMNS)]))
        rows += parameter_rows(model, fitted[model].params_, fitted[model].penalizer_, len(summary), seconds)
    # The customers BTYDModel's spend model learns from (its docstring): a repeat purchase of positive mean value.
    spenders = summary[(summary["frequency"] > 0) & (summary[SPEND_COLUMN] > 0)]
    spend, seconds = timed(
        lambda: fit_parameters("gammagamma", compress({c: spenders[c].to_numpy() for c in ("frequency", SPEND_COLUMN)})))
    rows += parameter_rows("gammagamma", spend.params, spend.penalizer, len(spenders), seconds)
    table = pd.DataFrame(rows).set_index(["model", "parameter"])
    if published:
        table["published"] = [PUBLISHED.get(m, {}).get(p, float("nan")) for m, p in table.index]
        table["rel_diff_%"] = 100 * (table["fitted"] / table["published"] - 1)
        table["over_1%"] = table["rel_diff_%"].abs().gt(1).where(table["published"].notna()).map(
            {True: "YES", False: "no"})
        table = table[["fitted", "published", "rel_diff_%", "over_1%", "customers", "penalizer", "fit_s"]]
    return fitted, table.rename(index=NAMES, level="model")


def parameter_rows(model: str, params: dict, penalizer: float, customers: int, seconds: float) -> list[dict]:
    """One row per parameter; the fit's customers, penalizer and seconds on the first only."""
    first = {"customers": customers, "penalizer": penalizer, "fit_s": seconds}
    return [{"model": model, "parameter": name, "fitted": value, **(first if i == 0 else {})}
            for i, (name, value) in enumerate(params.items())]


def compare_with_lightgbm(dataset: Dataset, weeks: int, n_jobs: int) -> None:
    """`compare_clv_models` on the `weeks` after the calibration, LightGBM learning the `weeks` before it."""
    cut_off = pd.Timestamp(CALIBRATION_END, tz="UTC")
    first_day = dataset.transactions["timestamp"].min()
    full_train_as_of = cut_off - pd.Timedelta(days=HOLDOUT_DAYS)
    print(f"\n=== 4. compare_clv_models on weeks 40-{39 + weeks} (spend undiscounted), LightGBM learning weeks "
          f"{40 - weeks}-39 from the features at the end of week {39 - weeks}")
    if full_train_as_of <= first_day:
        print(f"not on weeks 40-78: LightGBM's labels must end by {cut_off.date()}, so it would learn from a snapshot "
              f"at {full_train_as_of.date()}, before any history (the cohort's first purchase: {first_day.date()})")
    train_as_of = cut_off - pd.Timedelta(days=7 * weeks)
    if train_as_of <= first_day:
        print(f"skipped: nobody bought before {train_as_of.date()}")
        return
    comparison, seconds = timed(lambda: compare_clv_models(dataset, train_as_of, cut_off, 7 * weeks, time_unit="weeks",
                                                           ml_model=LightGBMCLVModel(n_jobs=n_jobs)))
    print(f"(all models fitted and scored in {seconds:.1f} s)")
    print(comparison.rename(index=NAMES, level="model").to_string(float_format=lambda v: f"{v:.4f}"))


def cumulative_table(dataset: Dataset, fitted: dict) -> pd.DataFrame:
    """Actual cumulative repeat purchases by week and each model's expected ones, with the error in %."""
    end = pd.Timestamp(CALIBRATION_END, tz="UTC") + pd.Timedelta(days=HOLDOUT_DAYS)
    table = None
    for model, estimator in fitted.items():
        tracking = cumulative_tracking(dataset.transactions, estimator.new_customer_purchases, CALIBRATION_END, end)
        if table is None:
            table = tracking[["period_end", "actual"]].assign(period_end=tracking["period_end"].dt.date)
        table[NAMES[model]] = tracking["expected"]
        table[f"{NAMES[model]} err_%"] = 100 * (tracking["expected"] / tracking["actual"] - 1)
    return table.rename_axis("week")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the 23,570-customer master file instead of the sample")
    parser.add_argument("--ml-horizon-weeks", type=int, default=13,
                        help="horizon of the BTYD-LightGBM comparison (LightGBM needs a training window before it)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="LightGBM threads (the data is small; more threads stall on a busy machine)")
    args = parser.parse_args()
    started = time.perf_counter()
    pd.set_option("display.width", 200)

    dataset = Dataset(**cdnow(sample=not args.full))
    summary = value_summary(dataset.transactions, CALIBRATION_END, period="D", time_unit="weeks")
    holdout = labels(dataset, CALIBRATION_END, HOLDOUT_DAYS, population=summary.index)["future_purchases"]
    published = not args.full
    print(f"CDNOW {'master file' if args.full else 'sample'}: {len(summary):,} customers, "
          f"{int(summary['frequency'].sum()):,} repeat purchases in weeks 1-39, {int(holdout.sum()):,} purchases "
          f"in weeks 40-78; {int((summary['frequency'] > 0).sum()):,} repeat buyers"
          + ("" if published else "; the published values are the sample's, so none are shown"))

    fitted, parameters = fit_models(summary, published)
    show("1. Fitted parameters (time in weeks)", parameters, customers=",.0f", penalizer="g", fit_s=".3f")

    bgnbd = fitted["bgnbd"]
    by_frequency = conditional_expectation_by_frequency(summary["frequency"], holdout,
                                                        bgnbd.expected_purchases(summary, HOLDOUT_DAYS))
    if published:
        by_frequency["published_actual"] = PUBLISHED_ACTUAL
        by_frequency["published_predicted"] = PUBLISHED_EXPECTED
        by_frequency["predicted_diff"] = by_frequency["predicted"] - by_frequency["published_predicted"]
    show("2. BG/NBD: mean holdout purchases (weeks 40-78) by calibration frequency", by_frequency, digits=3,
         predicted_diff="+.4f")

    best, selection = select_btyd_model(summary, holdout, HOLDOUT_DAYS, time_unit="weeks")
    selection = selection.drop(columns=["params", "penalizer"]).rename(index=NAMES)
    selection.insert(selection.columns.get_loc("total_ratio") + 1, "predicted_total",
                     selection["total_ratio"] * holdout.sum())
    winners = {criterion: (selection[criterion].idxmin() if lower else selection[criterion].idxmax())
               for criterion, lower in LOWER_IS_BETTER.items()}
    show(f"3. select_btyd_model: purchases in weeks 40-78 (actual total {int(holdout.sum()):,}), "
         f"best by rmse first", selection, predicted_total=".1f", fit_seconds=".3f")
    print(f"chosen: {NAMES[best]}; best by each criterion: "
          + ", ".join(f"{criterion} {model}" for criterion, model in winners.items()))

    compare_with_lightgbm(dataset, args.ml_horizon_weeks, args.n_jobs)
    show("5. Cumulative repeat purchases, actual and expected, at the end of week",
         cumulative_table(dataset, fitted).loc[list(TRACKED_WEEKS)], digits=1)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
