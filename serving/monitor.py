"""`cxmodels monitor`: is the champion still fit for the data it scores?

Three looks, each against thresholds of the [monitor] configuration:
- drift: each feature of the data at the cut-off, and the churn score, against the snapshot the champion was
  evaluated on (training/reference.py), as the population stability index; missing values; new categories;
- arrival: rows per table per week, the latest complete week against the weeks before it;
- realised performance: the score store's batches whose horizon has passed, against what then happened
  (ROC-AUC, top-decile lift, calibration).
The verdict: DATA_PROBLEM when a table stopped arriving, halved or doubled (the data cannot be trusted, so
neither can a retrain on it; data that breaks the contract, or lacks a table the champion needs, raises),
else RETRAIN when a PSI, a rise of missing values or a realised ROC-AUC drop reaches its threshold, else
FINE. Features in `calendar_features` (ages, which grow with the time since the reference whatever the
customers do) are reported but not judged. The report goes to an HTML and a JSON file, and its metrics
to MLflow (experiment cxmodels-monitor, linked to the champion's logged model).
"""

import json
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

from cxmodels.data import load_dataset
from cxmodels.data.arrival import arrival_problems, categories, weekly_rows
from cxmodels.errors import DataError
from cxmodels.features import build_features, data_as_of, labels, snapshot_population
from cxmodels.metrics.classification import calibration_table, churn_report
from cxmodels.metrics.drift import psi
from serving.champions import load_champions
from serving.config import ServingConfig
from serving.scoring import churn_features
from serving.store import ScoreStore
from training import registry, tracking
from training.reference import load_reference
from training.report import render_report

FINE, RETRAIN, DATA_PROBLEM = 0, 1, 2
VERDICTS = {FINE: "fine", RETRAIN: "retraining recommended", DATA_PROBLEM: "data problem"}
EXPERIMENT = "cxmodels-monitor"
SHOWN_FEATURES = 5  # the worst features named in the reasons


@dataclass(frozen=True)
class MonitorResult:
    """The verdict (FINE, RETRAIN or DATA_PROBLEM), why, the whole report and where it was written."""

    verdict: int
    reasons: list[str]
    report: dict
    json_path: Path
    html_path: Path

    def summary(self) -> str:
        return f"{VERDICTS[self.verdict]}: " + ("; ".join(self.reasons) or "no drift, data arriving as usual")


def run_monitor(data_dir, as_of=None, config: ServingConfig | None = None, tracking_uri: str | None = None,
                store_url: str | None = None) -> MonitorResult:
    """Monitor the champions on the dataset in `data_dir` as of `as_of` (default: just after its last
    timestamp). Raises DataError (including DataValidationError) when the data cannot be monitored at all."""
    config = config or ServingConfig()
    settings = config.monitor
    uri = tracking.tracking_uri(tracking_uri)
    champions = load_champions(uri)
    reference = load_reference(registry.CHURN_MODEL, champions.churn_version)
    dataset, present = data_as_of(load_dataset(data_dir), as_of)
    population = snapshot_population(dataset, present, config=champions.feature_config)  # the customers scored
    features = build_features(dataset, present, champions.feature_config, population)
    if features.empty:
        raise DataError(f"no customer of {data_dir} has a purchase before {present}: nothing to monitor")
    features = features[churn_features(features, champions.churn.feature_names_in_, champions.feature_config)]
    scores = pd.Series(champions.churn.predict_proba(features)[:, 1], name="churn_probability")
    report = {
        "as_of": present.isoformat(), "data_dir": str(Path(data_dir).resolve()), "customers": len(features),
        "champions": champions.versions(), "thresholds": vars(settings),
        "drift": _drift(reference, features), "churn_score_psi": psi(reference["churn_probability"], scores),
        "new_categories": _new_categories(reference["categories"], categories(dataset)),
        "arrival": _arrival(dataset, present, settings),
        "realised": _realised(store_url or config.store.url, dataset, present, champions,
                              reference["held_out_roc_auc"]),
    }
    verdict, reasons = _verdict(report, settings)
    report |= {"verdict": verdict, "verdict_text": VERDICTS[verdict], "reasons": reasons}
    json_path, html_path = _write(report, Path(settings.report_dir), present)
    _log(uri, report, champions, json_path, html_path)
    return MonitorResult(verdict, reasons, report, json_path, html_path)


def _drift(reference: dict, features: pd.DataFrame) -> dict[str, dict]:
    """Per feature, worst first: PSI and the share of missing values then (training) and now."""
    drift = {name: {"psi": psi(profile, features[name]), "missing_reference": profile["missing"],
                    "missing_now": float(features[name].isna().mean())}
             for name, profile in reference["features"].items() if name in features}
    return dict(sorted(drift.items(), key=lambda item: -item[1]["psi"]))


def _new_categories(seen: dict[str, list[str]], now: dict[str, list[str]]) -> dict[str, list[str]]:
    """The values of each category column that the training data did not have."""
    new = {column: sorted(set(values) - set(seen.get(column, []))) for column, values in now.items()}
    return {column: values for column, values in new.items() if values}


def _arrival(dataset, present: pd.Timestamp, settings) -> dict:
    weekly = weekly_rows(dataset, present, settings.weeks)
    return {"weeks": {str(start.date()): row.to_dict() for start, row in weekly.astype(int).iterrows()},
            "problems": arrival_problems(weekly, settings.arrival_low, settings.arrival_high)}


def _realised(store_url: str, dataset, present: pd.Timestamp, champions, held_out_auc: float | None) -> dict:
    """Each batch of the score store whose horizon has passed by `present`: its scores against what happened."""
    horizon = champions.churn.horizon_days
    database = store_url.removeprefix("sqlite:///")
    if store_url.startswith("sqlite:///") and not Path(database).exists():
        return {"horizon_days": horizon, "batches": [], "note": f"no score store at {store_url}"}
    store, batches = ScoreStore(store_url), []
    for batch in store.batches():
        if horizon is None or batch.as_of + pd.Timedelta(days=horizon) > present:
            continue
        scored = store.scores(batch.batch_id).dropna(subset=["churn_probability"])  # lapsed ones have none
        churned = labels(dataset, batch.as_of, horizon, population=scored["customer_id"],
                         config=champions.feature_config)["churned"]
        y, p = churned.to_numpy(dtype=int), scored["churn_probability"].to_numpy()
        entry = {"batch_id": batch.batch_id, "as_of": batch.as_of.isoformat(),
                 "churn_model_version": batch.metadata.get("churn_model_version")}
        if len(np.unique(y)) < 2:
            batches.append(entry | {"note": "every customer churned, or none: ROC-AUC undefined"})
            continue
        table = calibration_table(y, p, strategy="quantile")
        error = float((table["n"] * (table["mean_predicted"] - table["observed_rate"]).abs()).sum() / len(y))
        batches.append(entry | churn_report(y, p) | {"calibration_error": error})
    return {"horizon_days": horizon, "held_out_roc_auc": held_out_auc, "batches": batches}


def _verdict(report: dict, settings) -> tuple[int, list[str]]:
    """The verdict and its reasons, data problems first."""
    problems = [f"{p['table']} {p['problem']} ({p['rows']:,} rows in the latest week, median {p['median']:,.0f})"
                for p in report["arrival"]["problems"]]
    if problems:
        return DATA_PROBLEM, problems
    judged = {name: d for name, d in report["drift"].items() if name not in settings.calendar_features}
    reasons = []
    missing = {name: d for name, d in judged.items() if d["missing_now"] - d["missing_reference"] >= settings.missing_rise}
    if missing:
        worst = sorted(missing.items(), key=lambda item: item[1]["missing_reference"] - item[1]["missing_now"])
        shown = ", ".join(f"{name} {d['missing_reference']:.0%} -> {d['missing_now']:.0%}"
                          for name, d in worst[:SHOWN_FEATURES])
        reasons.append(f"{len(missing)} feature(s) with missing values up by {settings.missing_rise:.0%} or more, "
                       f"worst: {shown}")
    drifted = {name: d["psi"] for name, d in judged.items() if d["psi"] >= settings.psi_retrain}
    if drifted:
        worst = ", ".join(f"{name} {value:.2f}" for name, value in list(drifted.items())[:SHOWN_FEATURES])
        reasons.append(f"{len(drifted)} feature(s) drifted (PSI >= {settings.psi_retrain}), worst: {worst}")
    if report["churn_score_psi"] >= settings.psi_retrain:
        reasons.append(f"the churn score drifted (PSI {report['churn_score_psi']:.2f})")
    realised, version = report["realised"], report["champions"]["churn_model_version"]
    for batch in realised["batches"]:
        decayed = (batch.get("churn_model_version") == version and "roc_auc" in batch
                   and realised["held_out_roc_auc"] is not None
                   and batch["roc_auc"] <= realised["held_out_roc_auc"] - settings.auc_drop)
        if decayed:
            reasons.append(f"batch {batch['batch_id']} (as of {batch['as_of']}) realised ROC-AUC {batch['roc_auc']:.3f}, "
                           f"held-out {realised['held_out_roc_auc']:.3f}")
    return (RETRAIN if reasons else FINE), reasons


def _write(report: dict, folder: Path, present: pd.Timestamp) -> tuple[Path, Path]:
    """The report as JSON and as a self-contained HTML page, named by the cut-off."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"monitor-as-of-{present:%Y%m%d}-at-{pd.Timestamp.now(tz='UTC'):%Y%m%dT%H%M%S}"
    json_path, html_path = stem.with_suffix(".json"), stem.with_suffix(".html")
    json_path.write_text(json.dumps(report, indent=2, default=str))
    drift = report["drift"]
    sections = {
        "Verdict": {"verdict": f"{report['verdict']} ({report['verdict_text']})",
                    **{f"reason {i}": reason for i, reason in enumerate(report["reasons"], 1)}},
        "Data": {"as of": report["as_of"], "folder": report["data_dir"], "customers": report["customers"],
                 **report["champions"]},
        "Drift against the champion's held-out snapshot (PSI, worst first)": {
            name: f"{d['psi']:.3f}; missing {d['missing_reference']:.1%} then, {d['missing_now']:.1%} now"
                  + (" (a calendar feature: not judged)" if name in report["thresholds"]["calendar_features"] else "")
            for name, d in drift.items()} | {"churn score": f"{report['churn_score_psi']:.3f}"},
        "New categories": report["new_categories"] or {"none": ""},
        "Rows per week": report["arrival"]["weeks"],
        "Arrival problems": {p["table"]: p["problem"] for p in report["arrival"]["problems"]} or {"none": ""},
        "Realised performance (batches whose horizon has passed)": {
            batch["batch_id"]: {key: value for key, value in batch.items() if key != "batch_id"}
            for batch in report["realised"]["batches"]} or {"none": report["realised"].get("note", "")},
    }
    html_path.write_text(render_report(f"cxmodels monitor as of {report['as_of']}", sections, {}))
    return json_path, html_path


def _log(uri: str, report: dict, champions, json_path: Path, html_path: Path) -> None:
    """The headline metrics and both files as a run of EXPERIMENT, its metrics linked to the churn
    champion's logged model (so they show under that model version)."""
    experiment_id = tracking.use_experiment(uri, EXPERIMENT)
    version = MlflowClient().get_model_version(registry.CHURN_MODEL, champions.churn_version)
    model_id = version.model_id or version.source.removeprefix("models:/")  # MLflow 3 keeps it in the source
    drift = report["drift"]
    metrics = {"verdict": report["verdict"], "churn_score_psi": report["churn_score_psi"],
               "max_feature_psi": max((d["psi"] for d in drift.values()), default=0.0),
               "drifted_features": sum(d["psi"] >= report["thresholds"]["psi_retrain"] for name, d in drift.items()
                                       if name not in report["thresholds"]["calendar_features"]),
               "arrival_problems": len(report["arrival"]["problems"])}
    metrics |= {f"psi.{name}": d["psi"] for name, d in drift.items()}
    realised = [batch for batch in report["realised"]["batches"] if "roc_auc" in batch]
    if realised:
        metrics |= {f"realised_{name}": realised[0][name] for name in ("roc_auc", "top_decile_lift", "calibration_error")}
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"monitor as of {report['as_of'][:10]}"):
        mlflow.set_tags({f"{registry.CHURN_MODEL}.version": champions.churn_version, "verdict": report["verdict_text"]})
        mlflow.log_metrics(metrics, model_id=model_id)
        mlflow.log_artifact(str(json_path), "monitor")
        mlflow.log_artifact(str(html_path), "monitor")
