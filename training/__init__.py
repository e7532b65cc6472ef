"""Retraining pipeline: configuration, pipeline, MLflow logging and registry."""
