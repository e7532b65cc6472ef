"""Retraining pipeline: configuration, snapshots, MLflow tracking, registry and the pyfunc wrappers of the models."""
