"""Loading and validating datasets in the data contract format (docs/data-contract.md)."""

from cxmodels.data.dataset import Dataset
from cxmodels.data.report import DataValidationError, ValidationReport
from cxmodels.data.validate import ValidationResult, load_dataset, validate_dataset, validate_tables

__all__ = ["Dataset", "DataValidationError", "ValidationReport", "ValidationResult", "load_dataset",
           "validate_dataset", "validate_tables"]
