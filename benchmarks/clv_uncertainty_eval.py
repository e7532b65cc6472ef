"""Evaluation: the CLV intervals' coverage and cost, and BG/NBD and Pareto/NBD with covariates on a simulated world.

    python benchmarks/clv_uncertainty_eval.py                  # 200 datasets, 1M customers timed, 5,000-customer world
    python benchmarks/clv_uncertainty_eval.py --datasets 50 --customers 200000 --world 2000

1. Coverage: BG/NBD + Gamma-Gamma fitted on --datasets summaries of 4,000 customers drawn from
   known parameters (CDNOW's BG/NBD per day, p 6, q 4, gamma 15); the share of (dataset, profile)
   pairs whose 90 % interval covers the profile's true expected purchases and true clv
   (`tests/models/clv/test_btyd_intervals.py`: the same profiles).
2. Cost: `BTYDModel.predict` on --customers drawn customers with interval=0.9 and with None.
3. Covariates: a simulated world of --world customers, cut 90 days before its end; BG/NBD and
   Pareto/NBD, each without and with the customers' plan and region (`training.evaluation.covariate_comparison`).
"""

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from cxmodels.data import Dataset
from cxmodels.features import labels, value_summary
from cxmodels.models import BTYDModel
from cxmodels.models.clv.draws import draw_bgnbd_summary, draw_gamma_gamma_spend
from cxmodels.simulate import simulate
from training.evaluation import covariate_comparison

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "models" / "clv"))
from test_btyd_intervals import SPEND, coverage  # noqa: E402  the coverage check the test runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--world", type=int, default=5000)
    args = parser.parse_args()

    print(f"coverage of 90 % intervals over {args.datasets} datasets x 7 profiles:")
    print(coverage(args.datasets).round(3).to_string())

    summary = draw_bgnbd_summary(args.customers, seed=0)
    summary["monetary_value"] = draw_gamma_gamma_spend(summary["frequency"], SPEND, seed=1)
    model = BTYDModel().fit(summary)
    for level in (None, 0.9):
        model.set_params(interval=level)
        start = time.perf_counter()
        model.predict(summary)
        seconds = time.perf_counter() - start
        print(f"predict, interval={level}: {seconds:.2f} s, {args.customers / seconds:,.0f} customers/s")

    world = simulate(args.world, seed=3)
    dataset = Dataset(**world.tables)
    as_of = pd.Timestamp(world.end) - pd.Timedelta(days=90)
    cut = value_summary(dataset.transactions, as_of)
    actual = labels(dataset, as_of, 90, population=cut.index)["future_purchases"]
    print(f"\nWithout and with covariates, simulated world of {args.world} customers, 90-day holdout:")
    print(covariate_comparison(cut, actual, dataset.customers, "auto", 90, "days").to_string())


if __name__ == "__main__":
    main()
