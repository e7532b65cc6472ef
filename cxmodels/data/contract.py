"""The data contract (docs/data-contract.md) as data: tables, columns, types and rules.

Everything that reads a dataset folder takes its table and column names from here.
"""

from dataclasses import dataclass

# Column kinds and the pandas dtype each is loaded as.
DTYPES = {
    "id": "str",                      # customer_id: always a string, "007" stays "007"
    "text": "str",                    # free text; missing stays missing
    "lower_text": "str",              # trimmed and lower-cased at load ("Phone " == "phone")
    "datetime": "datetime64[ns, UTC]",  # naive values are UTC, aware ones converted to UTC
    "float": "float64",
    "bool": "boolean",                # true/false, 1/0, yes/no; missing stays missing
}

COLUMN_KINDS = {
    "customer_id": "id",
    "timestamp": "datetime",
    "signup_date": "datetime",
    "amount": "float",
    "order_id": "text",
    "product_id": "text",
    "channel": "lower_text",
    "case_id": "text",
    "topic": "text",
    "handle_time_seconds": "float",
    "wait_time_seconds": "float",
    "transferred": "bool",
    "resolved": "bool",
    "survey": "lower_text",
    "score": "float",
    "comment": "text",
    "event": "text",
    "session_id": "text",
    "reason": "text",
}

# Survey types and their score ranges (inclusive). NPS scores must be whole numbers.
SURVEY_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
INTEGER_SURVEYS = frozenset({"nps"})

TRUE_WORDS = frozenset({"true", "1", "yes", "t", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "f", "n"})


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract: its required and optional columns."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    is_required: bool = False  # only transactions must be present

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# In load order: customers first, so the other tables can be checked against it.
TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec("customers", ("customer_id",), ("signup_date",)),
        TableSpec("transactions", ("customer_id", "timestamp", "amount"), ("order_id", "channel", "product_id"), True),
        TableSpec(
            "contacts",
            ("customer_id", "timestamp", "channel"),
            ("case_id", "topic", "handle_time_seconds", "wait_time_seconds", "transferred", "resolved"),
        ),
        TableSpec("surveys", ("customer_id", "timestamp", "survey", "score"), ("comment",)),
        TableSpec("events", ("customer_id", "timestamp", "event"), ("session_id",)),
        TableSpec("cancellations", ("customer_id", "timestamp"), ("reason",)),
    )
}

FILE_FORMATS = ("parquet", "csv")
