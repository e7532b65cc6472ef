"""Batch scoring, score store, segment export, HTTP service; the champions come from the registry through `training`."""
