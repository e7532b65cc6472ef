"""Benchmark: what a feature family adds to the churn model, out of time, on simulated worlds.

    python benchmarks/feature_gain.py                                  # comments, both worlds, 20,000 customers
    python benchmarks/feature_gain.py --family comments --customers 40000 --seeds 1 2 3

For each world and seed the churn model is fitted twice on the same snapshots (every 90 days from
half a year after the start), with and without the family's columns, and both are scored on the
latest complete snapshot. Prints ROC-AUC and Brier of each fit and the gain (with - without).
"""

import argparse

import pandas as pd

from cxmodels.data.validate import validate_tables
from cxmodels.features import FeatureConfig, build_snapshots, families
from cxmodels.metrics.classification import brier_score, roc_auc
from cxmodels.models.churn import ChurnModel
from cxmodels.models.churn.evaluation import features_and_churn, out_of_time_split
from cxmodels.simulate import simulate

HORIZON_DAYS = 90
CONFIG = FeatureConfig(attributes=("plan", "region"))


def gain(family: str, customers: int, seed: int, contractual: bool) -> dict:
    world = simulate(customers, seed=seed, contractual=contractual)
    dataset = validate_tables(world.tables).dataset
    last = world.end - pd.Timedelta(days=HORIZON_DAYS + 1)
    dates = pd.date_range(world.start + pd.Timedelta(days=182), last, freq="90D")
    train, test = out_of_time_split(build_snapshots(dataset, dates, HORIZON_DAYS, CONFIG), HORIZON_DAYS)
    (X, y), (X_test, y_test) = features_and_churn(train), features_and_churn(test)
    family_columns = [name for name, owner in families(CONFIG).items() if owner == family and name in X]
    row = {"world": "contractual" if contractual else "non-contractual", "seed": seed, "columns": len(family_columns)}
    for label, drop in (("with", []), ("without", family_columns)):
        model = ChurnModel(horizon_days=HORIZON_DAYS, feature_config=CONFIG, n_jobs=1)
        p = model.fit(X.drop(columns=drop), y).predict_proba(X_test.drop(columns=drop))[:, 1]
        row |= {f"roc_auc_{label}": roc_auc(y_test, p), f"brier_{label}": brier_score(y_test, p)}
    return row | {"roc_auc_gain": row["roc_auc_with"] - row["roc_auc_without"],
                  "brier_gain": row["brier_without"] - row["brier_with"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", default="comments", help="a feature builder's name (cxmodels.features.REGISTRY)")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    rows = [gain(args.family, args.customers, seed, contractual) for contractual in (False, True)
            for seed in args.seeds]
    pd.set_option("display.width", 200)
    print(f"Family {args.family!r}, {args.customers:,} customers, held-out snapshot {HORIZON_DAYS} days")
    print(pd.DataFrame(rows).round(4).to_string(index=False))


if __name__ == "__main__":
    main()
