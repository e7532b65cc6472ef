"""Benchmark: the feature matrix on a LocalCluster against one process, on the same dataset folder.

    python benchmarks/cluster_bench.py --customers 200000 [--workers 2] [--partitions 8]
    python benchmarks/cluster_bench.py --data-dir WORLD

Each path runs in its own process (peak RSS is per process): one process loads and validates the
dataset and builds the matrix; the cluster path co-partitions, validates and builds on N worker
processes. Prints seconds, the client's peak RSS and each worker's, and checks the matrices are equal.
"""

import argparse
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux reports KiB


def single(folder: Path, out: Path, queue) -> None:
    from cxmodels.data import load_dataset
    from cxmodels.features import build_features, data_as_of

    start = time.perf_counter()
    dataset, as_of = data_as_of(load_dataset(folder))
    build_features(dataset, as_of).to_parquet(out)
    queue.put((time.perf_counter() - start, peak_rss_gb(), []))


def cluster(folder: Path, out: Path, workers: int, partitions: int | None, queue) -> None:
    from cxmodels.cluster import cluster_features, connected, partition_dataset

    with connected(f"local:{workers}") as client:
        start = time.perf_counter()
        matrix, _ = cluster_features(partition_dataset(client, folder, partitions))
        seconds = time.perf_counter() - start
        matrix.to_parquet(out)
        worker_peaks = sorted(client.run(peak_rss_gb).values())
    queue.put((seconds, peak_rss_gb(), worker_peaks))


def run(target, *args):
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data_dir
        if folder is None:
            from cxmodels.data.io import write_tables
            from cxmodels.simulate import simulate

            folder = Path(tmp) / "world"
            start = time.perf_counter()
            write_tables(simulate(args.customers, seed=args.seed).tables, folder)
            print(f"simulated {args.customers:,} customers in {time.perf_counter() - start:.1f} s")
        alone, spread = Path(tmp) / "single.parquet", Path(tmp) / "cluster.parquet"
        seconds, peak, _ = run(single, folder, alone)
        print(f"one process:           {seconds:6.1f} s, peak RSS {peak:.2f} GB")
        seconds, peak, workers = run(cluster, folder, spread, args.workers, args.partitions)
        print(f"LocalCluster({args.workers}):       {seconds:6.1f} s, client peak RSS {peak:.2f} GB, "
              f"workers' peak RSS {', '.join(f'{w:.2f}' for w in workers)} GB")
        pd.testing.assert_frame_equal(pd.read_parquet(spread), pd.read_parquet(alone), check_exact=True)
        print("matrices identical")


if __name__ == "__main__":
    main()
