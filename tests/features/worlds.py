"""Small random datasets with every table, built in code, for the feature tests."""

import numpy as np
import pandas as pd

from cxmodels.data.dataset import Dataset

START = pd.Timestamp("2023-01-01", tz="UTC")
AS_OF = pd.Timestamp("2024-07-01", tz="UTC")
TABLES = ("transactions", "contacts", "surveys", "events", "cancellations")


def _times(rng, size: int, start=START, days: int = 730) -> pd.Series:
    """Random instants, a share of them on whole days and exactly at AS_OF, to test the edges."""
    seconds = rng.integers(0, days * 86_400, size)
    whole_days = rng.random(size) < 0.3  # several rows on one day, at midnight
    seconds[whole_days] = seconds[whole_days] // 86_400 * 86_400
    times = start + pd.to_timedelta(seconds, unit="s")
    times = times.where(rng.random(size) > 0.03, AS_OF)
    return pd.Series(times, dtype="datetime64[ns, UTC]")


def table(frame: dict) -> pd.DataFrame:
    """A frame with contract dtypes for the columns it has."""
    frame = pd.DataFrame(frame)
    for column in ("customer_id", "channel", "case_id", "topic", "survey", "comment", "event", "session_id", "reason",
                   "plan", "region"):
        if column in frame:
            frame[column] = frame[column].astype("str").where(frame[column].notna())
    for column in ("transferred", "resolved"):
        if column in frame:
            frame[column] = frame[column].astype("boolean")
    return frame


def tiny(**tables: list[tuple]) -> Dataset:
    """A hand-made dataset: each table as a list of row tuples in the column order below."""
    columns = {
        "transactions": ("customer_id", "timestamp", "amount"),
        "customers": ("customer_id", "signup_date", "plan", "age"),
        "contacts": ("customer_id", "timestamp", "channel", "case_id", "transferred", "resolved",
                     "handle_time_seconds", "wait_time_seconds"),
        "surveys": ("customer_id", "timestamp", "survey", "score"),
        "events": ("customer_id", "timestamp", "event", "session_id"),
        "cancellations": ("customer_id", "timestamp"),
    }
    frames = {}
    for name, rows in tables.items():
        frame = table(pd.DataFrame(rows, columns=list(columns[name])))
        for column in ("timestamp", "signup_date"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601").astype("datetime64[ns, UTC]")
        for column in ("amount", "score", "age", "handle_time_seconds", "wait_time_seconds"):
            if column in frame:
                frame[column] = frame[column].astype(float)
        frames[name] = frame
    frames.setdefault("transactions", table(pd.DataFrame(columns=list(columns["transactions"]))).astype(
        {"timestamp": "datetime64[ns, UTC]", "amount": float}))
    return Dataset(**frames)


def random_world(seed: int = 0, customers: int = 60, rows: int = 600) -> Dataset:
    """A dataset with all six tables; some customers have no rows in some tables."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:03d}" for i in range(customers)])

    def who(size: int) -> np.ndarray:  # customers with uneven activity; the last five never appear
        return ids[np.minimum(rng.geometric(3 / customers, size), customers - 5) - 1]

    signup = START - pd.to_timedelta(rng.integers(0, 400, customers), unit="D")
    signup = signup.where(rng.random(customers) > 0.2, pd.NaT).where(np.arange(customers) < customers - 3, AS_OF)
    customers_frame = table({
        "customer_id": ids,
        "signup_date": pd.Series(signup, dtype="datetime64[ns, UTC]"),
        "plan": rng.choice(["basic", "plus", "pro", None], customers),
        "region": rng.choice(["north", "south"], customers),
        "age": rng.integers(18, 80, customers).astype(float),
    })
    transactions = table({
        "customer_id": who(rows),
        "timestamp": _times(rng, rows),
        "amount": np.round(np.where(rng.random(rows) < 0.1, -rng.gamma(2, 10, rows), rng.gamma(2, 20, rows)), 2)
        * (rng.random(rows) > 0.03),
    })
    n = rows // 2
    contacts = table({
        "customer_id": who(n),
        "timestamp": _times(rng, n),
        "channel": rng.choice(["phone", "email", "chat"], n),
        "case_id": np.where(rng.random(n) < 0.8, rng.integers(0, n // 3, n).astype(str), None),
        "handle_time_seconds": np.where(rng.random(n) < 0.9, rng.gamma(2, 200, n), np.nan),
        "wait_time_seconds": rng.gamma(1, 60, n),
        "transferred": np.where(rng.random(n) < 0.9, rng.random(n) < 0.2, None),
        "resolved": np.where(rng.random(n) < 0.9, rng.random(n) < 0.6, None),
    })
    kinds = rng.choice(["nps", "csat", "ces"], n)
    top = np.select([kinds == "nps", kinds == "csat"], [11, 5], 7)
    surveys = table({
        "customer_id": who(n),
        "timestamp": _times(rng, n),
        "survey": kinds,
        "score": (rng.integers(0, 1000, n) % top + (kinds != "nps")).astype(float),
        "comment": rng.choice(["great service", "not happy", None], n),
    })
    m = rows * 3
    events = table({
        "customer_id": who(m),
        "timestamp": _times(rng, m),
        "event": rng.choice(["login", "page_view", "feature_use"], m),
        "session_id": np.where(rng.random(m) < 0.95, rng.integers(0, m // 4, m).astype(str), None),
    })
    quitters = rng.choice(ids, customers // 5, replace=False)
    cancellations = table({
        "customer_id": quitters,
        "timestamp": _times(rng, len(quitters)),
        "reason": rng.choice(["price", "service"], len(quitters)),
    })
    return Dataset(transactions=transactions, customers=customers_frame, contacts=contacts, surveys=surveys,
                   events=events, cancellations=cancellations)


def with_future_rows(dataset: Dataset, as_of: pd.Timestamp, seed: int = 99) -> Dataset:
    """The dataset with rows at or after `as_of` added to every table and existing ones altered.

    New rows are copies of random rows (same customers and cases, plus unseen customers)
    moved to as_of or later; rows already at or after as_of get other values.
    """
    rng = np.random.default_rng(seed)
    tables = {}
    for name in TABLES:
        frame = getattr(dataset, name)
        if frame is None:
            continue
        late = frame["timestamp"] >= as_of
        altered = frame.copy()
        for column in ("amount", "score", "handle_time_seconds", "wait_time_seconds"):
            if column in altered:
                altered.loc[late, column] = altered.loc[late, column] * 3 + 1
        for column in ("transferred", "resolved"):
            if column in altered:
                altered.loc[late, column] = ~altered.loc[late, column].fillna(False)
        extra = frame.sample(len(frame) // 2, replace=True, random_state=seed).reset_index(drop=True)
        extra["timestamp"] = as_of + pd.to_timedelta(rng.integers(0, 200 * 86_400, len(extra)), unit="s")
        extra.loc[::7, "timestamp"] = as_of
        extra.loc[::5, "customer_id"] = "late-comer"
        tables[name] = pd.concat([altered, extra], ignore_index=True).astype(frame.dtypes.to_dict())
    newcomers = dataset.customers.sample(3, random_state=seed).assign(customer_id=["late-comer", "new-1", "new-2"],
                                                                      signup_date=as_of)
    tables["customers"] = pd.concat([dataset.customers, newcomers], ignore_index=True)
    return Dataset(**tables)


def restricted(dataset: Dataset, customer_ids) -> Dataset:
    """The dataset with only the rows of these customers, in every table."""
    keep = set(customer_ids)
    return Dataset(**{name: frame[frame["customer_id"].isin(keep)].reset_index(drop=True)
                      for name, frame in dataset.tables.items()})


def with_categorical_ids(dataset: Dataset) -> Dataset:
    """The dataset with customer_id as one categorical shared by every table (as a loader may deliver it)."""
    ids = pd.Index(sorted(set().union(*(frame["customer_id"] for frame in dataset.tables.values()))))
    dtype = pd.CategoricalDtype(ids[::-1])  # not sorted: codes must not be mistaken for positions
    return Dataset(**{name: frame.assign(customer_id=frame["customer_id"].astype(dtype))
                      for name, frame in dataset.tables.items()})


def without(dataset: Dataset, table: str) -> Dataset:
    """The dataset without one optional table."""
    tables = dict(dataset.tables)
    tables.pop(table)
    return Dataset(**tables)
