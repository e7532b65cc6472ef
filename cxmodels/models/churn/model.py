"""The churn model: LightGBM on snapshot features, early-stopped and calibrated on a later period, explained."""

import warnings

import lightgbm as lgb
import numpy as np
import pandas as pd

from cxmodels.errors import ConfigError, CxmodelsWarning, DataError
from cxmodels.features import FeatureConfig
from cxmodels.models._fitted import check_fitted
from cxmodels.models.churn._calibration import CHOICES, calibrated, choose_calibration, fit_calibrator
from cxmodels.models.churn._inputs import ChurnEstimator
from cxmodels.models.churn.contributions import tree_contributions
from cxmodels.models.churn.reasons import feature_descriptions, top_reasons

PREDICT_BLOCK = 50_000  # rows per block of predict_proba
RANDOM_VALIDATION_SHARE = 0.2  # of the rows, when X has a single as_of and `validation` is a number of dates


class RandomValidationWarning(CxmodelsWarning):
    """X has a single as_of: the validation split is random, not a later period."""


class ChurnModel(ChurnEstimator):
    """Churn probability per customer from a snapshot frame, with the reasons behind it.

    `fit(X, y)`: X a snapshot frame (`cxmodels.features.build_snapshots`) without its label
    columns: `as_of`, `customer_id` (both optional, never features) and the features; y the
    `churned` label. The latest as_of dates of X are held out as the validation split (out of
    time, as the model is used): the booster stops adding trees when its log loss there stops
    improving, and the calibration of its scores into probabilities is fitted there. With a single
    as_of in X the split is random, with a RandomValidationWarning. Text and category columns
    (plan, region, nps_category) are categories fixed at fit; unseen values at predict are missing.

    validation: an int is the number of latest as_of dates held out; a float in (0, 1) the share
        of rows held out, taken as the latest dates that reach it (or at random with a single as_of).
    horizon_days: the labels' horizon. Given, the rows whose label window [as_of, as_of + horizon)
        reaches the first held-out as_of are left out of training: their outcomes overlap those of the
        held-out rows (the same customers, the same days), which would make early stopping trust
        too many trees. Needed when snapshots are closer together than the horizon.
    calibration: "isotonic", "sigmoid" (Platt), None (the booster's own probabilities), or "auto":
        the one with the lowest out-of-fold log loss on the validation split.
    feature_config: the FeatureConfig the features were built with; it gives the plain-words
        descriptions of the features in the reasons.
    The other parameters are LightGBM's (n_estimators is the most trees, before early stopping).

    Learned: `feature_names_in_`, `categories_`, `classes_`, `booster_` (lightgbm.Booster),
    `best_iteration_` (trees used), `validation_` (how the split was made), `calibration_` (the
    method used), `calibrator_`, `calibration_losses_` (out-of-fold log loss by method, "auto" only)
    and `descriptions_` (feature -> words).
    """

    def __init__(self, n_estimators: int = 2000, learning_rate: float = 0.03, num_leaves: int = 31,
                 min_child_samples: int = 50, subsample: float = 0.8, colsample_bytree: float = 0.8,
                 reg_lambda: float = 1.0, early_stopping_rounds: int = 100, validation: int | float = 1,
                 horizon_days: int | None = None, calibration: str | None = "auto",
                 feature_config: FeatureConfig | None = None,
                 random_state: int = 0, n_jobs: int | None = None):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.validation = validation
        self.horizon_days = horizon_days
        self.calibration = calibration
        self.feature_config = feature_config
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: pd.DataFrame, y) -> "ChurnModel":
        """Train with early stopping on the validation split, then calibrate there; returns self."""
        if self.calibration not in CHOICES:
            raise ConfigError(f"calibration must be one of {CHOICES}, got {self.calibration!r}")
        matrix, target = self._learn_inputs(X, y)
        training, held_out, self.validation_ = validation_split(X, self.validation, self.random_state,
                                                                self.horizon_days)
        for rows, name in ((training, "training"), (held_out, "validation")):
            if len(np.unique(target[rows])) < 2:
                raise DataError(f"the {name} split ({self.validation_}) holds a single class; "
                                 f"give more as_of dates or change `validation`")
        booster = self._train(matrix, target, training, held_out)
        return self._adopt(booster, booster.best_iteration or booster.current_iteration(), matrix[held_out],
                           target[held_out])

    def _adopt(self, booster: lgb.Booster, best_iteration: int, matrix: np.ndarray, target: np.ndarray):
        """Take `booster` (its first `best_iteration` trees) and calibrate it on the validation rows `matrix`,
        `target`; returns self. `fit` and the training on a cluster (`cxmodels.cluster.churn`) end here."""
        self.booster_, self.best_iteration_ = booster, best_iteration
        log_odds = self._log_odds(matrix)
        method, self.calibration_losses_ = self.calibration, None
        if method == "auto":
            self.calibration_losses_ = choose_calibration(log_odds, target, random_state=self.random_state)
            method = min(self.calibration_losses_, key=self.calibration_losses_.get)
            method = None if method == "none" else method
        self.calibration_ = method
        self.calibrator_ = fit_calibrator(method, log_odds, target)
        self.descriptions_ = feature_descriptions(self.feature_names_in_, self.feature_config)
        return self

    def explain(self, X: pd.DataFrame, top: int = 3) -> pd.DataFrame:
        """Per row of X: churn_probability, then reason_1..reason_<top> in words, each feature and its
        contribution (log-odds of the uncalibrated booster; > 0 raises the risk), indexed like X,
        with `customer_id` first when X has it."""
        matrix = self._inputs(X)
        contributions = self._contributions(matrix)
        frame = top_reasons(contributions[:, :-1], self._values(matrix, X.index), self.descriptions_, top)
        frame.insert(0, "churn_probability", calibrated(self.calibrator_, contributions.sum(axis=1)))
        if "customer_id" in X.columns:
            frame.insert(0, "customer_id", X["customer_id"].to_numpy())
        return frame

    def feature_importance(self, X: pd.DataFrame) -> pd.Series:
        """Mean absolute contribution (log-odds) of each feature over the rows of X, largest first."""
        contributions = self._contributions(self._inputs(X))[:, :-1]
        importance = pd.Series(np.abs(contributions).mean(axis=0), index=self.feature_names_in_,
                               name="mean_abs_contribution")
        return importance.sort_values(ascending=False, kind="stable").rename_axis("feature")

    def _churn_probability(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated, a block of PREDICT_BLOCK rows at a time: a block's input matrix stays small and warm
        in memory (a whole 1M-row matrix costs more to fill than to score)."""
        blocks = range(0, max(len(X), 1), PREDICT_BLOCK)
        log_odds = [self._log_odds(np.ascontiguousarray(self._inputs(X.iloc[start:start + PREDICT_BLOCK])))
                    for start in blocks]
        return calibrated(self.calibrator_, np.concatenate(log_odds))

    def _log_odds(self, matrix: np.ndarray) -> np.ndarray:
        return self.booster_.predict(matrix, raw_score=True, num_iteration=self.best_iteration_)

    def _contributions(self, matrix: np.ndarray) -> np.ndarray:
        """TreeSHAP contributions per feature and, last, the bias: each row sums to the log-odds (LightGBM's
        pred_contrib, computed once per distinct direction pattern of each tree)."""
        check_fitted(self, "booster_")
        return tree_contributions(self.booster_, matrix, self.best_iteration_)

    def _values(self, matrix: np.ndarray, index: pd.Index) -> pd.DataFrame:
        """The feature values as the model read them: numbers, and categories (unseen ones missing)."""
        values = pd.DataFrame(matrix, columns=self.feature_names_in_, index=index).astype(object)
        for name, categories in self.categories_.items():
            codes = np.nan_to_num(matrix[:, list(self.feature_names_in_).index(name)], nan=-1).astype(int)
            values[name] = pd.Categorical.from_codes(codes, categories).astype(object)
        return values

    def lightgbm_params(self) -> dict:
        """The LightGBM parameters of the booster (lightgbm.train's names)."""
        return {
            "objective": "binary", "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples, "bagging_fraction": self.subsample,
            "bagging_freq": int(self.subsample < 1), "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda, "seed": self.random_state, "num_threads": self.n_jobs or 0,
            "deterministic": True, "force_col_wise": True, "verbosity": -1,
        }

    def _train(self, matrix: np.ndarray, target: np.ndarray, training: np.ndarray,
               held_out: np.ndarray) -> lgb.Booster:
        params = self.lightgbm_params()
        names, categorical = list(self.feature_names_in_), self._category_positions()
        learn = lgb.Dataset(matrix[training], target[training], feature_name=names,
                            categorical_feature=categorical, free_raw_data=True)
        validation = lgb.Dataset(matrix[held_out], target[held_out], reference=learn)
        booster = lgb.train(params, learn, num_boost_round=self.n_estimators, valid_sets=[validation],
                            callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False)])
        booster.free_dataset()
        return booster


class AdditiveChurnModel(ChurnModel):
    """The small-data churn model: a ChurnModel of one-split trees (an additive model of the features, each
    feature's effect a step function), small leaves and Platt calibration.

    Where LightGBM's defaults need thousands of rows to make a single split (and a model of no trees
    gives everyone the same probability), an additive model of stumps still learns each feature's effect
    from a few hundred rows, and its two-parameter calibration does not overfit a small validation split.
    The parameters and the learned attributes are ChurnModel's; only the defaults differ.
    """

    def __init__(self, n_estimators: int = 500, learning_rate: float = 0.05, num_leaves: int = 2,
                 min_child_samples: int = 10, subsample: float = 1.0, colsample_bytree: float = 1.0,
                 reg_lambda: float = 1.0, early_stopping_rounds: int = 50, validation: int | float = 1,
                 horizon_days: int | None = None, calibration: str | None = "sigmoid",
                 feature_config: FeatureConfig | None = None,
                 random_state: int = 0, n_jobs: int | None = None):
        super().__init__(n_estimators, learning_rate, num_leaves, min_child_samples, subsample, colsample_bytree,
                         reg_lambda, early_stopping_rounds, validation, horizon_days, calibration, feature_config,
                         random_state, n_jobs)


def validation_split(X: pd.DataFrame, validation: int | float, random_state: int,
                     horizon_days: int | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """The rows to train on and the rows held out for early stopping and calibration (boolean masks), and how
    they were chosen. With `horizon_days`, rows whose label window reaches the held-out period are in neither."""
    by_share = isinstance(validation, float) and 0 < validation < 1
    by_dates = isinstance(validation, (int, np.integer)) and not isinstance(validation, bool) and validation >= 1
    if not (by_share or by_dates):
        raise ConfigError(f"validation must be a number of as_of dates (int >= 1) or a share of rows in (0, 1), "
                         f"got {validation!r}")
    dates = X["as_of"] if "as_of" in X.columns else pd.Series(pd.NaT, index=X.index)
    latest_first = dates.value_counts().sort_index(ascending=False)
    if len(latest_first) > 1:
        if by_share:
            count = min(int(np.searchsorted(latest_first.cumsum().to_numpy(), validation * len(X))) + 1,
                        len(latest_first) - 1)
        elif validation < len(latest_first):
            count = int(validation)
        else:
            raise DataError(f"validation={validation} as_of dates leaves none to train on: X has {len(latest_first)}")
        chosen = latest_first.index[:count]
        training, held_out = out_of_time_rows(dates, chosen, horizon_days)
        return training, held_out, out_of_time_note(chosen, len(X), int(training.sum()), int(held_out.sum()))
    share = validation if by_share else RANDOM_VALIDATION_SHARE
    warnings.warn(f"X has {'a single as_of' if len(latest_first) else 'no as_of column'}: early stopping and "
                  f"calibration use a random {share:.0%} of the rows, not a later period, so they do not see how "
                  f"the customers change over time", RandomValidationWarning, stacklevel=3)
    held_out = np.zeros(len(X), dtype=bool)
    held_out[np.random.default_rng(random_state).permutation(len(X))[:max(1, round(share * len(X)))]] = True
    return ~held_out, held_out, f"random: {share:.0%} of the rows, {held_out.sum()} rows"


def out_of_time_rows(dates: pd.Series, chosen, horizon_days: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(training, held out) masks of rows by their as_of `dates`: held out those at the `chosen` dates, trained on
    the others, but for (with `horizon_days`) those whose label window reaches the earliest chosen date."""
    held_out = dates.isin(chosen).to_numpy()
    training = ~held_out
    if horizon_days is not None:
        training &= (dates + pd.Timedelta(days=horizon_days) <= min(chosen)).to_numpy()
    return training, held_out


def out_of_time_note(chosen, rows: int, training: int, held_out: int) -> str:
    """How an out-of-time split of `rows` rows was made: the `chosen` dates, the rows held out, those left out."""
    count, purged = len(chosen), rows - held_out - training
    period = f"{min(chosen).date()}" + ("" if count == 1 else f" to {max(chosen).date()}")
    return (f"out of time: the latest {count} as_of date(s), {period}, {held_out} rows"
            + (f"; {purged} training rows left out, their labels overlap it" if purged else ""))
