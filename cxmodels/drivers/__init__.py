"""What each CX problem costs: the churn and revenue a driver adds in the model's view, and what fixing it is worth.

A driver (declared.py) names the features a CX problem moves and their values for a customer
without it (the support drivers: their contacts without it, history.py); counterfactual.py re-scores
the affected customers with those values, all else kept;
attribution.py sums the differences into the driver table with bootstrap intervals; whatif.py removes
a driver's problem for a random share of its customers. docs/drivers.md explains the method and its limits.
"""

from cxmodels.drivers.attribution import DRIVER_COLUMNS, drivers_table
from cxmodels.drivers.counterfactual import DriverEffect, History, driver_effects
from cxmodels.drivers.declared import BUILT_IN, Driver, declared_drivers, user_drivers
from cxmodels.drivers.whatif import Change, parse_change, whatif_table

__all__ = ["BUILT_IN", "DRIVER_COLUMNS", "Change", "Driver", "DriverEffect", "History", "declared_drivers",
           "driver_effects",
           "drivers_table", "parse_change", "user_drivers", "whatif_table"]
