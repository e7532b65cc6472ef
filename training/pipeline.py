"""The training run: data -> snapshots -> churn and CLV models -> held-out evaluation -> MLflow run, registry, report.

`train` is what `cxmodels train` calls. The held-out snapshot is the latest whose labels
are complete at the present of the data; the training snapshots precede it and their
labels end by its cut-off, so nothing of the held-out period is learned.
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from tqdm.auto import tqdm

import cxmodels
from cxmodels.data import load_dataset
from cxmodels.features import LABEL_COLUMNS, build_snapshots, data_as_of, labels, value_summary
from cxmodels.features.value import PURCHASE_COLUMNS
from cxmodels.metrics.classification import roc_auc
from cxmodels.models import BTYDModel, select_btyd_model
from training.pyfunc import ChurnPyfunc, CLVPyfunc
from training import registry, tracking
from training.config import TrainingConfig
from training.evaluation import churn_evaluation, clv_evaluation, clv_gini
from training.report import render_report
from training.search import fit_best
from training.snapshots import SnapshotPlan, plan_snapshots

STEPS = 7  # the `with steps(...)` blocks of `train`
IMPORTANCE_ROWS = 1000  # held-out customers the feature importance (TreeSHAP, slow) is averaged over


@dataclass(frozen=True)
class Promotion:
    """What happened to one registered model in this run."""

    model: str
    version: str
    metric: str
    score: float
    champion_version: str | None
    champion_score: float | None
    promoted: bool
    reason: str

    def summary(self) -> str:
        """One line: the metric against the champion's, and whether the new version was promoted."""
        champion = "no champion" if self.champion_version is None else f"champion v{self.champion_version} " + (
            "could not score" if self.champion_score is None else f"{self.champion_score:.4f}")
        outcome = "promoted to champion" if self.promoted else "challenger"
        return f"{self.model} v{self.version}: {self.metric} {self.score:.4f} ({champion}); {outcome}: {self.reason}"


@dataclass(frozen=True)
class TrainingResult:
    """The MLflow run, where the report is, the held-out metrics, the promotions and the seconds per step."""

    run_id: str
    tracking_uri: str
    report_path: Path
    metrics: dict
    promotions: tuple[Promotion, ...]
    seconds: dict[str, float]  # per step


def train(data_dir, config: TrainingConfig | None = None, as_of=None, tracking_uri: str | None = None,
          promote: bool | None = None, progress: bool = True) -> TrainingResult:
    """Train, evaluate, log and register the churn and CLV models on the dataset in `data_dir`.

    as_of: the present of the data (rows at or after it are ignored); default just after its last
    timestamp. promote: None applies the champion/challenger rule, True/False overrides it.
    Raises cxmodels.data.DataValidationError for invalid data, ValueError when the data is too short.
    """
    config = config or TrainingConfig()
    uri = tracking.tracking_uri(tracking_uri)
    steps = _Steps(progress)
    with steps("load and validate the data"):
        dataset, present = data_as_of(load_dataset(data_dir), as_of)
        plan = plan_snapshots(present, **vars(config.snapshots))
        _check_history(dataset, plan)
        fingerprint = tracking.data_fingerprint(dataset)
    with steps("build snapshots"):
        train_frame, test_frame = _snapshots(dataset, plan, config, progress)
    horizon = config.snapshots.horizon_days
    X, X_test = (frame.drop(columns=list(LABEL_COLUMNS)) for frame in (train_frame, test_frame))
    y_test = test_frame["churned"].to_numpy()
    churn_input = model_input(X_test)
    with steps("fit the churn model"):
        churn, trials = fit_best(X, train_frame["churned"], config)
    with steps("fit the CLV model"):
        summary = value_summary(dataset.transactions, plan.test_as_of, config.features.value_period,
                                config.features.time_unit)
        btyd, clv_choice = _fit_clv(dataset, summary, plan, config)
        actual = labels(dataset, plan.test_as_of, horizon, population=summary.index)
        clv_input = summary.reset_index()
    with steps("score the champions"):
        experiment_id = tracking.use_experiment(uri, config.experiment)
        champions = {
            registry.CHURN_MODEL: _champion(registry.CHURN_MODEL, churn_input,
                                            lambda p: roc_auc(y_test, p["churn_probability"])),
            registry.CLV_MODEL: _champion(registry.CLV_MODEL, clv_input,
                                          lambda p: clv_gini(actual["future_spend"], p["clv"])),
        }
    with steps("evaluate"):
        predictions = {"new model": churn.predict_proba(X_test)[:, 1]}
        churn_champion = champions[registry.CHURN_MODEL]
        if churn_champion.predictions is not None:
            predictions[f"champion v{churn_champion.version}"] = \
                churn_champion.predictions["churn_probability"].to_numpy()
        rows = X_test.sample(min(len(X_test), IMPORTANCE_ROWS), random_state=config.seed)
        metrics, figures = churn_evaluation(y_test, predictions, churn.feature_importance(rows), config.features)
        clv_metrics, clv_figures = clv_evaluation(btyd, summary, actual, dataset.transactions, plan.test_as_of,
                                                  horizon)
        metrics |= clv_metrics | {"churn_trees": churn.best_iteration_}
        figures |= clv_figures
        scores = {registry.CHURN_MODEL: ("roc_auc", metrics["churn_roc_auc"]),
                  registry.CLV_MODEL: ("normalized_gini", metrics["clv_normalized_gini"])}
        metrics |= {f"champion_{name.removeprefix('cxmodels-')}_{metric}": champions[name].score
                    for name, (metric, _) in scores.items() if champions[name].score is not None}

    features = [str(name) for name in churn.feature_names_in_]
    params = config.flat() | {
        "data_dir": str(Path(data_dir).resolve()), "data_fingerprint": fingerprint, "cxmodels_version":
        cxmodels.__version__, "git_commit": tracking.git_commit() or "none", "data_start": str(_data_start(dataset)),
        "present": str(plan.present), "test_as_of": str(plan.test_as_of),
        "train_as_of": ", ".join(str(d.date()) for d in plan.train_as_of), "train_rows": len(train_frame),
        "test_customers": len(test_frame), "clv.model_used": clv_choice, "churn.calibration_used":
        str(churn.calibration_), "n_features": len(features), "features": ", ".join(features),
    }
    with steps("log to MLflow"), mlflow.start_run(experiment_id=experiment_id,
                                                  run_name=f"train as of {plan.present.date()}") as run:
        mlflow.log_params(params | {f"{name}.chosen": value for name, value in _chosen(churn, trials).items()})
        for number, trial in enumerate(trials, 1):
            with mlflow.start_run(experiment_id=experiment_id, run_name=f"search {number}", nested=True):
                mlflow.log_params(trial["params"])
                mlflow.log_metrics(trial["metrics"])
        mlflow.log_metrics({name: float(value) for name, value in metrics.items()})
        mlflow.log_dict({"features": features}, "features.json")
        for name, figure in figures.items():
            mlflow.log_figure(figure, f"figures/{name.replace(' ', '_')}.png")
        versions = {
            registry.CHURN_MODEL: registry.log_model(
                churn, ChurnPyfunc(), registry.CHURN_MODEL, churn_input.head(5),
                churn.explain(churn_input.head(5)).reset_index(drop=True), features),
            registry.CLV_MODEL: registry.log_model(
                btyd, CLVPyfunc(), registry.CLV_MODEL, clv_input.head(5),
                CLVPyfunc.outputs(btyd, clv_input.head(5)), list(summary.columns)),
        }
        promotions = []
        for name, (metric, score) in scores.items():
            champion = champions[name]
            promoted, reason = registry.decide(score, champion.score, promote, champion.error)
            registry.set_aliases(name, versions[name], promoted)
            promotions.append(Promotion(name, versions[name], metric, score, champion.version, champion.score,
                                        promoted, reason))
        mlflow.set_tags({f"{p.model}.version": p.version for p in promotions}
                        | {f"{p.model}.promoted": str(p.promoted) for p in promotions})
        mlflow.log_metrics({f"seconds_{name.replace(' ', '_')}": value for name, value in steps.seconds.items()})
        report = render_report(f"cxmodels training run {run.info.run_id}",
                               _report_sections(params, metrics, promotions), figures)
        report_path = Path(config.report_dir) / f"train-{run.info.run_id}.html"
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(report)
        mlflow.log_artifact(str(report_path), "report")
    steps.close()
    return TrainingResult(run.info.run_id, uri, report_path.resolve(), metrics, tuple(promotions), steps.seconds)


def model_input(X: pd.DataFrame) -> pd.DataFrame:
    """Snapshot features as a served model takes them: no as_of, categories as plain text, whole numbers as
    floats (so that a missing value at serving time still fits the signature)."""
    frame = X.drop(columns="as_of", errors="ignore").reset_index(drop=True)
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(object)
        elif pd.api.types.is_integer_dtype(frame[name].dtype):
            frame[name] = frame[name].astype(float)
    return frame


class _Steps:
    """A progress bar over the steps of a run, and the seconds each step took."""

    def __init__(self, progress: bool):
        self.bar = tqdm(total=STEPS, desc="train", disable=not progress)
        self.seconds = {}

    @contextmanager
    def __call__(self, name: str):
        self.bar.set_description(name)
        start = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - start
        self.bar.update()

    def close(self) -> None:
        self.bar.set_description("done")
        self.bar.close()


@dataclass(frozen=True)
class _Champion:
    """The current champion's version, predictions and score on the held-out data; the error when it
    cannot score them. All None when there is no champion."""

    version: str | None = None
    predictions: pd.DataFrame | None = None
    score: float | None = None
    error: str | None = None


def _champion(name: str, frame: pd.DataFrame, score_of) -> _Champion:
    """Load the champion of registered model `name` and score it on the held-out `frame` with `score_of`."""
    version = registry.champion_version(name)
    if version is None:
        return _Champion()
    try:
        predictions = mlflow.pyfunc.load_model(registry.champion_uri(name)).predict(frame)
    except (MlflowException, ValueError) as error:
        return _Champion(version, error=" ".join(str(error).split())[-300:])  # the cause is at the end
    return _Champion(version, predictions, score_of(predictions))


def _snapshots(dataset, plan: SnapshotPlan, config: TrainingConfig, progress: bool):
    dates = [*plan.train_as_of, plan.test_as_of]
    frames = [build_snapshots(dataset, [as_of], config.snapshots.horizon_days, config.features)
              for as_of in tqdm(dates, desc="snapshots", disable=not progress, leave=False)]
    return pd.concat(frames[:-1], ignore_index=True), frames[-1]


def _fit_clv(dataset, summary: pd.DataFrame, plan: SnapshotPlan, config: TrainingConfig) -> tuple[BTYDModel, str]:
    """The BTYD model fitted on `summary` (the value summary as of the held-out cut-off), and its purchase
    model's name ("auto": the best on the latest training snapshot's holdout)."""
    settings, features = config.clv, config.features
    choice = settings.model
    if choice == "auto":
        as_of = plan.train_as_of[-1]
        summary = value_summary(dataset.transactions, as_of, features.value_period, features.time_unit)
        future = labels(dataset, as_of, config.snapshots.horizon_days, population=summary.index)
        choice, _ = select_btyd_model(summary[list(PURCHASE_COLUMNS)], future["future_purchases"],
                                      config.snapshots.horizon_days, features.time_unit, penalizer=settings.penalizer)
    model = BTYDModel(choice, time_unit=features.time_unit, horizon_days=settings.horizon_days,
                      discount_rate=settings.discount_rate, penalizer=settings.penalizer,
                      spend_penalizer=settings.spend_penalizer)
    return model.fit(summary), choice


def _chosen(churn, trials: list[dict]) -> dict:
    """The searched settings the chosen churn model has (empty without a search)."""
    names = trials[0]["params"] if trials else {}
    return {name: churn.get_params()[name.removeprefix("churn.")] for name in names}


def _check_history(dataset, plan: SnapshotPlan) -> None:
    start = _data_start(dataset)
    if plan.train_as_of[0] <= start:
        raise ValueError(f"the data starts {start} but the earliest training snapshot is at {plan.train_as_of[0]} "
                         f"(present {plan.present}); give more history, or fewer snapshots or a shorter "
                         f"horizon or spacing in the configuration")


def _data_start(dataset) -> pd.Timestamp:
    return dataset.transactions["timestamp"].min()


def _report_sections(params: dict, metrics: dict, promotions) -> dict[str, dict]:
    promotion_rows = {p.model: p.summary() for p in promotions}
    return {"Promotion": promotion_rows, "Metrics on the held-out snapshot": metrics, "Parameters": params}
