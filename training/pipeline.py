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
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from tqdm.auto import tqdm

import cxmodels
from cxmodels.drivers import History, declared_drivers, driver_effects, drivers_table
from cxmodels.errors import DataError
from cxmodels.features import LABEL_COLUMNS, labels, value_summary
from cxmodels.features.value import PURCHASE_COLUMNS
from cxmodels.metrics.clv_evaluation import repeat_purchases
from cxmodels.metrics.classification import churn_report, roc_auc, roc_auc_difference
from cxmodels.metrics.links import churn_by_experience
from cxmodels.models import (AdditiveChurnModel, BGNBDChurnBaseline, BTYDFitError, BTYDModel, fit_first_that_works,
                             select_btyd_model)
from training import registry, tracking
from training.config import TrainingConfig
from training.data import RunData, gathered, load_data, snapshot_parts, snapshots
from training.evaluation import churn_evaluation, clv_evaluation, clv_gini, covariate_comparison
from training.pyfunc import ChurnPyfunc, CLVPyfunc
from training.reference import log_reference
from training.report import render_report
from training.search import fit_best, small_counts, small_data

STEPS = 7  # the `with steps(...)` blocks of `train`
FREQUENCY_TABLE = "CLV holdout purchases by calibration frequency"
LINK_TABLE = "Churn by experience on the held-out snapshot"
DRIVER_TABLE = "Drivers on the held-out snapshot"  # cxmodels drivers, with the new churn and CLV models
COVARIATE_TABLE = "CLV without and with the customers covariates on the held-out period"  # BG/NBD both
CLV_FALLBACKS = ("bgnbd", "pareto", "mbgnbd")  # tried in this order when the chosen purchase model does not fit
ONE_SIDED_95 = 1.645  # standard errors a gain over the baseline must clear: not a chance result on this snapshot
CLIENT, DASK = "client", "lightgbm.dask"  # where the churn model is fitted (the run's churn.training)
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
    notes: tuple[str, ...] = ()  # what the user should know about this run, one line each


def train(data_dir, config: TrainingConfig | None = None, as_of=None, tracking_uri: str | None = None,
          promote: bool | None = None, progress: bool = True, client=None) -> TrainingResult:
    """Train, evaluate, log and register the churn and CLV models on the dataset in `data_dir`.

    as_of: the moment the data is observed up to (rows at or after it are ignored); default the end of the
    day of its last timestamp. promote: None applies the champion/challenger rule, True/False overrides it.
    client: a distributed.Client: the per-customer work runs on its cluster, and the churn model is fitted on
    the client when the training snapshots have at most `config.cluster.gather_rows` rows (the same run as in
    this process), else with lightgbm.dask (docs/cluster.md, "Training on a cluster").
    Raises cxmodels.data.DataValidationError for invalid data, DataError when the data is too short.
    """
    config = config or TrainingConfig()
    uri = tracking.tracking_uri(tracking_uri)
    steps = _Steps(progress)
    with steps("load and validate the data"):
        data = load_data(data_dir, as_of, config, client)
        _check_history(data)
    with steps("build snapshots"):
        held_out = _snapshots(data, config)
    with steps("fit the churn model"):
        churn, trials = _fit_churn(held_out, config)
        baseline = _baseline(held_out, data, config)
    with steps("fit the CLV model"):
        clv = _fit_clv(data, config)
    with steps("score the champions"):
        experiment_id = tracking.use_experiment(uri, config.experiment)
        champions = _score_champions(held_out, clv)
    with steps("evaluate"):
        evaluation = _evaluate(churn, clv, held_out, champions, data, config, baseline)
    params = config.flat() | _params(data_dir, data, held_out, churn, clv, config)
    notes = _notes(churn, clv, held_out, config, data.parts is not None)
    with steps("log to MLflow"), mlflow.start_run(experiment_id=experiment_id,
                                                  run_name=f"train as of {data.plan.present.date()}") as run:
        _log_run(experiment_id, params, churn, trials, evaluation)
        log_reference(held_out.X_test, churn, data.categories)
        versions = _register(churn, clv, held_out)
        refusals = {registry.CHURN_MODEL: _churn_refusal(evaluation.metrics, baseline.name, config.safeguards)}
        promotions = _promote(evaluation.scores, champions, versions, promote, refusals)
        mlflow.log_metrics({f"seconds_{name.replace(' ', '_')}": value for name, value in steps.seconds.items()})
        report_path = _write_report(run.info.run_id, params, evaluation, promotions, notes, config)
    steps.close()
    return TrainingResult(run.info.run_id, uri, report_path.resolve(), evaluation.metrics, promotions, steps.seconds,
                          notes)


@dataclass(frozen=True)
class _HeldOut:
    """The training snapshots' features and labels (None when they stay on the cluster, in `train_parts`), their
    rows and churned rows, the latest training snapshot's features, and the held-out snapshot's features and
    labels (also as a served model takes them); `training`: where the churn model is fitted."""

    X_train: pd.DataFrame | None
    y_train: pd.Series | None
    train_rows: int
    train_churned: int
    X_latest: pd.DataFrame
    X_test: pd.DataFrame
    y_test: np.ndarray
    model_input: pd.DataFrame
    training: str = CLIENT
    train_parts: object | None = None  # the training snapshot frames on the cluster (a PartitionedDataset)


@dataclass(frozen=True)
class _CLV:
    """The fitted BTYD model, its purchase model's name, the value summary at the held-out cut-off (also as the
    served model takes it) and what then happened over the horizon."""

    model: BTYDModel
    choice: str
    summary: pd.DataFrame
    actual: pd.DataFrame
    rejected: tuple[str, ...] = ()  # the purchase models tried before `choice`, and why each was rejected

    @property
    def model_input(self) -> pd.DataFrame:
        return self.summary.reset_index()


@dataclass(frozen=True)
class _Baseline:
    """What the churn model must beat on the held-out snapshot: its name and probabilities."""

    name: str
    probabilities: np.ndarray


@dataclass(frozen=True)
class _Evaluation:
    """Held-out metrics, figures and tables, and the score each registered model is promoted on:
    {name: (metric, value)}."""

    metrics: dict
    figures: dict
    scores: dict
    tables: dict


def _snapshots(data: RunData, config: TrainingConfig) -> _HeldOut:
    """The training and held-out snapshots; on a cluster the training ones stay there when they are more than
    `config.cluster.gather_rows` rows (and not so few that the small-data churn model is the one to fit)."""
    plan = data.plan
    test_frame = snapshots(data, [plan.test_as_of], config)
    X_test = test_frame.drop(columns=list(LABEL_COLUMNS))
    test = {"X_test": X_test, "y_test": test_frame["churned"].to_numpy(), "model_input": model_input(X_test)}
    if data.parts is not None:
        parts = snapshot_parts(data, plan.train_as_of, config)
        rows, churned = (sum(counts) for counts in zip(*parts.map(_churn_counts), strict=True))
        if rows > config.cluster.gather_rows and not small_counts(rows, churned, config.safeguards):
            latest = gathered(parts.apply(_at, plan.train_as_of[-1])).drop(columns=list(LABEL_COLUMNS))
            return _HeldOut(None, None, rows, churned, latest, **test, training=DASK, train_parts=parts)
        train_frame = gathered(parts)
    else:
        train_frame = snapshots(data, plan.train_as_of, config)
    X_train = train_frame.drop(columns=list(LABEL_COLUMNS))
    return _HeldOut(X_train, train_frame["churned"], len(X_train), int(train_frame["churned"].sum()),
                    X_train[X_train["as_of"] == X_train["as_of"].max()], **test)


def _churn_counts(frame: pd.DataFrame) -> tuple[int, int]:
    return len(frame), int(frame["churned"].sum())


def _at(frame: pd.DataFrame, as_of) -> pd.DataFrame:
    return frame[frame["as_of"] == as_of]


def _fit_churn(held_out: _HeldOut, config: TrainingConfig) -> tuple:
    """fit_best on the gathered training snapshots, or on those kept on the cluster with lightgbm.dask."""
    if held_out.train_parts is None:
        return fit_best(held_out.X_train, held_out.y_train, config)
    from cxmodels.cluster.churn import fit_on_cluster

    return fit_best(None, None, config, fit=lambda model: fit_on_cluster(model, held_out.train_parts))


def _fit_clv(data: RunData, config: TrainingConfig) -> _CLV:
    """The BTYD model fitted on the value summary as of the held-out cut-off; its purchase model is the
    configured one, or ("auto") the best on the latest training snapshot's holdout, else the first of
    CLV_FALLBACKS that fits (a fit that does not converge or degenerates is rejected, and said)."""
    settings, features, plan = config.clv, config.features, data.plan
    horizon = config.snapshots.horizon_days
    choice = settings.model
    if choice == "auto":
        calibration = data.whole(_summary_and_labels, plan.train_as_of[-1], horizon, features)
        choice, _ = select_btyd_model(calibration[list(PURCHASE_COLUMNS)], calibration["future_purchases"],
                                      horizon, features.time_unit, penalizer=settings.penalizer)
    both = data.whole(_summary_and_labels, plan.test_as_of, horizon, features)
    summary, actual = both.drop(columns=list(LABEL_COLUMNS)), both[list(LABEL_COLUMNS)]
    model, choice, rejected = fit_first_that_works(
        summary, [choice, *(name for name in CLV_FALLBACKS if name != choice)], time_unit=features.time_unit,
        horizon_days=settings.horizon_days, discount_rate=settings.discount_rate, penalizer=settings.penalizer,
        spend_penalizer=settings.spend_penalizer)
    return _CLV(model, choice, summary, actual, tuple(rejected))


def _summary_and_labels(dataset, as_of, horizon_days: int, features) -> pd.DataFrame:
    """The value summary of `dataset` as of `as_of`, and the labels of its customers over the horizon after it."""
    summary = value_summary(dataset.transactions, as_of, features.value_period, features.time_unit,
                            features.refund_window_days)
    return summary.join(labels(dataset, as_of, horizon_days, population=summary.index, config=features))


def _score_champions(held_out: _HeldOut, clv: _CLV) -> dict:
    """Each registered model's current champion, scored on the held-out data as the new version will be."""
    return {
        registry.CHURN_MODEL: _champion(registry.CHURN_MODEL, held_out.model_input,
                                        lambda p: roc_auc(held_out.y_test, p["churn_probability"])),
        registry.CLV_MODEL: _champion(registry.CLV_MODEL, clv.model_input,
                                      lambda p: clv_gini(clv.actual["future_spend"], p["clv"])),
    }


def _baseline(held_out: _HeldOut, data: RunData, config: TrainingConfig) -> _Baseline:
    """BG/NBD's P(no purchase in the horizon) for purchase-only data (the training churn rate when BG/NBD does
    not fit); the training churn rate for contractual data."""
    rate = _Baseline("training churn rate", np.full(len(held_out.X_test), held_out.train_churned / held_out.train_rows))
    if data.contractual:
        return rate
    try:  # it is fitted on the latest training snapshot
        model = BGNBDChurnBaseline(config.snapshots.horizon_days, config.features.time_unit).fit(held_out.X_latest)
    except (BTYDFitError, DataError):
        return rate
    return _Baseline("BG/NBD P(no purchase)", model.predict_proba(held_out.X_test)[:, 1])


def _evaluate(churn, clv: _CLV, held_out: _HeldOut, champions: dict, data: RunData, config: TrainingConfig,
              baseline: _Baseline) -> _Evaluation:
    predictions = {"new model": churn.predict_proba(held_out.X_test)[:, 1]}
    churn_champion = champions[registry.CHURN_MODEL]
    if churn_champion.predictions is not None:
        predictions[f"champion v{churn_champion.version}"] = churn_champion.predictions["churn_probability"].to_numpy()
    predictions[f"baseline: {baseline.name}"] = baseline.probabilities
    rows = held_out.X_test.sample(min(len(held_out.X_test), IMPORTANCE_ROWS), random_state=config.seed)
    metrics, figures = churn_evaluation(held_out.y_test, predictions, churn.feature_importance(rows), config.features)
    clv_metrics, clv_figures, frequency = clv_evaluation(clv.model, clv.summary, clv.actual,
                                                         _repeat_purchases(data), data.plan.test_as_of,
                                                         config.snapshots.horizon_days)
    metrics |= _fit_metrics(clv.model)
    metrics |= clv_metrics | {"churn_trees": churn.best_iteration_,
                              "churn_prediction_spread": float(np.std(predictions["new model"]))}
    metrics |= {f"churn_baseline_{name}": value for name, value in
                churn_report(held_out.y_test, baseline.probabilities).items() if name in ("roc_auc", "brier")}
    gain, error = roc_auc_difference(held_out.y_test, predictions["new model"], baseline.probabilities)
    metrics |= {"churn_auc_gain_over_baseline": gain, "churn_auc_gain_standard_error": error}
    scores = {registry.CHURN_MODEL: ("roc_auc", metrics["churn_roc_auc"]),
              registry.CLV_MODEL: ("normalized_gini", metrics["clv_normalized_gini"])}
    metrics |= {f"champion_{name.removeprefix('cxmodels-')}_{metric}": champions[name].score
                for name, (metric, _) in scores.items() if champions[name].score is not None}
    links = churn_by_experience(held_out.X_test.set_index("customer_id"), held_out.y_test)  # the held-out snapshot
    tables = {FREQUENCY_TABLE: frequency, LINK_TABLE: links,
              DRIVER_TABLE: _held_out_drivers(churn, clv, held_out, data, config)}
    covariates = covariate_comparison(clv.summary, clv.actual["future_purchases"], data.customers,
                                      config.clv.covariates, config.snapshots.horizon_days, config.features.time_unit)
    if covariates is not None:
        tables[COVARIATE_TABLE] = covariates
    return _Evaluation(metrics, figures | clv_figures, scores, tables)


def _held_out_drivers(churn, clv: _CLV, held_out: _HeldOut, data: RunData, config: TrainingConfig) -> pd.DataFrame:
    """The driver table (docs/drivers.md) of the new churn model on the held-out snapshot, its revenue weighted by
    the new CLV model's clv. On a cluster the drivers that edit the history are scored on counterfactual feature
    values instead (the history is on the workers)."""
    features = held_out.X_test.set_index("customer_id")
    history = None if data.dataset is None else History(data.dataset, data.plan.test_as_of, config.features)
    effects = driver_effects(churn, features, declared_drivers(config.drivers), history)
    summary = clv.summary[clv.summary[list(PURCHASE_COLUMNS)].notna().all(axis=1)].astype(float)
    value = clv.model.predict(summary)["clv"].reindex(features.index)
    return drivers_table(effects, churn.predict_proba(features)[:, 1], value, seed=config.seed)


def _fit_metrics(btyd: BTYDModel) -> dict:
    """The BTYD fit's maximised log-likelihoods, parameters and their standard errors, as run metrics."""
    metrics = {"clv_log_likelihood": btyd.log_likelihood_}
    if btyd.spend_log_likelihood_ is not None:
        metrics["clv_spend_log_likelihood"] = btyd.spend_log_likelihood_
    metrics |= {f"clv_param_{name}": value for name, value in btyd.params_.items()}
    return metrics | {f"clv_param_{name}_se": value for name, value in btyd.standard_errors_.items()}


def _repeat_purchases(data: RunData) -> tuple[np.ndarray, pd.Series]:
    """`repeat_purchases` of the whole dataset's transactions as of the held-out cut-off (from every partition's)."""
    as_of = data.plan.test_as_of
    found = ([repeat_purchases(data.dataset.transactions, as_of)] if data.parts is None
             else data.parts.map(_partition_repeat_purchases, as_of))
    starts = pd.concat([part[1] for part in found])
    return np.sort(np.concatenate([part[0] for part in found])), starts.groupby(level=0).sum().sort_index()


def _partition_repeat_purchases(dataset, as_of) -> tuple[np.ndarray, pd.Series]:
    return repeat_purchases(dataset.transactions, as_of)


def _params(data_dir, data: RunData, held_out: _HeldOut, churn, clv: _CLV, config: TrainingConfig) -> dict:
    """What identifies the run besides the configuration: the data, the code, the snapshots and the models' choices."""
    features = [str(name) for name in churn.feature_names_in_]
    plan = data.plan
    return {
        "data_dir": str(Path(data_dir).resolve()), "data_fingerprint": data.fingerprint, "cxmodels_version":
        cxmodels.__version__, "git_commit": tracking.git_commit() or "none",
        "data_start": str(data.start), "present": str(plan.present), "test_as_of": str(plan.test_as_of),
        "train_as_of": ", ".join(str(d.date()) for d in plan.train_as_of), "train_rows": held_out.train_rows,
        "churn.training": held_out.training,
        "test_customers": len(held_out.X_test), "clv.model_used": clv.choice, "churn.calibration_used":
        str(churn.calibration_), "n_features": len(features), "features": ", ".join(features),
        "churn.model_used": type(churn).__name__, "clv.rejected_models": " | ".join(clv.rejected)[:500] or "none",
    }


def _log_run(experiment_id: str, params: dict, churn, trials: list[dict], evaluation: _Evaluation) -> None:
    """Parameters and the chosen search settings, one nested run per search trial, metrics, features, figures."""
    mlflow.log_params(params | {f"{name}.chosen": value for name, value in _chosen(churn, trials).items()})
    for number, trial in enumerate(trials, 1):
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"search {number}", nested=True):
            mlflow.log_params(trial["params"])
            mlflow.log_metrics(trial["metrics"])
    mlflow.log_metrics({name: float(value) for name, value in evaluation.metrics.items()})
    mlflow.log_dict({"features": [str(name) for name in churn.feature_names_in_]}, "features.json")
    for name, figure in evaluation.figures.items():
        mlflow.log_figure(figure, f"figures/{name.replace(' ', '_')}.png")
    for name, table in evaluation.tables.items():
        mlflow.log_text(table.to_csv(), f"tables/{name.replace(' ', '_')}.csv")


def _register(churn, clv: _CLV, held_out: _HeldOut) -> dict[str, str]:
    """Log both models as registered pyfunc models; their new versions by name."""
    churn_example, clv_example = held_out.model_input.head(5), clv.model_input.head(5)
    return {
        registry.CHURN_MODEL: registry.log_model(
            churn, ChurnPyfunc(), registry.CHURN_MODEL, churn_example,
            churn.explain(churn_example).reset_index(drop=True), [str(name) for name in churn.feature_names_in_]),
        registry.CLV_MODEL: registry.log_model(
            clv.model, CLVPyfunc(), registry.CLV_MODEL, clv_example, CLVPyfunc.outputs(clv.model, clv_example),
            list(clv.summary.columns)),
    }


def _churn_refusal(metrics: dict, baseline: str, safeguards) -> str | None:
    """Why the new churn model must not be promoted (`metrics`: the held-out churn_* metrics), or None."""
    if metrics["churn_prediction_spread"] < 1e-6:
        return "it gives every customer the same churn probability"
    auc, brier = metrics["churn_roc_auc"], metrics["churn_brier"]
    base_auc, base_brier = metrics["churn_baseline_roc_auc"], metrics["churn_baseline_brier"]
    gain, error = metrics["churn_auc_gain_over_baseline"], metrics["churn_auc_gain_standard_error"]
    if gain < safeguards.min_auc_gain or gain - ONE_SIDED_95 * error <= 0 or brier > base_brier:
        return (f"it does not beat its baseline, {baseline}, on the held-out snapshot: ROC-AUC {auc:.4f} against "
                f"{base_auc:.4f} (a gain of {gain:+.4f} +- {error:.4f}; needed: at least {safeguards.min_auc_gain} "
                f"and more than {ONE_SIDED_95} standard errors), Brier {brier:.4f} against {base_brier:.4f}")
    return None


def _notes(churn, clv: _CLV, held_out: _HeldOut, config: TrainingConfig, on_cluster: bool) -> tuple[str, ...]:
    """Where the churn model was fitted (on a cluster), and one line for each fallback this run took: the
    small-data churn model, another purchase model."""
    notes = []
    if held_out.training == DASK:
        notes.append(f"The churn model was trained on the cluster with lightgbm.dask: {held_out.train_rows:,} training "
                     f"snapshot rows, more than cluster.gather_rows = {config.cluster.gather_rows:,}; early "
                     f"stopping and calibration on its validation split gathered on the client "
                     f"({churn.validation_}).")
    elif on_cluster:
        notes.append(f"The {held_out.train_rows:,} training snapshot rows (at most cluster.gather_rows = "
                     f"{config.cluster.gather_rows:,}) were built on the cluster and the churn model fitted on the "
                     f"client, as in one process.")
    if isinstance(churn, AdditiveChurnModel):  # fit_best chose the fallback for this reason
        reason = small_data(held_out.y_train, config.safeguards)
        notes.append(f"The churn model is the small-data fallback, {type(churn).__name__} (an additive model of "
                     f"one-split trees): {reason}.")
    if clv.rejected:
        notes.append(f"The CLV purchase model is {clv.choice}, a fallback: " + "; ".join(clv.rejected))
    return tuple(notes)


def _promote(scores: dict, champions: dict, versions: dict, promote: bool | None,
             refusals: dict) -> tuple[Promotion, ...]:
    """Apply the champion/challenger rule (or `promote`; a refusal overrides both) to each new version, set the
    aliases and tag the run."""
    promotions = []
    for name, (metric, score) in scores.items():
        champion = champions[name]
        promoted, reason = registry.decide(score, champion.score, promote, champion.error, refusals.get(name))
        registry.set_aliases(name, versions[name], promoted)
        promotions.append(Promotion(name, versions[name], metric, score, champion.version, champion.score,
                                    promoted, reason))
    mlflow.set_tags({f"{p.model}.version": p.version for p in promotions}
                    | {f"{p.model}.promoted": str(p.promoted) for p in promotions})
    return tuple(promotions)


def _write_report(run_id: str, params: dict, evaluation: _Evaluation, promotions, notes: tuple[str, ...],
                  config: TrainingConfig) -> Path:
    """The HTML report under config.report_dir, also logged as the run's artifact."""
    report = render_report(f"cxmodels training run {run_id}",
                           _report_sections(params, evaluation, promotions, notes), evaluation.figures)
    path = Path(config.report_dir) / f"train-{run_id}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report)
    mlflow.log_artifact(str(path), "report")
    return path


def model_input(X: pd.DataFrame) -> pd.DataFrame:
    """Snapshot features as a served model takes them: no as_of, categories as plain text, whole numbers as
    floats (so that a missing value at serving time still fits the signature)."""
    frame = X.drop(columns="as_of", errors="ignore").reset_index(drop=True)
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
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


def _chosen(churn, trials: list[dict]) -> dict:
    """The searched settings the chosen churn model has (empty without a search)."""
    names = trials[0]["params"] if trials else {}
    return {name: churn.get_params()[name.removeprefix("churn.")] for name in names}


def _check_history(data: RunData) -> None:
    start, plan = data.start, data.plan
    if plan.train_as_of[0] <= start:
        raise DataError(f"the data starts {start} but the earliest training snapshot is at {plan.train_as_of[0]} "
                         f"(present {plan.present}); give more history, or fewer snapshots or a shorter "
                         f"horizon or spacing in the configuration")


def _report_sections(params: dict, evaluation: _Evaluation, promotions, notes: tuple[str, ...]) -> dict:
    promotion_rows = {p.model: p.summary() for p in promotions}
    sections = {"Notes": {f"note {number}": note for number, note in enumerate(notes, 1)}} if notes else {}
    return sections | {"Promotion": promotion_rows, "Metrics on the held-out snapshot": evaluation.metrics,
                       **evaluation.tables, "Parameters": params}
