"""The optional hyperparameter search of the churn model: a small grid, each point judged on the
churn model's own validation split (the latest training snapshot), never on the held-out snapshot."""

import itertools
from dataclasses import asdict, replace

from cxmodels.models.churn import AdditiveChurnModel, ChurnModel


def grid(config) -> list:
    """The ChurnSettings of every grid point: the product of the values listed in [search] (the
    configuration's own churn settings when nothing is listed)."""
    axes = {name: values for name, values in asdict(config.search).items() if values}
    return [replace(config.churn, **dict(zip(axes, point))) for point in itertools.product(*axes.values())]


def fit_best(X, y, config, fit=None) -> tuple[ChurnModel, list[dict]]:
    """Fit the churn model at every grid point; the one with the lowest validation log loss, and one
    record per point (its varied settings, validation log loss and trees) for the nested runs.
    On small data (`small_data`) the small-data fallback, AdditiveChurnModel, without a search.
    fit: what fits a model instead of `model.fit(X, y)` (X and y unused; e.g. on a cluster's snapshots, which
    are never small data)."""
    if fit is None:
        if small_data(y, config.safeguards):
            model = AdditiveChurnModel(feature_config=config.features, horizon_days=config.snapshots.horizon_days,
                                       random_state=config.seed)
            return model.fit(X, y), []

        def fit(model):
            return model.fit(X, y)
    varied = [name for name, values in asdict(config.search).items() if values]
    fitted, trials = [], []
    for settings in grid(config):
        model = fit(ChurnModel(**settings.model_params(), feature_config=config.features,
                               horizon_days=config.snapshots.horizon_days, random_state=config.seed))
        loss = model.booster_.best_score["valid_0"]["binary_logloss"]
        fitted.append((loss, model))
        trials.append({"params": {f"churn.{name}": getattr(settings, name) for name in varied},
                       "metrics": {"validation_log_loss": loss, "churn_trees": model.best_iteration_}})
    best = min(range(len(fitted)), key=lambda i: fitted[i][0])
    return fitted[best][1], trials if varied else []


def small_data(y, safeguards) -> str | None:
    """Why these training labels are too few for LightGBM (`safeguards`: SafeguardSettings), or None."""
    return small_counts(len(y), int(y.sum()), safeguards)


def small_counts(rows: int, churned: int, safeguards) -> str | None:
    """`small_data` of `rows` training labels, `churned` of them churned."""
    rarer = min(churned, rows - churned)
    if rows < safeguards.min_training_rows:
        return f"{rows:,} training rows (fewer than {safeguards.min_training_rows:,})"
    if rarer < safeguards.min_class_rows:
        return f"{rarer:,} training rows of the rarer label (fewer than {safeguards.min_class_rows:,})"
    return None
