"""Benchmark: BTYD fit times on a large value summary, ours against lifetimes' weighted fit in the same run.

    python benchmarks/btyd_bench.py                       # 1M customers, all four models
    python benchmarks/btyd_bench.py --customers 200000 --models bgnbd,pareto --plain

The summary (frequency, recency, T in days, first purchases over a year) is drawn from
BG/NBD with CDNOW's parameters (`draw_bgnbd_summary`), not simulated from transactions:
a 1M-customer world is too heavy for this machine and the fit only sees the summary. The
repeat buyers' mean order values are drawn from Gamma-Gamma with CDNOW's parameters.
For each model it times lifetimes' fitter on the distinct rows with counts as weights,
grouping included ("lifetimes weighted"; with --plain also on every customer), and
`BTYDModel.fit` on the summary ("ours": grouping, the fit, its checks and standard
errors), and prints the ratio, the largest relative parameter difference from lifetimes
and the log-likelihoods of both at their optima (ours is the larger where they differ).
lifetimes has no stopping rule of its own for Pareto/NBD (Nelder-Mead from ones), and
fits Gamma-Gamma on the repeat buyers with monetary value > 0, as BTYDModel does.
`BTYDModel.predict` (p_alive and expected purchases in 365 days) is timed too.
"""

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd

from cxmodels.data.samples import CDNOW_PUBLISHED_PARAMETERS
from cxmodels.features.value import PURCHASE_COLUMNS, SPEND_COLUMN
from cxmodels.models import BTYDModel
from cxmodels.models.clv._fitting import fit_parameters
from cxmodels.models.clv.draws import draw_bgnbd_summary, draw_gamma_gamma_spend
from cxmodels.models.clv.likelihoods import LIKELIHOODS, PARAMETERS
from cxmodels.models.clv.rows import compress

FITTERS = {"bgnbd": "BetaGeoFitter", "mbgnbd": "ModifiedBetaGeoFitter", "pareto": "ParetoNBDFitter",
           "gammagamma": "GammaGammaFitter"}
SPEND = ("frequency", SPEND_COLUMN)


def lifetimes_fit(model: str, data: pd.DataFrame, weighted: bool) -> dict:
    """lifetimes' fit of `model` on `data` (grouped into distinct rows with counts when `weighted`)."""
    import lifetimes

    columns = list(SPEND if model == "gammagamma" else PURCHASE_COLUMNS)
    data = data.groupby(columns).size().rename("weights").reset_index() if weighted else data
    weights = data["weights"].to_numpy() if weighted else None
    options = {"initial_params": np.ones(4)} if model == "pareto" else {}  # lifetimes' default start is random
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = getattr(lifetimes, FITTERS[model])().fit(*(data[c] for c in columns), weights=weights, **options)
    return dict(zip(PARAMETERS[model], fitter.params_.to_numpy(dtype=float)))


def log_likelihood(model: str, params: dict, data: pd.DataFrame) -> float:
    """The summed log-likelihood of `params` on `data`, with our likelihood."""
    columns = SPEND if model == "gammagamma" else PURCHASE_COLUMNS
    rows = compress({c: data[c].to_numpy(dtype=float) for c in columns})
    return LIKELIHOODS[model](rows)([params[name] for name in PARAMETERS[model]])[0]


def ours_fit(model: str, data: pd.DataFrame):
    """BTYDModel.fit of the purchase model; for Gamma-Gamma, the spend part of BTYDModel.fit (grouping and
    fitting the repeat buyers). Either has `params_`."""
    if model == "gammagamma":
        fit = fit_parameters(model, compress({c: data[c].to_numpy(dtype=float) for c in SPEND}))
        return argparse.Namespace(params_=fit.params)
    return BTYDModel(model).fit(data[list(PURCHASE_COLUMNS)])


def timed(task):
    start = time.perf_counter()
    result = task()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--models", default="bgnbd,mbgnbd,pareto,gammagamma")
    parser.add_argument("--plain", action="store_true", help="also time lifetimes on every customer (slow)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    summary, seconds = timed(lambda: draw_bgnbd_summary(args.customers, seed=args.seed))
    summary[SPEND_COLUMN] = draw_gamma_gamma_spend(summary["frequency"], CDNOW_PUBLISHED_PARAMETERS["gammagamma"],
                                                   seed=args.seed)
    spenders = summary[(summary["frequency"] > 0) & (summary[SPEND_COLUMN] > 0)]
    unique = summary.groupby(list(PURCHASE_COLUMNS)).ngroups
    print(f"{args.customers:,} customers drawn in {seconds:.1f} s; {unique:,} distinct (frequency, recency, T) rows; "
          f"{len(spenders):,} repeat buyers for Gamma-Gamma; load average {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} cores")
    print(f"{'model':<11} {'lifetimes plain s':>17} {'lifetimes weighted s':>20} {'ours s':>8} {'weighted/ours':>13} "
          f"{'max rel diff':>12} {'lifetimes LL':>15} {'our LL':>15} {'predict s':>9}")
    for model in args.models.split(","):
        data = spenders if model == "gammagamma" else summary
        plain_seconds = timed(lambda: lifetimes_fit(model, data, weighted=False))[1] if args.plain else float("nan")
        theirs, their_seconds = timed(lambda: lifetimes_fit(model, data, weighted=True))
        ours, our_seconds = timed(lambda: ours_fit(model, data))
        params = ours.params_
        predict_seconds = float("nan") if model == "gammagamma" else timed(lambda: ours.predict(summary))[1]
        difference = max(abs(params[k] / theirs[k] - 1) for k in theirs)
        print(f"{model:<11} {plain_seconds:17.2f} {their_seconds:20.2f} {our_seconds:8.3f} "
              f"{their_seconds / our_seconds:12.1f}x {difference:12.1e} {log_likelihood(model, theirs, data):15.3f} "
              f"{log_likelihood(model, params, data):15.3f} {predict_seconds:9.2f}")


if __name__ == "__main__":
    main()
