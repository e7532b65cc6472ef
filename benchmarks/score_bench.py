"""Time the model part of batch scoring on a large feature matrix: features given, as the issue asks.

Simulates and trains a small world in a throwaway store, builds its features, repeats them to
--rows customers (distinct ids), then times each part of `serving.scoring.score_features`:

    python benchmarks/score_bench.py                       # 1M rows, reasons timed on 200k of them
    python benchmarks/score_bench.py --rows 200000 --reason-rows 20000
Targets (issue 16): at least 300k customers/s for the model part (churn probability and risk, CLV, tiers, RFM,
segments) and at least 100k customers/s for the reasons (TreeSHAP + words), timed on their own on --reason-rows rows.
"""

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from cxmodels.data import load_dataset
from cxmodels.simulate import simulate, write_world
from cxmodels.features import build_features, data_as_of, snapshot_population
from cxmodels.features.value import SUMMARY_COLUMNS
from serving.champions import load_champions
from serving.config import ServingConfig
from serving.scoring import reasons, score_features
from training.config import load_config
from training.pipeline import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000, help="simulated customers the models train on")
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers scored")
    parser.add_argument("--reason-rows", type=int, default=200_000, help="customers whose reasons are timed")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory() as folder:
        world, uri = Path(folder) / "world", f"sqlite:///{Path(folder) / 'mlflow.db'}"
        write_world(simulate(args.customers, seed=0), world)
        train(world, load_config(report_dir=str(Path(folder) / "reports")), tracking_uri=uri, progress=False)
        champions = load_champions(uri)
        dataset, present = data_as_of(load_dataset(world))
        features = build_features(dataset, present, champions.feature_config, snapshot_population(dataset, present))
    rows = features.iloc[np.arange(args.rows) % len(features)]
    rows.index = pd.Index([f"C{i:08d}" for i in range(args.rows)], name="customer_id")
    print(f"{args.rows:,} customers x {features.shape[1]} features (repeated from {len(features):,}); churn model: "
          f"{champions.churn.best_iteration_} trees of {champions.churn.num_leaves} leaves")

    start = time.perf_counter()
    scores, _ = score_features(rows, present, champions, ServingConfig(reasons="none"))
    seconds = time.perf_counter() - start
    print(f"model part (probability, risk, CLV, tiers, RFM, segments): {seconds:.2f} s, "
          f"{args.rows / seconds:,.0f} customers/s")
    churn_features = rows[list(champions.churn.feature_names_in_)]
    for name, work in [("churn probability", lambda: champions.churn.predict_proba(churn_features)),
                       ("CLV", lambda: champions.clv.predict(rows[list(SUMMARY_COLUMNS)]))]:
        start = time.perf_counter()
        work()
        seconds = time.perf_counter() - start
        print(f"  of which {name}: {seconds:.2f} s, {args.rows / seconds:,.0f} customers/s")
    sample = churn_features.head(args.reason_rows)
    start = time.perf_counter()
    reasons(champions.churn, sample, pd.Series(True, index=sample.index))
    seconds = time.perf_counter() - start
    print(f"reasons (TreeSHAP + words) on {len(sample):,} customers: {seconds:.2f} s, {len(sample) / seconds:,.0f} "
          f"customers/s")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
