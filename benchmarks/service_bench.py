"""The scoring service under load: the service runs as its own process on loopback, this process drives it at
a fixed rate with a mix of customer look-ups and small POST /score calls, and reports latency per kind.

    python benchmarks/service_bench.py                        # simulates, trains and scores 2,000 customers first
    python benchmarks/service_bench.py --workdir DIR          # a folder with mlruns/, scores.db and the world/
    python benchmarks/service_bench.py --seconds 60 --rate 200 --score-share 0.05
    python benchmarks/service_bench.py --rate 500 --workers 2 --store postgresql+psycopg://user@host/db

The load is open-loop: request i is due at start + i / rate whatever happened before, and its latency is
counted from when it was due, so a slow answer delays no later request and hides no queueing.
Target: look-ups p50 <= 10 ms and p99 <= 50 ms, no errors. POST /score calls beyond the scoring workers' queue
get 503 with Retry-After (busy), counted apart from errors.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

TABLES = ("customers", "transactions", "contacts", "surveys", "events")
TARGETS = {"p50": 10.0, "p99": 50.0}  # ms, look-ups


def prepare(workdir: Path, customers: int) -> None:
    """A world of `customers`, trained and scored into `workdir` (skipped when scores.db is there)."""
    if (workdir / "scores.db").exists():
        return
    cxmodels = str(Path(sys.executable).parent / "cxmodels")
    for command in ([cxmodels, "simulate", "world", "--customers", str(customers), "--seed", "1"],
                    [cxmodels, "train", "world"],
                    [sys.executable, "-c",
                     "from serving.batch import run_batch; run_batch('world', 'scores.parquet')"]):
        subprocess.run(command, cwd=workdir, check=True, stdout=subprocess.DEVNULL)


def serving_config(workdir: Path, store: str | None) -> Path | None:
    """A serving configuration in `workdir` whose score store is `store`, holding a batch of the world
    (None: the default configuration, scores.db in `workdir`)."""
    if store is None:
        return None
    config = workdir / "bench-serving.toml"
    config.write_text(f"[store]\nurl = {json.dumps(store)}\n")
    subprocess.run([sys.executable, "-c", "from serving.batch import run_batch; from serving.config import "
                    f"load_serving_config; run_batch('world', 'scores.parquet', config=load_serving_config({str(config)!r}))"],
                   cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    return config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_service(workdir: Path, port: int, key: str, config: Path | None, workers: int) -> subprocess.Popen:
    """`cxmodels serve` in `workdir` with `workers` processes, its log in service.log; returns once /ready
    answers 200."""
    command = [str(Path(sys.executable).parent / "cxmodels"), "serve", "--port", str(port), "--workers", str(workers),
               *(["--config", str(config)] if config else [])]
    with open(workdir / "service.log", "w") as log:
        process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, "CXMODELS_API_KEY": key})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/ready")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    sys.exit(f"the service did not become ready; see {workdir / 'service.log'}")


def score_bodies(workdir: Path, ids: list[str]) -> list[bytes]:
    """POST /score bodies: each one customer's whole history in the world (scored as of now)."""
    tables = {name: pd.read_parquet(workdir / "world" / f"{name}.parquet") for name in TABLES
              if (workdir / "world" / f"{name}.parquet").exists()}
    bodies = []
    for customer in ids:
        body = {name: json.loads(frame[frame["customer_id"] == customer].to_json(orient="records", date_format="iso"))
                for name, frame in tables.items()}
        bodies.append(json.dumps(body).encode())
    return bodies


def drive(port: int, key: str, rate: float, plan: list[tuple[str, str, bytes | None]],
          threads: int) -> tuple[list[tuple[str, float, int]], float]:
    """Send plan[i] at start + i / rate from `threads` keep-alive connections per kind of request (slow
    answers of one kind hold up no request of another): (kind, ms since due, status) per request, and
    the seconds from the first due time to the last answer."""
    results, lock = [], threading.Lock()
    by_kind = {kind: iter([i for i, (k, _, _) in enumerate(plan) if k == kind]) for kind in {k for k, _, _ in plan}}
    start = time.perf_counter() + 0.5

    def worker(indices) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next(indices, None)
            if i is None:
                return
            due = start + i / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            kind, path, body = plan[i]
            headers = {"X-API-Key": key, **({"Content-Type": "application/json"} if body else {})}
            try:
                connection.request("POST" if body else "GET", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            with lock:
                results.append((kind, (time.perf_counter() - due) * 1000, status))

    pool = [threading.Thread(target=worker, args=(indices,)) for indices in by_kind.values() for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results, time.perf_counter() - start


def report(results, seconds: float, rate: float) -> bool:
    """Print latency per kind, throughput, errors and busy answers (503: POST /score's queue is full, the
    client should retry); True when the look-up targets are met and nothing failed otherwise."""
    frame = pd.DataFrame(results, columns=["kind", "ms", "status"])
    print(f"{len(frame):,} requests in {seconds:.1f} s: {len(frame) / seconds:.1f} answered/s (target rate {rate:g})")
    print(f"{'kind':<8} {'requests':>9} {'busy':>6} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8}  (latency of the 200 answers)")
    busy = frame["status"] == 503
    failed = (frame["status"] != 200) & ~busy
    for kind, rows in frame.groupby("kind"):
        ok = rows.loc[rows["status"] == 200, "ms"]
        p50, p95, p99 = np.percentile(ok, [50, 95, 99]) if len(ok) else [np.nan] * 3
        print(f"{kind:<8} {len(rows):>9,} {int(busy[rows.index].sum()):>6,} {int(failed[rows.index].sum()):>7,} "
              f"{p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {ok.max() if len(ok) else np.nan:>8.1f}")
    lookups = frame[frame["kind"] == "lookup"]
    p50, p99 = np.percentile(lookups["ms"], [50, 99])
    met = (lookups["status"] == 200).all() and not failed.any() and p50 <= TARGETS["p50"] and p99 <= TARGETS["p99"]
    print(f"targets (look-ups p50 <= {TARGETS['p50']:g} ms, p99 <= {TARGETS['p99']:g} ms, no errors): "
          f"{'met' if met else 'MISSED'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=200, help="Requests per second, all kinds together.")
    parser.add_argument("--score-share", type=float, default=0.05, help="Share of POST /score among the requests.")
    parser.add_argument("--threads", type=int, default=32, help="Client connections per kind of request.")
    parser.add_argument("--workdir", type=Path, help="Folder with world/, mlruns/ and scores.db (default: a "
                                                     "temporary one, simulated, trained and scored first).")
    parser.add_argument("--customers", type=int, default=2000, help="Customers to simulate without --workdir.")
    parser.add_argument("--store", help="Score store URL to serve from (a batch of the world is written to it "
                                        "first); default scores.db in the work folder.")
    parser.add_argument("--workers", type=int, default=1, help="Service processes (cxmodels serve --workers).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = (args.workdir or Path(folder)).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        prepare(workdir, args.customers)
        config = serving_config(workdir, args.store)
        ids = pd.read_parquet(workdir / "scores.parquet", columns=["customer_id"])["customer_id"].tolist()
        rng = random.Random(0)
        bodies = score_bodies(workdir, rng.sample(ids, 50))
        count = int(args.seconds * args.rate)
        plan = [("score", "/score", rng.choice(bodies)) if rng.random() < args.score_share
                else ("lookup", f"/customers/{rng.choice(ids)}/scores", None) for _ in range(count)]
        key, port = secrets.token_urlsafe(16), free_port()
        print(f"score store {args.store or workdir / 'scores.db'}; {args.workers} service process(es)")
        service = start_service(workdir, port, key, config, args.workers)
        try:
            results, seconds = drive(port, key, args.rate, plan, args.threads)
        finally:
            service.terminate()
            service.wait(timeout=30)
    sys.exit(0 if report(results, seconds, args.rate) else 1)


if __name__ == "__main__":
    main()
