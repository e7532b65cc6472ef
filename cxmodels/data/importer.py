"""`cxmodels import`: the files of an export, read by a mapping (`cxmodels.data.mapping`), as a contract dataset.

Each table's source is read as it is (CSV as text), its columns take their contract
names, values and scales are mapped, numbers and local times parsed; then the same
validation as `cxmodels validate` checks every row, with the same report, quarantine and
exit status. Order lines are grouped into orders only after that, so every rejected line
is quarantined with its own reason and original values, counted in the report.
"""

import glob
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmodels.data.codes import to_arrow
from cxmodels.data.coerce import PARSE_RULES, coerce_column
from cxmodels.data.contract import COLUMN_KINDS, SURVEY_SCALES, TABLES
from cxmodels.data.hints import likely_column
from cxmodels.data.io import write_tables
from cxmodels.data.load import UnreadableTable, read_csv, read_parquet
from cxmodels.data.local_time import AmbiguousTimestamps, describe_clock_changes, parse_local_times
from cxmodels.data.mapping import FORMATS, Mapping, TableMapping
from cxmodels.data.report import STRUCTURAL, WARNING, Problem, TableCount, ValidationReport
from cxmodels.data.validate import Parsed, TableInput, validate_inputs
from cxmodels.errors import DataError

REFUND_OF_ZERO = "marks a refund, but the amount is 0: a refund needs a negative amount"
NUMBER_KINDS = {column for column, kind in COLUMN_KINDS.items() if kind == "float"}


@dataclass
class ImportResult:
    """The validation report, the files written (none unless the report's exit code is 0), and what became of
    order lines: {table: "N lines grouped into M orders (K refunds)"}."""

    report: ValidationReport
    written: list[Path] = field(default_factory=list)
    grouped: dict[str, str] = field(default_factory=dict)


class _Unusable(DataError):
    """A table that cannot be prepared: its structural problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def import_dataset(source: Path | str, mapping: Mapping, out_dir: Path | str,
                   quarantine_dir: Path | str | None = None) -> ImportResult:
    """Read the export at `source` (a folder, or one file) by `mapping`, validate it, and when valid (or its bad
    rows quarantined) write the contract tables to `out_dir` as Parquet."""
    source, out_dir = Path(source), Path(out_dir)
    _check_out_dir(source, mapping, out_dir)
    inputs, warnings, files = {}, [], {}
    problems = [Problem(STRUCTURAL, name, None, f"required table is missing: add [{name}] to {mapping.origin}")
                for name, spec in TABLES.items() if spec.is_required and name not in mapping.tables]
    for name in (name for name in TABLES if name in mapping.tables):
        rules = mapping.tables[name]
        try:
            inputs[name], table_warnings = _prepare(name, source, rules, files)
            warnings += table_warnings
        except _Unusable as unusable:
            problems += unusable.problems
    result = validate_inputs(inputs, problems, quarantine_dir, str(source))
    report = result.report
    report.tables = {name: report.tables.get(name, TableCount(files.get(name, mapping.tables[name].source or
                                                                        source.name)))
                     for name in TABLES if name in mapping.tables}
    report.warnings = warnings + report.warnings
    if result.dataset is None:
        return ImportResult(report)
    tables, grouped = {}, {}
    for name, frame in result.dataset.tables.items():
        tables[name] = _contract_columns(name, frame, mapping.tables[name])
        if mapping.tables[name].order_key is not None:
            tables[name], grouped[name] = _orders(tables[name], frame, mapping.tables[name])
    return ImportResult(report, write_tables(tables, out_dir, "parquet"), grouped)


def _check_out_dir(source: Path, mapping: Mapping, out_dir: Path) -> None:
    """DataError when writing to `out_dir` would replace the export or mix in tables of another import."""
    if out_dir.resolve() == (source if source.is_dir() else source.parent).resolve():
        raise DataError(f"--out {out_dir} is the folder of the export: write the dataset to a folder of its own")
    stale = [path.name for name in TABLES if name not in mapping.tables
             for path in (out_dir / f"{name}.parquet", out_dir / f"{name}.csv") if path.exists()]
    if stale:
        raise DataError(f"{out_dir} already holds {', '.join(stale)}, which {mapping.origin} does not write: "
                        "remove it, or import into another folder")


def _prepare(name: str, source: Path, rules: TableMapping, files: dict) -> tuple[TableInput, list[Problem]]:
    """The table as validation takes it: contract names, mapped values, parsed numbers and times; and its warnings."""
    frame, files[name], is_text = _read(name, source, rules)
    written = {column: column for column in frame.columns}  # each column's name as the file writes it
    frame = _renamed(name, frame, rules, written)
    located = _locate(name, frame, rules, files[name])
    columns = {contract: frame[column] for contract, column in located.items()}
    header = {contract: written[column] for contract, column in located.items()}
    for contract, value in rules.constants.items():
        columns[contract], header[contract] = pd.Series(str(value), index=frame.index, dtype="str"), None
    for column in (c for c in frame.columns if c not in located.values()):  # kept for the checks and quarantine
        kept = f"original_{column}" if column in columns else column
        columns[kept], header[kept] = frame[column], written[column]
    for contract, pairs in rules.values.items():
        if contract in columns:
            columns[contract] = _mapped(columns[contract], pairs)
    raw = pd.DataFrame(columns)
    parsed, warnings = _parsed(name, raw, rules)
    return TableInput(files[name], frame=raw, is_text=is_text, parsed=parsed,
                      header=tuple(header[column] for column in raw.columns) if is_text else None), warnings


def _read(name: str, source: Path, rules: TableMapping) -> tuple[pd.DataFrame, str, bool]:
    """The rows of every file the table's source names (in name order), what the report calls them, and whether
    every column is text."""
    folder = source if source.is_dir() else source.parent
    pattern = rules.source or (None if source.is_dir() else source.name)
    if pattern is None:
        raise _Unusable([Problem(STRUCTURAL, name, None, f"[{name}] needs a source: a file or glob in {source}")])
    paths = sorted(Path(p) for p in glob.glob(str(folder / pattern))) if glob.has_magic(pattern) else [folder / pattern]
    if not paths or not paths[0].is_file():
        raise _Unusable([Problem(STRUCTURAL, name, None, f"no file {pattern!r} in {folder}")])
    label = pattern if len(paths) == 1 else f"{pattern} ({len(paths)} files)"
    kind = rules.format or FORMATS.get(paths[0].suffix.lower())
    if kind is None:
        raise _Unusable([Problem(STRUCTURAL, name, None, f"cannot tell the format of {paths[0].name}: set format = "
                                 '"csv", "parquet" or "excel"')])
    frames = []
    for path in paths:
        try:
            frames.append(_read_file(path, kind, rules))
        except UnreadableTable as error:
            where = f" ({path.name})" if len(paths) > 1 else ""
            raise _Unusable([Problem(STRUCTURAL, name, None, f"cannot be read{where}: {error}")]) from None
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return frame, label, kind != "parquet"


def _read_file(path: Path, kind: str, rules: TableMapping) -> pd.DataFrame:
    if kind == "csv":
        return read_csv(path, rules.encoding, rules.delimiter)
    if kind == "parquet":
        return read_parquet(path)
    try:
        frame = pd.read_excel(path, sheet_name=rules.sheet, dtype="str", keep_default_na=False)
    except ImportError:
        raise UnreadableTable("reading Excel files needs openpyxl: pip install openpyxl, or save the sheet as CSV "
                              "UTF-8") from None
    except (OSError, ValueError, KeyError) as error:
        raise UnreadableTable(str(error)) from None
    return frame.astype("str")


def _renamed(name: str, frame: pd.DataFrame, rules: TableMapping, header: dict) -> pd.DataFrame:
    """The frame with `rename` applied (the header keeps the names as written)."""
    renames = {old: new for old, new in rules.rename.items() if old in frame.columns}
    clash = [new for new in renames.values() if new in frame.columns]
    if clash:
        raise _Unusable([Problem(STRUCTURAL, name, clash[0], f"rename gives {clash[0]!r}, which the file has already")])
    for old, new in renames.items():
        header[new] = header.pop(old, old)
    return frame.rename(columns=renames)


def _locate(name: str, frame: pd.DataFrame, rules: TableMapping, file: str) -> dict[str, str]:
    """Contract column -> the source column it comes from: mapped, or of the same name; every name checked."""
    missing = [(key, column) for column, key in rules.source_columns().items() if column not in frame.columns]
    if missing:
        problems = []
        for key, column in missing:
            likely = likely_column(column, [c for c in frame.columns if c not in rules.source_columns()])
            hint = f"did you mean {likely!r}? " if likely else ""
            problems.append(Problem(STRUCTURAL, name, None, f"{key} names {column!r}, which {file} does not have",
                                    hint=f"{hint}its columns: {', '.join(map(str, frame.columns))}"))
        raise _Unusable(problems)
    located = dict(rules.columns)
    if rules.order_key is not None:
        located["order_id"] = rules.order_key
    for column in TABLES[name].columns:
        if column not in located and column not in rules.constants and column in frame.columns \
                and column not in located.values() and not (column == "amount" and rules.amount.product):
            located[column] = column
    return located


def _mapped(values: pd.Series, pairs: dict) -> pd.Series:
    """Source values replaced by their contract values; others kept as they are (as text)."""
    text = to_arrow(values.astype("str"))
    keys = pa.array(list(pairs), text.type)
    found = pc.index_in(text, value_set=keys)
    replaced = pc.take(pa.array([str(v).lower() if isinstance(v, bool) else str(v) for v in pairs.values()],
                                text.type), found)
    return pd.Series(pc.coalesce(replaced, text).to_pandas(), index=values.index)


def _parsed(name: str, raw: pd.DataFrame, rules: TableMapping) -> tuple[dict[str, Parsed], list[Problem]]:
    """The columns the mapping parses (amount, numbers in a local format, scaled scores, date-times), and the
    warnings of clock changes."""
    parsed, problems, warnings = {}, [], []
    local_numbers = rules.decimal != "." or rules.thousands is not None or rules.currency is not None
    for column in raw.columns:
        kind = COLUMN_KINDS.get(column) if column in TABLES[name].columns else None
        if kind == "datetime":
            try:
                times = parse_local_times(raw[column], rules.timezone, rules.timestamp_format)
            except AmbiguousTimestamps as error:
                problems.append(Problem(STRUCTURAL, name, column, str(error)))
                continue
            parsed[column] = Parsed(times.values, [(column, times.rule, times.unparsed)])
            if times.ambiguous or times.nonexistent:
                warnings.append(Problem(WARNING, name, column, describe_clock_changes(
                    times.ambiguous, times.nonexistent, rules.timezone), times.ambiguous + times.nonexistent,
                    hint="the rule: docs/bring-your-own-data.md#time-zones"))
        elif column in NUMBER_KINDS and (local_numbers or column == "score" and rules.scales):
            values, unparsed = _number(raw[column], rules)
            parsed[column] = Parsed(values, [(column, PARSE_RULES["float"], unparsed)])
    if problems:
        raise _Unusable(problems)
    if rules.amount.product:
        parsed["amount"] = _product(raw, rules)
    if rules.refunds.prefix is not None and ("amount" in parsed or "amount" in raw.columns):
        parsed["amount"] = _signed_refunds(raw, parsed.get("amount"), rules)
    if rules.scales and "score" in parsed and "survey" in raw.columns:
        parsed["score"].values = _rescaled(parsed["score"].values, raw["survey"], rules.scales)
    return parsed, warnings


def _number(values: pd.Series, rules: TableMapping) -> tuple[pd.Series, np.ndarray]:
    """Numbers written with the mapping's currency, thousands separator and decimal mark."""
    if not (isinstance(values.dtype, pd.StringDtype) or values.dtype == object):
        return coerce_column(values, "float")
    text = to_arrow(values.astype("str"))
    for mark in (rules.currency, rules.thousands):
        if mark is not None:
            text = pc.replace_substring(text, mark, "")
    if rules.decimal != ".":
        text = pc.replace_substring(text, rules.decimal, ".")
    return coerce_column(pd.Series(text.to_pandas()), "float")


def _product(raw: pd.DataFrame, rules: TableMapping) -> Parsed:
    """The amount as the product of the source columns; each factor that does not parse is its own failure."""
    amount, failures = np.ones(len(raw)), []
    for column in rules.amount.product:
        values, unparsed = _number(raw[column], rules)
        amount = amount * values.to_numpy(dtype="float64", na_value=np.nan)
        failures.append((column, PARSE_RULES["float"], unparsed))
    return Parsed(pd.Series(amount), failures)


def _signed_refunds(raw: pd.DataFrame, amount: Parsed | None, rules: TableMapping) -> Parsed:
    """Refund rows (those whose column starts with the prefix) made negative; a refund of 0 is a failure."""
    if amount is None:
        values, unparsed = coerce_column(raw["amount"], "float")
        amount = Parsed(values, [("amount", PARSE_RULES["float"], unparsed)])
    refund = _starts_with(raw, rules)
    values = amount.values.to_numpy(dtype="float64", na_value=np.nan)
    values = np.where(refund, -np.abs(values), values)
    return Parsed(pd.Series(values), [*amount.failures, (_refund_column(raw, rules), REFUND_OF_ZERO,
                                                         refund & (values == 0))])


def _refund_column(frame: pd.DataFrame, rules: TableMapping) -> str:
    """Where the refund rule's source column is in the validated frame: under its contract name if mapped."""
    if rules.refunds.column == rules.order_key:
        return "order_id"
    mapped = [key for key, column in rules.columns.items() if column == rules.refunds.column]
    return mapped[0] if mapped else rules.refunds.column


def _starts_with(frame: pd.DataFrame, rules: TableMapping) -> np.ndarray:
    text = to_arrow(frame[_refund_column(frame, rules)].astype("str"))
    return pc.fill_null(pc.starts_with(text, rules.refunds.prefix), False).to_numpy(zero_copy_only=False)


def _rescaled(score: pd.Series, survey: pd.Series, scales: dict) -> pd.Series:
    """Scores of each rescaled survey type mapped linearly from the source's ends onto the contract's scale."""
    kind = pc.utf8_lower(pc.utf8_trim_whitespace(to_arrow(survey.astype("str"))))
    kind = pd.Series(kind.to_pandas()).to_numpy()
    score = score.copy()
    for survey_type, (source_low, source_high) in scales.items():
        low, high = SURVEY_SCALES[survey_type]
        rows = kind == survey_type
        score[rows] = low + (score[rows] - source_low) * (high - low) / (source_high - source_low)
    return score


def _contract_columns(name: str, frame: pd.DataFrame, rules: TableMapping) -> pd.DataFrame:
    """The contract columns of the validated table (and the attributes a customers mapping names)."""
    keep = [*TABLES[name].columns, *(rules.columns if name == "customers" else ())]
    return frame[[column for column in dict.fromkeys(keep) if column in frame.columns]]


def _orders(table: pd.DataFrame, lines: pd.DataFrame, rules: TableMapping) -> tuple[pd.DataFrame, str]:
    """Order lines grouped into orders: one customer's lines with one order key (purchases and refunds apart, by
    the refund rule). An order's time is its first line's, its amount their sum, its product_id the product when
    every line has the same one. A line without an order key is an order of its own."""
    if rules.refunds.negative_amount:
        refund = (table["amount"] < 0).to_numpy()
    elif rules.refunds.prefix is not None:
        refund = _starts_with(lines, rules)
    else:
        refund = np.zeros(len(table), bool)
    customer = pd.factorize(table["customer_id"])[0].astype(np.int64)
    order, keys = pd.factorize(table["order_id"])
    key = (customer * (len(keys) + 1) + order) * 2 + refund
    alone = order < 0
    key[alone] = -1 - np.flatnonzero(alone)
    group = pd.factorize(key)[0]
    grouped = table.groupby(group, sort=False)
    orders = grouped[["customer_id", "order_id", *(c for c in ("channel",) if c in table)]].first()
    orders.insert(1, "timestamp", grouped["timestamp"].min())
    orders.insert(2, "amount", grouped["amount"].sum())
    if "product_id" in table:
        product = pd.Series(pd.factorize(table["product_id"])[0])
        ranges = product.groupby(group, sort=False).agg(["min", "max"])
        single = (ranges["min"] == ranges["max"]) & (ranges["min"] >= 0)
        orders["product_id"] = grouped["product_id"].first().where(single)
    orders = orders[[c for c in TABLES["transactions"].columns if c in orders]].reset_index(drop=True)
    refunds = int((orders["amount"] < 0).sum())
    return orders, (f"{len(table):,} lines grouped into {len(orders):,} orders "
                    f"({refunds:,} refund{'s' if refunds != 1 else ''})")
