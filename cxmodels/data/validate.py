"""Validation against the data contract (docs/data-contract.md): every rule, quarantine, the report.

Each table is read, coerced to the contract types (`coerce`) and checked: the
per-column rules are a pandera schema, repeated rows and the check against
`customers` are plain pandas. A table folder of Parquet parts is checked part by part, keeping
between parts only compact hashes of the rows and customer ids seen (for repeated rows and ids):
the report is that of the parts' concatenation, rows numbered by their place in it.
Every problem ends up in one ValidationReport. Structural problems stop the run (exit 2).
Row problems stop it too (exit 1), unless a quarantine folder is given: then the offending
rows are written there, with their reasons, and the accepted rows go on.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
from pandas.api.types import is_float_dtype, is_object_dtype

from cxmodels.data.coerce import PARSE_RULES, coerce_attribute, coerce_column
from cxmodels.data.contract import COLUMN_KINDS, INTEGER_SURVEYS, SURVEY_SCALES, TABLES
from cxmodels.data.codes import to_arrow
from cxmodels.data.dataset import Dataset
from cxmodels.data.hints import datetime_hint, missing_column_hint, number_hint
from cxmodels.data.io import write_tables
from cxmodels.data.load import UnreadableTable, find_table_files, read_parts, table_parts
from cxmodels.data.report import (EXIT_OK, ROW, STRUCTURAL, WARNING, DataValidationError, Problem, TableCount,
                                  ValidationReport)
from cxmodels.data.vocabulary import unknown_events

NOT_EMPTY = "must not be empty"
REPEATED_ROW = "exact duplicate of an earlier row; the first copy is kept"
REPEATED_CUSTOMER = "must be unique; the first valid row is kept"
UNKNOWN_CUSTOMER = "must be a customer_id of the customers table"
REPEATED_HEADER = "repeats the header row (were files joined together?): delete these lines"
UNKNOWN_EVENTS_FIX = ("map them onto the standard names with values.event in an import mapping "
                      "(docs/bring-your-own-data.md), or add intent events to [features] intent_events")

_NON_NEGATIVE = pa.Check.ge(0, error="must be >= 0")
COLUMN_CHECKS = {
    "handle_time_seconds": [_NON_NEGATIVE],
    "wait_time_seconds": [_NON_NEGATIVE],
    "survey": [pa.Check.isin(list(SURVEY_SCALES), error=f"must be one of {', '.join(SURVEY_SCALES)}")],
}
QUARANTINE_COLUMNS = ("row", "reason")  # added to each quarantined row; a table's own column of that name is renamed
MAX_EXAMPLES = 5
MAX_EVENT_NAMES = 10
_MIX = np.uint64(0x100000001B3)  # FNV prime: mixes column values into one row key

Failure = tuple[str | None, str, np.ndarray]  # column (None: the whole row), rule, mask of the rows breaking it


@dataclass
class ValidationResult:
    """The accepted rows, typed (None unless the report's exit code is 0), and the full report."""

    dataset: Dataset | None
    report: ValidationReport


@dataclass
class Parsed:
    """A contract column its caller has typed already (the importer, from source columns), and the failures of
    the source values behind it: (column of the frame, rule, rows). Its missing values on those rows are not
    reported again as empty."""

    values: pd.Series
    failures: list[Failure] = field(default_factory=list)


@dataclass
class TableInput:
    """Where a table comes from: a file, or a frame in memory, and what its reader knows of it."""

    file: str  # as shown in the report
    path: Path | None = None
    frame: pd.DataFrame | None = None
    is_text: bool = False  # every column arrived as text (CSV): customers' attributes are typed from it
    header: tuple[str | None, ...] | None = None  # the header as written, per column (None: not from the file)
    parsed: dict[str, Parsed] = field(default_factory=dict)

    @property
    def parts(self) -> int:
        """How many parts the table is read in: one, unless `path` is a folder of Parquet parts."""
        return 1 if self.path is None else len(table_parts(self.path))

    def read(self) -> Iterator[tuple[Path | None, pd.DataFrame]]:
        """Each part of the table and its file (None in memory), one at a time."""
        return read_parts(self.path) if self.path is not None else iter([(None, self.frame.reset_index(drop=True))])


@dataclass
class _Outcome:
    """What checking one table gives: its row accounting, problems, accepted and rejected rows."""

    count: TableCount
    problems: list[Problem] = field(default_factory=list)
    accepted: pd.DataFrame | None = None
    quarantined: pd.DataFrame | None = None
    warnings: list[Problem] = field(default_factory=list)


def load_dataset(path: Path | str, quarantine_dir: Path | str | None = None) -> Dataset:
    """The validated dataset of the folder at `path`; raises DataValidationError (with the report) unless valid.
    A table folder's accepted parts are concatenated."""
    result = validate_dataset(path, quarantine_dir)
    if result.report.exit_code != EXIT_OK:
        raise DataValidationError(result.report)
    return result.dataset


def validate_dataset(path: Path | str, quarantine_dir: Path | str | None = None,
                     keep_rows: bool = True) -> ValidationResult:
    """Read every table file (or folder of parts) of the dataset folder at `path` and validate it (see
    `validate_tables`). Without `keep_rows` the result has no dataset, and only one part of a table (plus the
    accepted customers) is in memory at a time."""
    folder = Path(path)
    files, problems = find_table_files(folder)
    sources = {name: TableInput(_file_label(file), path=file, is_text=file.suffix == ".csv")
               for name, file in files.items()}
    return validate_inputs(sources, problems, quarantine_dir, str(folder), keep_rows)


def _file_label(path: Path) -> str:
    """A table's file as the report shows it: its name, or a folder's name and number of parts."""
    if not path.is_dir():
        return path.name
    parts = len(table_parts(path))
    return f"{path.name}/ ({parts} part{'s' * (parts != 1)})"


def validate_tables(tables: dict[str, pd.DataFrame], quarantine_dir: Path | str | None = None,
                    source: str = "<memory>") -> ValidationResult:
    """Validate tables given by contract name, with the same rules as a dataset folder.

    Rows are numbered from 1 in the order given; the frames are not modified.
    With `quarantine_dir`, rows that break a rule are written to
    `<quarantine_dir>/<table>.csv` (original values, `row` and `reason`) and left out.
    """
    problems = [Problem(STRUCTURAL, name, None, f"is not a table of the data contract ({', '.join(TABLES)})")
                for name in tables if name not in TABLES]
    problems += [Problem(STRUCTURAL, name, None, "required table is missing")
                 for name, spec in TABLES.items() if spec.is_required and name not in tables]
    sources = {name: TableInput("(in memory)", frame=frame) for name, frame in tables.items() if name in TABLES}
    return validate_inputs(sources, problems, quarantine_dir, source)


def validate_inputs(sources: dict[str, TableInput], problems: list[Problem], quarantine_dir: Path | str | None,
                    path: str, keep_rows: bool = True) -> ValidationResult:
    """Validate the tables of `sources` (contract names), starting from the structural `problems` already found.
    Without `keep_rows`, accepted rows are not kept (the result has no dataset), except customers' ids."""
    report = ValidationReport(path, problems=list(problems))
    accepted, quarantined = {}, {}
    customers = None  # accepted customer ids, once the customers table is checked
    for name in TABLES:  # customers first, so the others can be checked against it
        if name not in sources:
            continue
        outcome = _check_table(name, sources[name], customers, keep_rows or name == "customers")
        report.tables[name] = outcome.count
        report.problems += outcome.problems
        report.warnings += outcome.warnings
        if name == "customers" and outcome.accepted is not None:
            customers = outcome.accepted["customer_id"]
        if not report.structural and (quarantine_dir is not None or not report.row_problems):
            accepted[name], quarantined[name] = outcome.accepted, outcome.quarantined
        del outcome  # frames not kept are freed before the next table is read
    if report.structural:
        return ValidationResult(None, report)
    if quarantine_dir is not None:
        _write_quarantine(quarantined, Path(quarantine_dir))
        report.quarantine_dir = str(quarantine_dir)
        for name, rows in quarantined.items():
            report.tables[name].quarantined = 0 if rows is None else len(rows)
    if report.exit_code != EXIT_OK or not keep_rows:
        return ValidationResult(None, report)
    return ValidationResult(Dataset(**accepted), report)


def _check_table(name: str, source: TableInput, customers: pd.Series | None, keep: bool = True) -> _Outcome:
    """Read one table, part by part, and check every rule; `customers` are the accepted customer ids, if given.
    Without `keep`, the outcome has no accepted rows."""
    count, seen = TableCount(source.file), _Seen(source.parts)
    found, quarantined, accepted, events = {}, [], [], {}
    try:
        for index, (part, raw) in enumerate(source.read()):
            seen.last = index == seen.parts - 1
            structural = _structure_problems(name, raw, source.parsed, seen.last and not count.read + len(raw))
            if structural:
                where = f" (in part {part.relative_to(source.path)})" if part not in (None, source.path) else ""
                return _Outcome(count, [Problem(p.kind, p.table, p.column, p.rule + where, hint=p.hint)
                                        for p in structural])
            offset, count.read = count.read, count.read + len(raw)
            frame, failures = _part_failures(name, raw, source, customers, seen)
            found = _merge_problems(found, [_problem(name, raw, *failure, offset) for failure in failures])
            rejected = _any(failures, len(raw))
            if rejected.any():
                quarantined.append(_quarantine_rows(raw, rejected, failures, offset))
                raw = None  # the original values are no longer needed: free them before copying the accepted rows
                frame = _rows(frame, ~rejected)
            if name == "events":
                events = _add_counts(events, unknown_events(frame["event"]))
            if keep:
                accepted.append(frame)
            del raw, frame  # before the next part is read
    except UnreadableTable as error:
        return _Outcome(count, [Problem(STRUCTURAL, name, None, f"cannot be read: {error}")])
    count.rejected = sum(len(rows) for rows in quarantined)
    count.accepted = count.read - count.rejected
    return _Outcome(count, list(found.values()), _concat(accepted) if keep else None, _concat(quarantined),
                    _warnings(name, events))


@dataclass
class _Seen:
    """What checking the earlier parts of a table leaves for the next: hashes of their rows and valid customer ids."""

    parts: int
    last: bool = True
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    ids: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))

    def repeated(self, values: pd.DataFrame | pd.Series, attribute: str, add: np.ndarray | None = None) -> np.ndarray:
        """Rows whose hash is among those of earlier parts (none for a table of one part); unless this part is the
        last, its hashes (of the rows where `add`) join them."""
        if self.parts == 1:
            return np.zeros(len(values), bool)
        hashes = _row_hashes(values)
        earlier = getattr(self, attribute)
        order = np.argsort(hashes)  # looked up in sorted order: searchsorted then walks `earlier` once (7x faster)
        ordered = hashes[order]
        repeated = np.zeros(len(values), bool)
        if len(earlier):
            positions = np.minimum(np.searchsorted(earlier, ordered), len(earlier) - 1)
            repeated[order] = earlier[positions] == ordered
        if not self.last:  # two sorted runs: the stable sort (timsort) merges them in linear time
            added = ordered if add is None else np.sort(hashes[add])
            setattr(self, attribute, np.sort(np.concatenate([earlier, added]), kind="stable"))
        return repeated


def _row_hashes(values: pd.DataFrame | pd.Series, rows: int = 1 << 17) -> np.ndarray:
    """A uint64 hash of each row's values, `rows` at a time (hashing text makes Python strings of a whole column)."""
    return np.concatenate([pd.util.hash_pandas_object(values.iloc[i: i + rows], index=False).to_numpy(np.uint64)
                           for i in range(0, len(values), rows)] or [np.empty(0, np.uint64)])


def _part_failures(name: str, raw: pd.DataFrame, source: TableInput, customers: pd.Series | None,
                   seen: _Seen) -> tuple[pd.DataFrame, list[Failure]]:
    """One part typed, and the rules its rows break, in the order of its columns; `seen` holds the earlier parts."""
    frame, failures, excused = _coerce(name, raw, source)
    failures += _schema_failures(name, frame, excused)
    codes = _customer_codes(frame["customer_id"], customers)
    failures.append((None, REPEATED_ROW, _repeated_rows(raw, frame, codes) | seen.repeated(raw, "rows")))
    if name == "customers":
        ids = frame["customer_id"]
        valid = ~_any(failures, len(raw)) & ids.notna().to_numpy()
        earlier = seen.repeated(ids.where(valid, ""), "ids", valid) & valid
        failures.append(("customer_id", REPEATED_CUSTOMER, _repeated_ids(ids, ~valid) | earlier))
    elif customers is not None:
        failures.append(("customer_id", UNKNOWN_CUSTOMER, (codes < 0) & frame["customer_id"].notna().to_numpy()))
    headers = _header_rows(raw, source.header or (tuple(raw.columns) if source.is_text else None))
    if headers.any():  # a repeated header breaks every rule; say only that
        failures = [(column, rule, mask & ~headers) for column, rule, mask in failures]
        failures.append((None, REPEATED_HEADER, headers))
    position = {column: i for i, column in enumerate(raw.columns)}
    return frame, sorted((f for f in failures if f[2].any()), key=lambda f: position.get(f[0], len(position)))


def _merge_problems(found: dict[tuple, Problem], part: list[Problem]) -> dict[tuple, Problem]:
    """The problems of the parts so far, with one more part's: counts added, examples the first ones. A rule new
    in this part goes before the next of its part's rules already found, so the order is that of one table."""
    keys = list(found)
    for i, problem in enumerate(part):
        key = (problem.column, problem.rule)
        if key in found:
            known = found[key]
            known.rows += problem.rows
            known.examples += problem.examples[: MAX_EXAMPLES - len(known.examples)]
            known.hint = _hint(known.rule, known.examples)
            continue
        later = [keys.index(k) for k in ((p.column, p.rule) for p in part[i + 1:]) if k in found]
        keys.insert(later[0] if later else len(keys), key)
        found[key] = problem
    return {key: found[key] for key in keys}


def _add_counts(counts: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    """Row counts by name added up, most frequent first (as `unknown_events` gives them)."""
    total = dict(counts)
    for key, rows in more.items():
        total[key] = total.get(key, 0) + rows
    return dict(sorted(total.items(), key=lambda item: (-item[1], item[0])))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """The parts' rows one after the other (a single part as it is); None for no part."""
    if len(frames) < 2:
        return frames[0] if frames else None
    return pd.concat(frames, ignore_index=True)


def _warnings(name: str, unknown: dict[str, int]) -> list[Problem]:
    """Event names outside the vocabulary, with their row counts."""
    if name != "events" or not unknown:
        return []
    examples = [{"value": event, "rows": rows} for event, rows in list(unknown.items())[:MAX_EVENT_NAMES]]
    rule = (f"{len(unknown):,} event name{'s' if len(unknown) != 1 else ''} outside the event vocabulary "
            "(docs/data-contract.md#event-names): counted as digital activity only")
    return [Problem(WARNING, name, "event", rule, sum(unknown.values()), examples, UNKNOWN_EVENTS_FIX)]


def _header_rows(raw: pd.DataFrame, header: tuple[str, ...] | None) -> np.ndarray:
    """Rows whose every value is its column's name as the header writes it (trimmed)."""
    if header is None or not len(raw):
        return np.zeros(len(raw), bool)
    candidates = None
    for column, written in ((c, w) for c, w in zip(raw.columns, header) if w is not None):
        values = to_arrow(raw[column].astype("str"))
        if candidates is not None:
            values = values.take(candidates)
        same = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), written.strip()), False)
        found = np.flatnonzero(same.to_numpy(zero_copy_only=False))
        candidates = found if candidates is None else candidates[found]
        if not len(candidates):
            break
    mask = np.zeros(len(raw), bool)
    mask[candidates] = True
    return mask


def _structure_problems(name: str, raw: pd.DataFrame, parsed: dict, empty: bool) -> list[Problem]:
    """Missing required columns (naming the likely one), repeated column names, and an `empty` required table."""
    spec = TABLES[name]
    others = [column for column in raw.columns if column not in spec.columns]
    problems = [Problem(STRUCTURAL, name, column, "required column is missing",
                        hint=missing_column_hint(column, others))
                for column in spec.required if column not in raw.columns and column not in parsed]
    problems += [Problem(STRUCTURAL, name, str(column), "column name appears more than once")
                 for column in raw.columns[raw.columns.duplicated()].unique()]
    if spec.is_required and empty:
        problems.append(Problem(STRUCTURAL, name, None, "has no rows; at least one is required"))
    return problems


def _coerce(name: str, raw: pd.DataFrame, source: TableInput) -> tuple[pd.DataFrame, list[Failure], dict]:
    """The table with contract dtypes, the values that do not parse, and per column the rows whose missing
    value a parse failure explains.

    Extra columns are kept as they are, except the text columns of `customers`
    read from CSV: they are attributes, numeric when every value is a number.
    Columns the caller parsed (`source.parsed`) are taken as given.
    """
    spec = TABLES[name]
    columns, failures, excused = {}, [], {}
    for column in [*raw.columns, *(c for c in source.parsed if c not in raw.columns)]:
        if column in source.parsed:
            parsed = source.parsed[column]
            columns[column] = parsed.values.reset_index(drop=True)
            failures += parsed.failures
            excused[column] = _any(parsed.failures, len(raw))
        elif column in spec.columns:
            kind = COLUMN_KINDS[column]
            columns[column], unparsed = coerce_column(raw[column], kind)
            if unparsed is not None:
                failures.append((column, PARSE_RULES[kind], unparsed))
                excused[column] = unparsed
        elif name == "customers" and source.is_text:
            columns[column] = coerce_attribute(raw[column])
        else:
            columns[column] = raw[column]
    return pd.DataFrame(columns), failures, excused


def _schema(name: str, frame: pd.DataFrame) -> pa.DataFrameSchema:
    """The pandera schema of the contract columns present: required ones must not be empty. Optional
    columns without checks are left out (nothing to check; pandera's fixed cost per column is not small
    next to a request of a few rows)."""
    spec = TABLES[name]
    checks = dict(COLUMN_CHECKS)
    if name == "surveys":
        checks["score"] = _scale_checks(frame["survey"])
    return pa.DataFrameSchema({column: pa.Column(nullable=column not in spec.required, checks=checks.get(column))
                               for column in spec.columns
                               if column in frame and (column in spec.required or column in checks)})


def _scale_checks(survey: pd.Series) -> list[pa.Check]:
    """One check of `score` per survey type, against that type's scale."""
    checks = []
    for kind, (low, high) in SURVEY_SCALES.items():
        whole = kind in INTEGER_SURVEYS
        rule = f"must be {'a whole number ' if whole else ''}from {low} to {high} for {kind}"
        checks.append(pa.Check(partial(_in_scale, survey=survey, kind=kind, low=low, high=high, whole=whole),
                               error=rule))
    return checks


def _in_scale(score: pd.Series, survey: pd.Series, kind: str, low: float, high: float, whole: bool) -> pd.Series:
    inside = score.between(low, high) & (score % 1 == 0 if whole else True)
    return inside | (survey.reindex(score.index) != kind)


def _schema_failures(name: str, frame: pd.DataFrame, excused: dict[str, np.ndarray]) -> list[Failure]:
    """The failures of the pandera schema, one per (column, check).

    A value that did not parse is missing in `frame`; it is reported once, as not parsing (`excused`).
    """
    try:
        _schema(name, frame).validate(frame, lazy=True, inplace=True)
        return []
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    failures = []
    for (column, check), index in cases.groupby(["column", "check"], sort=False)["index"]:
        mask = np.zeros(len(frame), bool)
        mask[index.to_numpy(np.int64)] = True
        if check == "not_nullable":
            check = NOT_EMPTY
            if column in excused:
                mask &= ~excused[column]
        failures.append((column, check, mask))
    return failures


def _customer_codes(ids: pd.Series, customers: pd.Series | None) -> np.ndarray:
    """An integer per row, equal for equal ids: the position in `customers` (-1: not there), else a code."""
    if customers is None:
        return pd.factorize(ids)[0]
    known = pyarrow.chunked_array(customers).combine_chunks()
    return pc.index_in(pyarrow.chunked_array(ids), value_set=known).fill_null(-1).to_numpy()


def _repeated_rows(raw: pd.DataFrame, frame: pd.DataFrame, codes: np.ndarray) -> np.ndarray:
    """Rows whose original values all equal those of an earlier row.

    A cheap key (customer code, timestamps, numbers) finds the rows that may repeat
    (sorting keys is much faster than hashing them); only those are compared in full.
    """
    key = codes.astype(np.uint64)
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert(None)
        elif not is_float_dtype(values.dtype):
            continue
        key = (key ^ values.to_numpy().view(np.uint64)) * _MIX
    ordered = np.sort(key)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    repeated = np.zeros(len(raw), bool)
    if not len(twice):
        return repeated
    maybe = pd.Series(key).isin(twice).to_numpy()
    repeated[np.flatnonzero(maybe)[_rows(raw, maybe).duplicated().to_numpy()]] = True
    return repeated


def _repeated_ids(ids: pd.Series, rejected: np.ndarray) -> np.ndarray:
    """Customer ids seen in an earlier row that breaks no other rule."""
    ids = ids.where(~rejected)
    return (ids.duplicated() & ids.notna()).to_numpy()


def _any(failures: list[Failure], n: int) -> np.ndarray:
    """Rows (of `n`) that break at least one rule."""
    rejected = np.zeros(n, bool)
    for _, _, mask in failures:
        rejected |= mask
    return rejected


def _rows(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """The rows where `mask` is true, with a fresh RangeIndex.

    Column by column: a Series filters its Arrow chunks one by one, where indexing the
    whole frame first joins them (ten times slower on tens of millions of rows).
    """
    return pd.DataFrame({column: frame[column][mask].reset_index(drop=True) for column in frame.columns})


def _problem(table: str, raw: pd.DataFrame, column: str | None, rule: str, mask: np.ndarray,
             offset: int = 0) -> Problem:
    """The row problem of one failure, with the first rows (numbered from `offset` + 1) and their original values as
    examples."""
    positions = np.flatnonzero(mask)
    shown = positions[:MAX_EXAMPLES]
    examples = [{"row": offset + int(p) + 1} for p in shown]
    if column is not None:
        for example, p in zip(examples, shown):
            example["value"] = _plain(raw[column].iloc[p]) if column in raw.columns else None
    return Problem(ROW, table, column, rule, len(positions), examples, _hint(rule, examples))


def _hint(rule: str, examples: list[dict]) -> str | None:
    """How to fix the values of the examples, for the rules whose values can suggest it."""
    return _HINTS[rule]([e["value"] for e in examples]) if rule in _HINTS else None


_HINTS = {PARSE_RULES["float"]: number_hint, PARSE_RULES["datetime"]: datetime_hint}


def _plain(value):
    """A value as JSON holds it: None when missing, numbers and text as they are, anything else as text."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value if isinstance(value, (bool, int, float, str)) else str(value)


def _quarantine_rows(raw: pd.DataFrame, rejected: np.ndarray, failures: list[Failure],
                     offset: int = 0) -> pd.DataFrame:
    """The rejected rows with their original values, their `row` number (from `offset` + 1) and every rule they
    break (`reason`)."""
    positions = np.flatnonzero(rejected)
    rows = _rows(raw, rejected)
    rows = rows.rename(columns={c: f"original_{c}" for c in QUARANTINE_COLUMNS if c in rows.columns})
    reasons = pd.Series("", index=rows.index, dtype="str")
    for column, rule, mask in failures:
        reasons = reasons.where(~mask[positions], reasons + f"; {rule if column is None else f'{column} {rule}'}")
    rows.insert(0, "row", offset + positions + 1)
    rows["reason"] = reasons.str.removeprefix("; ")
    return rows.astype({column: "str" for column in rows.columns if is_object_dtype(rows[column].dtype)})


def _write_quarantine(rows: dict[str, pd.DataFrame | None], folder: Path) -> None:
    """Write `<table>.csv` for each table with rejected rows; remove the stale file of a table without."""
    write_tables({name: frame for name, frame in rows.items() if frame is not None}, folder, "csv")
    for name in (name for name, frame in rows.items() if frame is None):
        (folder / f"{name}.csv").unlink(missing_ok=True)
