"""The import mapping: how the files of an export become contract tables (docs/bring-your-own-data.md).

A TOML file with one table per contract table. Every rule is declarative: columns are
named, never computed from user expressions. An unknown key is a ConfigError naming it.
"""

from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from cxmodels.config import build, read_toml
from cxmodels.data.contract import SURVEY_SCALES, TABLES
from cxmodels.data.local_time import check_zone
from cxmodels.errors import ConfigError

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "excel",
           ".xlsm": "excel"}
PRESETS = {"online-retail": "online_retail.toml"}  # built-in mappings, in cxmodels/data/presets/


@dataclass(frozen=True)
class AmountRule:
    """The amount of a row as the product of source columns (quantity times unit price)."""

    product: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.product, (list, tuple)) or not all(isinstance(c, str) for c in self.product):
            raise ConfigError(f'amount.product must list source columns, such as ["Quantity", "Price"]; '
                              f"got {self.product!r}")
        object.__setattr__(self, "product", tuple(self.product))


@dataclass(frozen=True)
class RefundRule:
    """Which rows are refunds: those whose `column` starts with `prefix`, or those with a negative amount."""

    column: str | None = None
    prefix: str | None = None
    negative_amount: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.negative_amount, bool):
            raise ConfigError(f"refunds.negative_amount must be true or false, got {self.negative_amount!r}")


@dataclass(frozen=True)
class TableMapping:
    """How one contract table is read from an export; every key of its TOML table."""

    source: str | None = None  # a file or a glob, relative to the SOURCE folder; default: SOURCE when a file
    format: str | None = None  # csv, parquet or excel; default: from the file name
    sheet: str | int = 0  # the Excel sheet, by name or position
    encoding: str = "utf-8"
    delimiter: str = ","
    rename: dict = field(default_factory=dict)  # source columns renamed first: other versions of an export
    columns: dict = field(default_factory=dict)  # contract column -> source column
    constants: dict = field(default_factory=dict)  # contract column -> the value of every row
    values: dict = field(default_factory=dict)  # contract column -> {source value: contract value}
    timezone: str = "UTC"  # the zone of naive local times
    timestamp_format: str | None = None  # a strftime format; default ISO 8601 or an unambiguous inference
    decimal: str = "."  # the decimal mark of numbers
    thousands: str | None = None  # a thousands separator to remove from numbers
    currency: str | None = None  # a currency symbol or code to remove from numbers
    amount: AmountRule = field(default_factory=AmountRule)
    order_key: str | None = None  # lines with the same key (and customer) are one order; order_id is the key
    refunds: RefundRule = field(default_factory=RefundRule)
    scales: dict = field(default_factory=dict)  # survey -> [source score of the contract's lowest, of its highest]

    def source_columns(self) -> dict[str, str]:
        """Every source column a rule names, with the key that names it."""
        named = {column: f"columns.{key}" for key, column in self.columns.items()}
        named.update({column: "amount.product" for column in self.amount.product})
        if self.order_key is not None:
            named[self.order_key] = "order_key"
        if self.refunds.column is not None:
            named[self.refunds.column] = "refunds.column"
        return named


@dataclass(frozen=True)
class Mapping:
    """The tables of a mapping by contract name, and where it came from (for messages)."""

    tables: dict[str, TableMapping]
    origin: str = "the mapping"


def load_mapping(path: Path | str) -> Mapping:
    """The mapping in the TOML file at `path`; ConfigError naming any key or value it cannot have."""
    return parse_mapping(read_toml(path), str(path))


def preset_mapping(name: str) -> Mapping:
    """A built-in mapping by name (PRESETS)."""
    if name not in PRESETS:
        raise ConfigError(f"no preset {name!r}; the presets are: {', '.join(PRESETS)}")
    resource = files("cxmodels.data") / "presets" / PRESETS[name]
    return parse_mapping(read_toml(resource), f"the {name} preset")


def parse_mapping(tables: dict, origin: str = "the mapping") -> Mapping:
    """A Mapping from the tables of a parsed TOML file."""
    unknown = [name for name in tables if name not in TABLES]
    if unknown:
        raise ConfigError(f"unknown table [{unknown[0]}] in {origin}; the tables are: {', '.join(TABLES)}")
    if not tables:
        raise ConfigError(f"{origin} has no table: add at least [transactions]")
    mapping = {}
    for name, values in tables.items():
        table = build(TableMapping, values, f"{name}.")
        _check(name, table)
        mapping[name] = table
    return Mapping(mapping, origin)


def _check(name: str, table: TableMapping) -> None:
    """ConfigError naming the first key of [name] with a value it cannot have."""
    where = f"[{name}]"
    for key in ("source", "format", "encoding", "delimiter", "timezone", "timestamp_format", "decimal",
                "thousands", "currency", "order_key"):
        value = getattr(table, key)
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigError(f"{where} {key} must be text, got {value!r}")
    if table.format is not None and table.format not in set(FORMATS.values()):
        raise ConfigError(f"{where} format must be one of csv, parquet, excel; got {table.format!r}")
    if len(table.delimiter) != 1:
        raise ConfigError(f"{where} delimiter must be one character, got {table.delimiter!r}")
    check_zone(table.timezone, f"{where} timezone")
    contract = TABLES[name].columns
    for key in ("rename", "columns", "constants", "values", "scales"):
        if not isinstance(getattr(table, key), dict):
            raise ConfigError(f"{where} {key} must be a table ({{ ... }}), got {getattr(table, key)!r}")
    for old, new in table.rename.items():
        if not isinstance(new, str):
            raise ConfigError(f"{where} rename.{old} must be a column name, got {new!r}")
    for key, column in table.columns.items():
        if key not in contract and name != "customers":
            raise ConfigError(f"{where} columns: {key!r} is not a column of {name} (its columns: {', '.join(contract)})")
        if not isinstance(column, str):
            raise ConfigError(f"{where} columns.{key} must name one source column, got {column!r}")
    for key in table.constants:
        if key not in contract:
            raise ConfigError(f"{where} constants: {key!r} is not a column of {name} (its columns: {', '.join(contract)})")
        if key in table.columns:
            raise ConfigError(f"{where} {key} is in both columns and constants: keep one")
    for key, pairs in table.values.items():
        if key not in contract and key not in table.columns:
            raise ConfigError(f"{where} values.{key}: {key!r} is not a column of {name}")
        if not isinstance(pairs, dict) or any(isinstance(v, (dict, list)) for v in pairs.values()):
            raise ConfigError(f'{where} values.{key} must map source values to values: {{ "Voice" = "phone" }}')
    _check_order_rules(name, table, where)
    if table.scales and name != "surveys":
        raise ConfigError(f"{where} scales: only [surveys] has scores to rescale")
    for survey, ends in table.scales.items():
        if survey not in SURVEY_SCALES:
            raise ConfigError(f"{where} scales.{survey}: the surveys are {', '.join(SURVEY_SCALES)}")
        if (not isinstance(ends, list) or len(ends) != 2 or not all(isinstance(e, (int, float)) for e in ends)
                or ends[0] == ends[1]):
            raise ConfigError(f"{where} scales.{survey} must be [the source score of the lowest {survey}, of the "
                              f"highest], such as [1, 5]; got {ends!r}")
    if table.decimal == table.thousands:
        raise ConfigError(f"{where} decimal and thousands must differ, both are {table.decimal!r}")


def _check_order_rules(name: str, table: TableMapping, where: str) -> None:
    """The order-line rules: only in [transactions], and each with what it needs."""
    used = [key for key, unset in (("amount", not table.amount.product), ("order_key", table.order_key is None),
                                   ("refunds", table.refunds == RefundRule())) if not unset]
    if used and name != "transactions":
        raise ConfigError(f"{where} {used[0]}: only [transactions] has order lines")
    if table.amount.product:
        if "amount" in table.columns:
            raise ConfigError(f"{where} amount is in both columns and amount.product: keep one")
    if table.order_key is not None and "order_id" in table.columns:
        raise ConfigError(f"{where} order_key gives order_id: remove columns.order_id")
    refunds = table.refunds
    if refunds != RefundRule() and (refunds.negative_amount is not True) == (refunds.prefix is None):
        raise ConfigError(f'{where} refunds must be {{ column = "Invoice", prefix = "C" }} or '
                          f"{{ negative_amount = true }}, got {refunds}")
    if (refunds.prefix is None) != (refunds.column is None):
        raise ConfigError(f"{where} refunds needs both column and prefix")

