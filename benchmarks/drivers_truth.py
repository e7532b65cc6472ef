"""Benchmark: the driver table against the simulator's truth, and the what-if against a re-simulated world.

    python benchmarks/drivers_truth.py                          # seeds 11 12 13, 20,000 customers
    python benchmarks/drivers_truth.py --customers 40000 --seeds 21 22 --share 0.5

For each seed a contractual world is simulated; the churn model is fitted on snapshots every 90 days
from half a year after the start, as `cxmodels train` does, and the drivers are attributed on the latest
complete snapshot (not trained on). Per support driver it prints the attribution (expected churners the
driver adds in the model's view), the truth (simulate/drivers.py) and their ratio.

The what-if check removes each driver's problem for a random `--share` of its affected customers in the
model (`whatif`), and re-simulates the world with the problem's effect removed for the same share of all
customers (simulate(fixes=...): the same cases and draws, a case triggering when its draw falls below the
smaller probability). Both give the expected churners in the horizon removed at the cut-off among the
customers alive in the world as is: the re-simulation's is the sum of their true churn probabilities in
the world as is minus the same with their states at the cut-off in the re-simulated world and their
rates as they are (only the problems of past cases removed, as the model's counterfactual does; the
customers the fix kept alive before the cut-off are not in the churn population). Beside it, the truth's
expectation of the same (share x truth); the re-simulated figure is one draw of the world, the others
expectations.
"""

import argparse
import time

import numpy as np
import pandas as pd

from cxmodels.drivers import Change, whatif_table
from cxmodels.simulate import simulate
from cxmodels.simulate.drivers import DRIVERS, attribution_against_truth, removed_by_fix

HORIZON_DAYS = 90


def run(customers: int, seed: int, share: float) -> pd.DataFrame:
    world = simulate(customers, seed=seed, contractual=True)
    found = attribution_against_truth(world, HORIZON_DAYS)
    ones = np.ones(len(found.features))
    whatif, resimulated = [], []
    for name in DRIVERS:
        changes = [Change(name, share)]
        whatif.append(whatif_table(found.model, found.features, found.effects, changes, ones,
                                   seed=seed)["churners_retained"].iloc[0])
        fixed = simulate(customers, seed=seed, contractual=True, fixes={name: share})
        resimulated.append(removed_by_fix(world, fixed, found.as_of, HORIZON_DAYS, found.features.index))
    return found.table.assign(whatif=whatif, share_of_truth=share * found.table["truth"], resimulated=resimulated,
                              seed=seed, as_of=found.as_of.date()).reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument("--share", type=float, default=0.5, help="share of customers whose problem is removed")
    args = parser.parse_args()
    pd.set_option("display.width", 160)
    for seed in args.seeds:
        start = time.perf_counter()
        table = run(args.customers, seed, args.share)
        print(f"seed {seed}, {args.customers:,} customers, cut-off {table['as_of'].iloc[0]}, what-if share "
              f"{args.share:g} ({time.perf_counter() - start:.0f} s)")
        print(table.drop(columns=["seed", "as_of"]).to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
