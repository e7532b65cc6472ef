"""Time `value_summary` against DuckDB's SQL for the same summary, on the same transactions, in the same run.

    python benchmarks/value_bench.py                                  # 20M purchases of 1M customers
    python benchmarks/value_bench.py --rows 2000000 --customers 100000
Target (#16): value_summary at or below DuckDB's time, with identical frequency, recency and T.
The log is synthetic (customer ids as text, UTC timestamps over three years, positive amounts), so both
compute the same thing: no refunds to net. DuckDB gets the pandas frame as it is (zero-copy scan).
"""

import argparse
import time

import duckdb
import numpy as np
import pandas as pd

from cxmodels.features import value_summary

AS_OF = pd.Timestamp("2026-01-01", tz="UTC")
SQL = """
WITH days AS (
    SELECT customer_id, CAST(floor(epoch_us("timestamp") / 86400e6) AS BIGINT) AS day, sum(amount) AS amount
    FROM log WHERE "timestamp" < $as_of GROUP BY customer_id, day
), per_customer AS (
    SELECT customer_id, count(*) - 1 AS frequency, max(day) - min(day) AS recency, $end - min(day) AS "T",
           sum(amount) - arg_min(amount, day) AS repeat_amount
    FROM days GROUP BY customer_id
)
SELECT customer_id, frequency, recency, "T",
       CASE WHEN frequency > 0 THEN repeat_amount / frequency ELSE 0 END AS monetary_value
FROM per_customer ORDER BY customer_id
"""


def synthetic_log(rows: int, customers: int, seed: int = 0) -> pd.DataFrame:
    """`rows` (>= `customers`) purchases of `customers` customers (skewed counts), over the three years before AS_OF."""
    rng = np.random.default_rng(seed)
    extra = np.minimum((rng.pareto(1.5, rows - customers) * customers / 8).astype(np.int64), customers - 1)
    who = rng.permutation(np.concatenate([np.arange(customers), extra]))  # every customer buys at least once
    seconds = rng.integers(0, 3 * 365 * 86400, rows)
    return pd.DataFrame({
        "customer_id": pd.array([f"C{i:07d}" for i in range(customers)], dtype="str").take(who),
        "timestamp": AS_OF - pd.to_timedelta(seconds + 1, unit="s"),
        "amount": np.round(rng.gamma(2.0, 25.0, rows), 2),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is reported")
    args = parser.parse_args()
    log = synthetic_log(args.rows, args.customers)
    connection = duckdb.connect()
    threads = connection.execute("SELECT current_setting('threads')").fetchall()[0][0]
    print(f"{len(log):,} purchases of {log['customer_id'].nunique():,} customers; duckdb {duckdb.__version__}, "
          f"{threads} threads")
    end = int((AS_OF.value // 1000 - 1) // 86_400_000_000)
    connection.register("log", log)
    timings = {"value_summary": [], "duckdb": []}
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = value_summary(log, AS_OF)
        timings["value_summary"].append(time.perf_counter() - start)
        start = time.perf_counter()
        theirs = connection.execute(SQL, {"as_of": AS_OF.to_pydatetime(), "end": end}).df().set_index("customer_id")
        timings["duckdb"].append(time.perf_counter() - start)
    for column in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(ours[column].to_numpy(), theirs[column].to_numpy(float), err_msg=column)
    np.testing.assert_allclose(ours["monetary_value"], theirs["monetary_value"], rtol=1e-9)
    ours_s, theirs_s = min(timings["value_summary"]), min(timings["duckdb"])
    print(f"value_summary {ours_s:.2f} s, DuckDB {theirs_s:.2f} s: ratio {ours_s / theirs_s:.2f} "
          f"(frequency, recency and T identical; monetary_value to 1e-9)")


if __name__ == "__main__":
    main()
