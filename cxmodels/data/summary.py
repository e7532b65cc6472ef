"""A short description of what a dataset holds: rows, customers and time span per table."""

import pandas as pd

from cxmodels.data.dataset import Dataset


def summarize(dataset: Dataset) -> pd.DataFrame:
    """One row per table present: rows, distinct customers, first and last timestamp."""
    rows = []
    for name, frame in dataset.tables.items():
        times = frame["timestamp"] if "timestamp" in frame else frame.get("signup_date")
        rows.append(
            {
                "table": name,
                "rows": len(frame),
                "customers": frame["customer_id"].nunique(),
                "first": times.min() if times is not None else pd.NaT,
                "last": times.max() if times is not None else pd.NaT,
            }
        )
    return pd.DataFrame(rows).set_index("table")


def headline(dataset: Dataset) -> dict[str, float]:
    """A few numbers a person checks first: customers, revenue, purchases and contacts per customer."""
    tx = dataset.transactions
    customers = tx["customer_id"].nunique() if dataset.customers is None else len(dataset.customers)
    numbers = {
        "customers": customers,
        "purchases per customer": len(tx) / max(customers, 1),
        "revenue": float(tx["amount"].sum()),
        "refund rows": int((tx["amount"] < 0).sum()),
    }
    if dataset.contacts is not None:
        numbers["contacts per customer"] = len(dataset.contacts) / max(customers, 1)
    if dataset.surveys is not None:
        numbers["survey answers"] = len(dataset.surveys)
    if dataset.cancellations is not None:
        numbers["cancellations"] = len(dataset.cancellations)
    return numbers
