"""Batch scoring, score store, segment export, HTTP service, MLflow pyfunc wrappers."""
