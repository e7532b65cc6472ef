"""Benchmark: BTYD fit times on a large value summary, lifetimes plain and weighted against ours.

    python benchmarks/btyd_bench.py                       # 1M customers
    python benchmarks/btyd_bench.py --customers 200000 --models bgnbd,pareto

The summary (frequency, recency, T in days, first purchases over a year) is drawn from
BG/NBD with CDNOW's parameters (`draw_bgnbd_summary`), not simulated from transactions:
a 1M-customer world is too heavy for this machine and the fit only sees the summary.
For each model it times lifetimes' fitter on every customer ("plain"), on the unique
(frequency, recency, T) rows with counts as weights ("weighted"), and `BTYDModel.fit`
("ours": the weighted fit plus checks), prints the largest relative parameter difference
from the plain fit, and times `BTYDModel.predict` (p_alive and expected purchases in 365 days).
Pareto/NBD's plain fit (Nelder-Mead over every customer) is skipped above --plain-pareto-max.
"""

import argparse
import time
import warnings

import numpy as np

from cxmodels.features.value import PURCHASE_COLUMNS
from cxmodels.models import BTYDModel
from cxmodels.models.clv.draws import draw_bgnbd_summary
from cxmodels.models.clv._fitting import FITTERS, PARAMETERS

COLUMNS = PURCHASE_COLUMNS


def lifetimes_fit(model: str, summary, weighted: bool) -> dict:
    import lifetimes

    data = summary.groupby(list(COLUMNS)).size().rename("weights").reset_index() if weighted else summary
    weights = data["weights"].to_numpy() if weighted else None
    options = {"initial_params": np.ones(4)} if model == "pareto" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = getattr(lifetimes, FITTERS[model])().fit(*(data[c] for c in COLUMNS), weights=weights, **options)
    return dict(zip(PARAMETERS[model], fitter.params_.to_numpy(dtype=float)))


def timed(task):
    start = time.perf_counter()
    result = task()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--models", default="bgnbd,mbgnbd,pareto")
    parser.add_argument("--plain-pareto-max", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    summary, seconds = timed(lambda: draw_bgnbd_summary(args.customers, seed=args.seed))
    unique = summary.groupby(list(COLUMNS)).ngroups
    print(f"{args.customers:,} customers drawn in {seconds:.1f} s; {unique:,} unique (frequency, recency, T) rows")
    print(f"{'model':<8} {'plain s':>9} {'weighted s':>11} {'ours s':>8} {'max rel diff':>13} {'predict s':>10}")
    for model in args.models.split(","):
        plain, plain_seconds = None, float("nan")
        if model != "pareto" or args.customers <= args.plain_pareto_max:
            plain, plain_seconds = timed(lambda: lifetimes_fit(model, summary, weighted=False))
        weighted, weighted_seconds = timed(lambda: lifetimes_fit(model, summary, weighted=True))
        ours, ours_seconds = timed(lambda: BTYDModel(model, horizon_days=365).fit(summary))
        _, predict_seconds = timed(lambda: ours.predict(summary))
        reference = plain or weighted
        difference = max(abs(ours.params_[k] / reference[k] - 1) for k in reference)
        print(f"{model:<8} {plain_seconds:9.2f} {weighted_seconds:11.2f} {ours_seconds:8.2f} {difference:13.1e} "
              f"{predict_seconds:10.2f}")


if __name__ == "__main__":
    main()
