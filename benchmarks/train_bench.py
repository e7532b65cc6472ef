"""Time `cxmodels train` end to end (load, snapshots, churn and CLV fits, evaluation, MLflow logging) on a
simulated world, in a throwaway tracking store.

    python benchmarks/train_bench.py 100000            # simulates into a temporary folder first
    python benchmarks/train_bench.py --data-dir DIR    # an existing dataset
Target: at most 3 minutes for 100k customers on a 2-core machine.
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

from cxmodels.simulate import simulate, write_world
from training.config import load_config
from training.pipeline import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("customers", type=int, nargs="?", default=100_000)
    parser.add_argument("--data-dir", type=Path, help="Train on this dataset instead of simulating one.")
    parser.add_argument("--config", type=Path, help="TOML training configuration (default: the defaults).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(folder) / "world"
            start = time.perf_counter()
            write_world(simulate(args.customers, seed=0), data_dir)
            print(f"simulated {args.customers:,} customers in {time.perf_counter() - start:.1f} s")
        config = load_config(args.config, report_dir=str(Path(folder) / "reports"))
        start = time.perf_counter()
        result = train(data_dir, config, tracking_uri=f"sqlite:///{Path(folder) / 'mlflow.db'}")
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"train: {seconds:.1f} s end to end, peak memory {peak:,.0f} MB; churn ROC-AUC "
          f"{result.metrics['churn_roc_auc']:.4f}, CLV normalized Gini {result.metrics['clv_normalized_gini']:.4f}, "
          f"{result.metrics['churn_customers']:,} held-out customers")
    print(", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.seconds.items()))


if __name__ == "__main__":
    main()
