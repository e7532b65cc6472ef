"""Customer attributes named in the configuration (plan, region, ...), as features."""

import pandas as pd

from cxmodels.errors import ConfigError
from cxmodels.features.columns import Column
from cxmodels.features.per_customer import at
from cxmodels.features.history import floats


def attribute_columns(config) -> tuple[Column, ...]:
    return tuple(Column(name, None, f"the customer's {name.replace('_', ' ')}") for name in config.attributes)


def attributes(history, config) -> dict:
    """Numbers and booleans as float64; text as a category over every value of the column, sorted."""
    customers = history.dataset.customers
    row = history.customer_rows()
    out = {}
    for name in config.attributes:
        if name not in customers.columns or name == "customer_id":
            raise ConfigError(f"attribute {name!r} is not a column of the customers table")
        column = customers[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            raise ConfigError(f"attribute {name!r} is a date; dates are not attributes (signup_date gives tenure_days)")
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            out[name] = at(floats(column), row)
        else:
            categorical = pd.Categorical(column)
            out[name] = pd.Categorical.from_codes(at(categorical.codes, row, -1), dtype=categorical.dtype)
    return out
