"""Point-in-time features as of a cut-off, the registry of their builders, and training snapshots."""

from cxmodels.features.config import FeatureConfig
from cxmodels.features.matrix import build_features, run_builder
from cxmodels.features.registry import REGISTRY, Builder, builder, describe, families
from cxmodels.features.snapshots import LABEL_COLUMNS, build_snapshots, data_as_of, labels, snapshot_population
from cxmodels.features.value import calibration_and_holdout, value_summary

__all__ = [
    "LABEL_COLUMNS", "REGISTRY", "Builder", "FeatureConfig", "build_features", "build_snapshots", "builder", "data_as_of",
    "calibration_and_holdout", "describe", "families", "labels", "run_builder", "snapshot_population", "value_summary",
]
