"""The serving configuration: risk thresholds, value tiers, retention economics, the score store, the service
and user segments.

Read from a TOML file like `serving/default.toml`, which lists every key with its default;
an unknown key is an error naming it (the same reader as the training configuration).
User segments are checked against the score columns when the file is read.
"""

from dataclasses import dataclass, field
from pathlib import Path

from cxmodels.cluster.settings import ClusterSettings
from cxmodels.config import build, read_toml
from cxmodels.drivers import declared_drivers
from cxmodels.errors import ConfigError
from cxmodels.segments import check_catalog, segment_catalog
from serving.economics import Terms, check_terms
from serving.scoring import RISK_BANDS, SEGMENT_INPUTS


class _Bands:
    """Two cut points `medium` < `high`, both in (0, 1); `what` names them in errors."""

    what = "cut points"

    def __post_init__(self) -> None:
        if not 0 < self.medium < self.high < 1:
            raise ConfigError(f"{self.what} must satisfy 0 < medium < high < 1, got {self.medium}, {self.high}")


@dataclass(frozen=True)
class RiskSettings(_Bands):
    """churn_risk: "high" from `high`, "medium" from `medium`, else "low"."""

    what = "risk thresholds"
    medium: float = 0.3
    high: float = 0.6


@dataclass(frozen=True)
class ValueSettings(_Bands):
    """value_tier: customers above the `high` quantile of clv are "high", above `medium` "medium"."""

    what = "value quantiles"
    medium: float = 0.5
    high: float = 0.8


@dataclass(frozen=True)
class StoreSettings:
    url: str = "sqlite:///scores.db"
    keep_batches: int = 10

    def __post_init__(self) -> None:
        if self.keep_batches < 1:
            raise ConfigError(f"store.keep_batches must be at least 1 (the batch served), got {self.keep_batches}")


@dataclass(frozen=True)
class ServiceSettings:
    api_key: str = ""
    admin_key: str = ""
    keys_file: str = ""
    max_request_bytes: int = 1_000_000
    page_size: int = 100
    max_page_size: int = 1000
    score_workers: int = 1
    max_queued_scores: int = 4

    def __post_init__(self) -> None:
        for name in ("score_workers", "max_queued_scores"):
            if getattr(self, name) < 1:
                raise ConfigError(f"service.{name} must be at least 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class MonitorSettings:
    """The thresholds of `cxmodels monitor` (serving/default.toml explains each)."""

    psi_retrain: float = 0.25
    calendar_features: tuple[str, ...] = ("tenure_days", "T")
    auc_drop: float = 0.05
    missing_rise: float = 0.2
    weeks: int = 9
    arrival_low: float = 0.5
    arrival_high: float = 2.0
    report_dir: str = "monitoring"

    def __post_init__(self) -> None:
        object.__setattr__(self, "calendar_features", tuple(self.calendar_features))  # TOML gives a list
        if self.weeks < 5:
            raise ConfigError(f"monitor.weeks must be at least 5 (the latest week and 4 before it), got {self.weeks}")
        if not 0 < self.arrival_low < 1 < self.arrival_high:
            raise ConfigError(f"monitor needs 0 < arrival_low < 1 < arrival_high, got {self.arrival_low}, "
                              f"{self.arrival_high}")
        for name in ("psi_retrain", "auc_drop", "missing_rise"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"monitor.{name} must be positive, got {getattr(self, name)}")


@dataclass(frozen=True)
class RetentionSettings:
    """The terms of a retention offer (serving.economics): by default, and per segment in `segments`
    ({segment: {"offer_cost": ..., "save_rate": ...}}, either key optional)."""

    offer_cost: float = 10.0
    save_rate: float = 0.2
    segments: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_terms({"offer_cost": self.offer_cost, "save_rate": self.save_rate}, "retention")
        for name, terms in self.segments.items():
            where = f"retention.segments.{name}"
            if not isinstance(terms, dict):
                raise ConfigError(f"{where} must be a table, e.g. {name} = {{ offer_cost = 25.0, save_rate = 0.3 }}, "
                                  f"got {terms!r}")
            unknown = sorted(set(terms) - {"offer_cost", "save_rate"})
            if unknown:
                raise ConfigError(f"unknown configuration key '{where}.{unknown[0]}'; known keys: offer_cost, save_rate")
            check_terms(terms, where)

    def terms(self, segment: str | None = None) -> Terms:
        """The terms for the customers of `segment`: its own where it has them, else the defaults."""
        override = self.segments.get(segment, {})
        return Terms(override.get("offer_cost", self.offer_cost), override.get("save_rate", self.save_rate))


@dataclass(frozen=True)
class ServingConfig:
    """reasons: the lowest churn_risk band whose customers get reasons ("low": all, "none": nobody)."""

    risk: RiskSettings = field(default_factory=RiskSettings)
    value: ValueSettings = field(default_factory=ValueSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    monitor: MonitorSettings = field(default_factory=MonitorSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    segments: dict = field(default_factory=dict)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    drivers: dict = field(default_factory=dict)
    reasons: str = "low"

    def __post_init__(self) -> None:
        if self.reasons not in RISK_BANDS:
            raise ConfigError(f"reasons must be one of {RISK_BANDS}, got {self.reasons!r}")
        declared_drivers(self.drivers)  # a bad [drivers.NAME] table is an error when the file is read

    def catalog(self) -> dict:
        """The built-in segments and the user's, by name."""
        return segment_catalog(self.segments)


def load_serving_config(path: Path | str | None = None) -> ServingConfig:
    """The configuration in the TOML file at `path` (defaults when None); user segments are checked."""
    values = read_toml(path)
    config = build(ServingConfig, values, "")
    catalog = config.catalog()
    check_catalog(catalog, SEGMENT_INPUTS)
    unknown = sorted(set(config.retention.segments) - set(catalog))
    if unknown:
        raise ConfigError(f"retention.segments.{unknown[0]}: there is no segment {unknown[0]!r}; the segments are: "
                          f"{', '.join(catalog)}")
    return config
