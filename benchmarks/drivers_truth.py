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

from cxmodels.data.validate import validate_tables
from cxmodels.drivers import BUILT_IN, driver_effects
from cxmodels.features import FeatureConfig, build_snapshots
from cxmodels.models.churn import ChurnModel
from cxmodels.models.churn.evaluation import features_and_churn, out_of_time_split
from cxmodels.simulate import simulate
from cxmodels.simulate.drivers import DRIVERS, attribution_against_truth
from cxmodels.simulate.truth import churn_probability_given, rates_of, states_at

HORIZON_DAYS = 90
CONFIG = FeatureConfig()


def fitted(world):
    """The churn model fitted out of time on the world's snapshots, and the latest snapshot's features and as_of."""
    dataset = validate_tables(world.tables).dataset
    last = world.end - pd.Timedelta(days=HORIZON_DAYS + 1)
    dates = pd.date_range(world.start + pd.Timedelta(days=182), last, freq="90D")
    train, test = out_of_time_split(build_snapshots(dataset, dates, HORIZON_DAYS, CONFIG), HORIZON_DAYS)
    (X, y), (X_test, _) = features_and_churn(train), features_and_churn(test)
    model = ChurnModel(horizon_days=HORIZON_DAYS, feature_config=CONFIG, n_jobs=1).fit(X, y)
    as_of = X_test["as_of"].iloc[0]
    return model, X_test.set_index("customer_id"), as_of


def resimulated_removed(world, customers: int, seed: int, driver: str, share: float, as_of,
                        population: pd.Index) -> float:
    """Expected churners in the horizon removed at `as_of` among `population` by removing `driver`'s effect for
    `share` of the customers: the world as is minus the re-simulated one, both with the rates as they are."""
    fixed = simulate(customers, seed=seed, contractual=True, fixes={driver: share})
    totals = []
    for truth in (world.truth, fixed.truth):
        states = states_at(truth, as_of, "contractual")
        states = states[states["customer_id"].isin(population)]
        rates = rates_of(world.truth.set_index("customer_id").loc[states["customer_id"]].reset_index())
        totals.append(churn_probability_given(states.reset_index(drop=True), rates, HORIZON_DAYS, "contractual").sum())
    return totals[0] - totals[1]


def run(customers: int, seed: int, share: float) -> pd.DataFrame:
    world = simulate(customers, seed=seed, contractual=True)
    model, features, as_of = fitted(world)
    table = attribution_against_truth(model, features, world, as_of, HORIZON_DAYS)
    effects = driver_effects(model, features, {name: BUILT_IN[name] for name in DRIVERS})
    rng = np.random.default_rng(seed)
    whatif, resimulated = [], []
    for name in DRIVERS:
        chosen = effects[name].affected & (rng.random(len(features)) < share)
        whatif.append(effects[name].added[chosen].sum())
        resimulated.append(resimulated_removed(world, customers, seed, name, share, as_of, features.index))
    return table.assign(whatif=whatif, share_of_truth=share * table["truth"], resimulated=resimulated, seed=seed,
                        as_of=as_of.date()).reset_index()


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
