"""Benchmark: the churn model against its baselines and the simulator's exact churn probability, out of time.

    python benchmarks/churn_eval.py                          # both worlds, 40,000 customers each
    python benchmarks/churn_eval.py --world contractual --customers 10000 --figures out/

For each world (non-contractual: churn = no purchase in the horizon; contractual: a
cancellation in it) the simulator makes the customers, snapshots are taken every
--every-days from half a year after the start, the models learn from every snapshot whose
label window ends by the latest complete one, and are scored on that one. The oracle is
`true_churn_probability` for the same customers and cut-off, with the world's definition; the
references of `churn_references` know less than it: `oracle_without_rates` (the customer's rates
replaced by their posterior given the history), `oracle_without_state` (the state inferred from
the tables, the rates known) and, contractual, `oracle_from_tables` (neither known: the best the
tables allow). No model on the tables can beat them in expected Brier score, so they show how much
of the gap to the oracle is learnable.
Prints the evaluation table (ROC-AUC, PR-AUC, Brier, log loss, top-decile lift), the model's
top drivers (effort and support-history features marked) and the reasons of five customers.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cxmodels.simulate import churn_references, simulate
from cxmodels.data.validate import validate_tables
from cxmodels.features import FeatureConfig, build_snapshots, builder, families
from cxmodels.models.churn import ChurnModel
from cxmodels.models.churn.baselines import BGNBDChurnBaseline, LogisticChurnBaseline
from cxmodels.models.churn.evaluation import evaluate_out_of_time, features_and_churn, out_of_time_split
from cxmodels.plots import calibration_figure, feature_importance_figure, gain_figure, roc_figure

CONFIG = FeatureConfig(attributes=("plan", "region"))
WORLDS = {"non-contractual": False, "contractual": True}


def snapshot_dates(world, horizon_days: int, every_days: int) -> pd.DatetimeIndex:
    """Every `every_days` from half a year after the world's start, while the label window ends in the data."""
    last = world.end - pd.Timedelta(days=horizon_days + 1)
    return pd.date_range(world.start + pd.Timedelta(days=182), last, freq=f"{every_days}D")


def evaluate_world(contractual: bool, customers: int, seed: int, horizon_days: int, every_days: int,
                   n_jobs: int) -> dict:
    """Simulate, snapshot, fit the model and the baselines, score the latest snapshot; the results by name."""
    start = time.perf_counter()
    world = simulate(customers, seed=seed, contractual=contractual)
    dataset = validate_tables(world.tables).dataset
    snapshots = build_snapshots(dataset, snapshot_dates(world, horizon_days, every_days), horizon_days, CONFIG)
    train, test = out_of_time_split(snapshots, horizon_days)
    prepared = time.perf_counter() - start
    test_as_of = test["as_of"].iloc[0]
    definition = "contractual" if contractual else "no_purchase"
    references = churn_references(world, test_as_of, horizon_days, definition)
    models = {
        "churn_model": ChurnModel(horizon_days=horizon_days, feature_config=CONFIG, n_jobs=n_jobs),
        "logistic": LogisticChurnBaseline(),
        "bgnbd_no_purchase": BGNBDChurnBaseline(horizon_days=horizon_days, time_unit=CONFIG.time_unit),
    }
    start = time.perf_counter()
    known = {name: probability.reindex(test["customer_id"]).to_numpy() for name, probability in references.items()}
    table, predictions, fitted = evaluate_out_of_time(models, train, test, known)
    return {"table": table, "predictions": predictions, "model": fitted["churn_model"], "train": train, "test": test,
            "prepared_seconds": prepared, "fit_seconds": time.perf_counter() - start}


def report(name: str, result: dict, figures: Path | None) -> None:
    model, train, test, table = result["model"], result["train"], result["test"], result["table"]
    X_test, y_test = features_and_churn(test)
    print(f"\n=== {name} world: train {train['as_of'].nunique()} snapshots ({len(train):,} rows, "
          f"{train['as_of'].min().date()} to {train['as_of'].max().date()}), test {test['as_of'].iloc[0].date()} "
          f"({len(test):,} customers); data {result['prepared_seconds']:.0f} s, fits {result['fit_seconds']:.0f} s")
    print(f"churn model: {model.best_iteration_} trees; validation {model.validation_}; "
          f"calibration {model.calibration_ or 'none'} (out-of-fold log loss {_rounded(model.calibration_losses_)})")
    print(table.drop(columns=["customers"]).round(4).to_string())
    ours = table.loc["churn_model"]
    for reference in table.index[table.index.str.startswith("oracle")]:
        print(f"churn model vs {reference}: ROC-AUC {ours['roc_auc'] - table.loc[reference, 'roc_auc']:+.4f}, "
              f"Brier {ours['brier'] / table.loc[reference, 'brier'] - 1:+.1%}")

    importance = model.feature_importance(X_test)
    effort = {column.name for column in builder("effort").columns(CONFIG)}
    support = {column.name for column in builder("support_history").columns(CONFIG)}
    ranks = [rank for rank, feature in enumerate(importance.index, 1) if feature in effort]
    support_ranks = [rank for rank, feature in enumerate(importance.index, 1) if feature in support]
    print("effort feature ranks: " + ", ".join(f"{importance.index[r - 1]} {r}" for r in ranks[:5]))
    print("support-history feature ranks: " + ", ".join(f"{importance.index[r - 1]} {r}" for r in support_ranks[:5]))
    print(f"top drivers (mean |contribution|, * = effort, + = support history); best effort feature at rank "
          f"{ranks[0]}, best effort or support-history feature at rank {min(ranks[0], support_ranks[0])}:")
    for rank, (feature, value) in enumerate(importance.head(10).items(), 1):
        mark = "*" if feature in effort else "+" if feature in support else " "
        print(f"  {rank:2d}. {feature:<36}{mark} {value:.3f}")
    by_family = importance.groupby(importance.index.map(families(CONFIG))).sum().sort_values(ascending=False)
    print("  by feature family (summed):", ", ".join(f"{name} {value:.3f}" for name, value in by_family.items()))

    reasons = model.explain(_examples(model, X_test))
    print("reasons of five customers (highest risk, then the 99th, 90th, 50th and 10th percentile):")
    for _, row in reasons.iterrows():
        print(f"  {row['customer_id']}  churn probability {row['churn_probability']:.2f}")
        for k in (1, 2, 3):
            print(f"      - {row[f'reason_{k}']}")

    if figures is not None:
        figures.mkdir(parents=True, exist_ok=True)
        predictions = result["predictions"]
        slug = name.replace("-", "_")
        for kind, figure in (("roc", roc_figure(y_test, predictions)),
                             ("calibration", calibration_figure(y_test, predictions)),
                             ("gain", gain_figure(y_test, predictions)),
                             ("drivers", feature_importance_figure(importance, config=CONFIG))):
            figure.savefig(figures / f"churn_{slug}_{kind}.png", dpi=110)
        print(f"figures in {figures}/churn_{slug}_*.png")


def _examples(model: ChurnModel, X: pd.DataFrame) -> pd.DataFrame:
    """Five customers spread over the risk: the highest, then the 99th, 90th, 50th and 10th percentile."""
    probability = model.predict_proba(X)[:, 1]
    order = np.argsort(-probability, kind="stable")
    picks = [order[int(share * (len(order) - 1))] for share in (0.0, 0.01, 0.1, 0.5, 0.9)]
    return X.iloc[picks]


def _rounded(losses: dict | None) -> dict | None:
    return None if losses is None else {name: round(loss, 4) for name, loss in losses.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", choices=[*WORLDS, "both"], default="both")
    parser.add_argument("--customers", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--horizon-days", type=int, default=90)
    parser.add_argument("--every-days", type=int, default=90, help="days between snapshots")
    parser.add_argument("--n-jobs", type=int, default=2, help="LightGBM threads")
    parser.add_argument("--figures", type=Path, help="write the ROC, calibration, gain and driver figures here")
    args = parser.parse_args()
    names = list(WORLDS) if args.world == "both" else [args.world]
    for name in names:
        result = evaluate_world(WORLDS[name], args.customers, args.seed, args.horizon_days, args.every_days,
                                args.n_jobs)
        report(name, result, args.figures)


if __name__ == "__main__":
    main()
