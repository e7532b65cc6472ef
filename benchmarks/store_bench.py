"""Benchmark: the score store with a synthetic batch of score rows.

    python benchmarks/store_bench.py                        # 1M rows into a temporary SQLite file
    python benchmarks/store_bench.py --rows 200000 --url postgresql+psycopg://user@host/db

Prints the seconds (wall and CPU) and rows/s of `write_batch`, the peak RSS before and after it, the time to read
the whole batch back, the segment counts and a page of members, and p50/p99 of `customer_scores` for
random customers (`--lookups` of them).
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from serving.scoring import SCORE_COLUMNS
from serving.store import ScoreStore


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux reports KiB


def synthetic_scores(rows: int, seed: int = 0) -> pd.DataFrame:
    """A score frame (SCORE_COLUMNS) of `rows` customers with plausible values, about 10% of them missing."""
    rng = np.random.default_rng(seed)

    def floats(low: float, high: float) -> np.ndarray:
        values = rng.uniform(low, high, rows)
        values[rng.random(rows) < 0.1] = np.nan
        return values

    def reason(label: str) -> pd.Series:
        text = label + ": " + pd.Series(rng.integers(0, 400, rows)).astype(str) + " (raises risk)"
        return text.where(rng.random(rows) > 0.05, None)

    tiers = np.array(["low", "medium", "high"], dtype=object)
    probability = rng.random(rows)
    risk = tiers[np.searchsorted([0.3, 0.6], probability, side="right")]
    value = tiers[rng.integers(0, 3, rows)]
    grid = {("high", "high"): "save_now", ("high", "medium"): "keep_close", ("high", "low"): "reward_loyalty",
            ("medium", "high"): "retain", ("medium", "medium"): "nurture", ("medium", "low"): "grow",
            ("low", "high"): "let_go", ("low", "medium"): "automate", ("low", "low"): "maintain"}
    segments = pd.Series([grid[pair] for pair in zip(value, risk)])
    rfm = np.array(["", ";champions", ";loyal", ";at_risk", ";hibernating", ";lost"], dtype=object)
    frame = pd.DataFrame({
        "customer_id": pd.Series(rng.permutation(rows)).map("C{:08d}".format),
        "as_of": pd.Timestamp("2025-01-01", tz="UTC").as_unit("ns"),
        "churn_probability": probability, "churn_risk": risk,
        "reason_1": reason("Days since the last purchase"), "reason_2": reason("Contacts in the last 90 days"),
        "reason_3": reason("Latest NPS score"),
        "p_alive": floats(0, 1), "expected_purchases": floats(0, 10), "expected_order_value": floats(5, 200),
        "clv": floats(0, 2000), "value_tier": value,
        "days_since_last_purchase": floats(0, 700), "purchases_total": floats(1, 50), "spend_total": floats(5, 9000),
        "mean_order_value": floats(5, 300), "nps_latest": floats(0, 10),
        "nps_category": np.array(["promoter", "passive", "detractor", None], dtype=object)[rng.integers(0, 4, rows)],
        "r_score": floats(1, 5).round(), "f_score": floats(1, 5).round(), "m_score": floats(1, 5).round(),
        "segments": segments + rfm[rng.integers(0, len(rfm), rows)],
        "churn_model_version": "3", "clv_model_version": "2",
    })
    return frame[list(SCORE_COLUMNS)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--url", help="SQLAlchemy URL (default: a SQLite file in a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'scores.db'}"
        start = time.perf_counter()
        scores = synthetic_scores(args.rows)
        print(f"synthetic frame: {len(scores):,} rows in {time.perf_counter() - start:.1f} s, "
              f"{scores.memory_usage(deep=True).sum() / 1024**3:.2f} GB; peak RSS {peak_rss_gb():.2f} GB")

        store = ScoreStore(url)
        start, cpu = time.perf_counter(), time.process_time()
        batch = store.write_batch(scores, {"benchmark": True})
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"write_batch: {seconds:.1f} s ({cpu:.1f} s CPU), {len(scores) / seconds:,.0f} rows/s; "
              f"peak RSS {peak_rss_gb():.2f} GB")
        if url.startswith("sqlite:///"):
            database = Path(url.removeprefix("sqlite:///"))
            size = sum(path.stat().st_size for path in database.parent.glob(database.name + "*"))
            print(f"database size (with WAL): {size / 1024**3:.2f} GB")

        start = time.perf_counter()
        back = store.scores(batch.batch_id)
        print(f"scores(): {len(back):,} rows in {time.perf_counter() - start:.1f} s; peak RSS {peak_rss_gb():.2f} GB")
        del back
        start = time.perf_counter()
        counts = store.segment_counts()
        print(f"segment_counts(): {len(counts)} segments in {(time.perf_counter() - start) * 1000:.0f} ms")
        start = time.perf_counter()
        store.segment_members("save_now", limit=1000, offset=10_000)
        print(f"segment_members(save_now, limit=1000, offset=10000): {(time.perf_counter() - start) * 1000:.0f} ms")

        ids = scores["customer_id"].sample(args.lookups, replace=True, random_state=1).tolist()
        timings = np.empty(len(ids))
        for i, customer_id in enumerate(ids):
            start = time.perf_counter()
            store.customer_scores(customer_id)
            timings[i] = time.perf_counter() - start
        p50, p99 = np.percentile(timings, [50, 99]) * 1000
        print(f"customer_scores x {len(ids):,}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
              f"{len(ids) / timings.sum():,.0f} lookups/s")


if __name__ == "__main__":
    main()
