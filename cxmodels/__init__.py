"""cxmodels: churn, customer lifetime value and CX KPIs from customer interaction logs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cxmodels")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
