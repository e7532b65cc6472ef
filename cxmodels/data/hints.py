"""How to fix a bad file: what a CSV's bytes, a header or failing values suggest went wrong.

Each function returns a sentence for the report, or None when nothing is recognised.
"""

import difflib
import re
from pathlib import Path

GUIDE = "docs/bring-your-own-data.md"
# Words that name a contract column in other exports, for suggesting the likely column.
SYNONYMS = {
    "customer_id": ("customer", "client", "user", "account", "member", "buyer", "requester", "cust"),
    "timestamp": ("time", "date", "created", "occurred", "datetime", "when"),
    "signup_date": ("signup", "registered", "joined", "created"),
    "amount": ("amount", "total", "revenue", "sales", "spend", "value"),
    "channel": ("channel", "via", "medium", "source"),
    "survey": ("survey", "type", "question"),
    "score": ("score", "rating", "answer", "response"),
    "event": ("event", "action", "activity", "page"),
}
_CURRENCY = re.compile(r"[$€£¥₹]|\b(USD|EUR|GBP|CHF|JPY)\b", re.IGNORECASE)
_THOUSANDS = re.compile(r"[+-]?\d{1,3}([,' ]\d{3})+(\.\d+)?|[+-]?\d{1,3}(\.\d{3})+(,\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_OTHER_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}[ -][A-Za-z]{3}[ -]\d{4}|\d{8}")
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def likely_column(wanted: str, columns) -> str | None:
    """The column of `columns` most likely to hold contract column `wanted` (same name but for case and
    punctuation, a synonym inside it, or a close spelling), or None."""
    target, words = _normal(wanted), SYNONYMS.get(wanted, ())
    best, best_score = None, 0.6
    for column in map(str, columns):
        name = _normal(column)
        if name == target:
            return column
        score = 0.9 if any(word in name for word in words) else difflib.SequenceMatcher(None, name, target).ratio()
        if score > best_score:
            best, best_score = column, score
    return best


def missing_column_hint(wanted: str, columns) -> str | None:
    """The fix for a required column the file lacks, naming the likely column when there is one."""
    column = likely_column(wanted, columns)
    if column is None:
        return None
    return (f"the file has {column!r}, likely this column: rename it to {wanted}, or import the file with "
            f'columns = {{ {wanted} = "{column}" }} in a mapping ({GUIDE})')


def number_hint(values) -> str | None:
    """The fix for numbers written with a currency symbol, thousands separators or a decimal comma."""
    text = [str(v).strip() for v in values if v is not None]
    fixes = []
    if any(_CURRENCY.search(v) for v in text):
        fixes.append(("remove the currency symbol", 'currency = "$"'))
    bare = [_CURRENCY.sub("", v).strip() for v in text]
    if any(_THOUSANDS.fullmatch(v) for v in bare):
        fixes.append(("remove the thousands separators", 'thousands = ","'))
    elif any(_DECIMAL_COMMA.fullmatch(v) for v in bare):
        fixes.append(("write the decimal mark as a point", 'decimal = ","'))
    if not fixes:
        return None
    return (f"{' and '.join(fix for fix, _ in fixes)} (1234.5, not $1,234.50), or import the file with "
            f"{' and '.join(key for _, key in fixes)} in its mapping table ({GUIDE})")


def datetime_hint(values) -> str | None:
    """The fix for dates written in another format than ISO 8601 (12/31/2024, 31.12.2024, 31 Dec 2024)."""
    if not any(_OTHER_DATE.search(str(v)) for v in values if v is not None):
        return None
    return ("write date-times as ISO 8601 (2024-12-31 14:05:00), or import the file with timestamp_format (and "
            f"timezone for local times) in its mapping ({GUIDE})")


def header_hint(header: list[str]) -> str | None:
    """The fix for a header that is one column holding another delimiter (a semicolon-separated file)."""
    if len(header) != 1:
        return None
    for mark, word in _DELIMITERS.items():
        if mark in header[0]:
            return (f"its header {header[0][:60]!r} is one column: the file looks {word}-separated; save it "
                    f"comma-separated, or import it with delimiter = {mark!r} in the mapping ({GUIDE})")
    return None


def encoding_problem(path: Path, encoding: str = "utf-8") -> str | None:
    """Why the file's bytes are not text in `encoding` (a UTF-16 file, or latin-1 bytes), or None."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return (f"is UTF-16 text (as Excel's 'Unicode text' saves it): save it as CSV UTF-8, or import it with "
                f'encoding = "utf-16" in the mapping ({GUIDE})')
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1]
        shown = byte.decode("cp1252", "replace")
        return (f"is not {encoding} text: line {line} has the byte 0x{byte.hex().upper()} ({shown!r} in "
                "latin-1/cp1252, the usual encoding of spreadsheets in western Europe); save it as CSV UTF-8, "
                f'or import it with encoding = "cp1252" in the mapping ({GUIDE})')
    except LookupError:
        return f"cannot be read: {encoding!r} is not an encoding Python knows (e.g. utf-8, cp1252, latin-1)"
    return None
