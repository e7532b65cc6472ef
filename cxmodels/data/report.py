"""Validation findings: every problem with table, column, rule, row count and examples."""

import json
from dataclasses import asdict, dataclass, field

from cxmodels.errors import DataError

STRUCTURAL = "structural"
ROW = "row"
WARNING = "warning"  # worth knowing, nothing wrong: never changes the exit status

EXIT_OK, EXIT_ROWS, EXIT_STRUCTURAL = 0, 1, 2


@dataclass
class Problem:
    """One broken rule: where, which rule, how many rows, and a few examples."""

    kind: str  # STRUCTURAL, ROW or WARNING
    table: str
    column: str | None
    rule: str
    rows: int = 0
    examples: list[dict] = field(default_factory=list)  # {"row": line number, "value": ...} or {"value", "rows"}
    hint: str | None = None  # how to fix it, when the values or the file suggest how

    def describe(self) -> str:
        """One line naming where, the rule and the row count; then the examples and the fix, if any."""
        where = f"{self.table}.{self.column}" if self.column else self.table
        count = f" ({_rows(self.rows)})" if self.kind != STRUCTURAL else ""
        text = f"[{self.kind}] {where}: {self.rule}{count}"
        if any("row" not in e for e in self.examples):
            text += "\n      e.g. " + ", ".join(f"{e['value']!r} ({_rows(e['rows'])})" for e in self.examples)
        elif any("value" in e for e in self.examples):
            text += "\n      e.g. " + ", ".join(f"row {e['row']}: {e.get('value')!r}" for e in self.examples)
        elif self.examples:
            text += "\n      e.g. rows " + ", ".join(str(e["row"]) for e in self.examples)
        if self.hint:
            text += f"\n      fix: {self.hint}"
        return text


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


@dataclass
class TableCount:
    """Row accounting of one table: read = accepted + rejected; rejected rows are quarantined on request."""

    file: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    quarantined: int = 0


@dataclass
class ValidationReport:
    """All problems of one dataset folder, and the row accounting of every table."""

    path: str
    tables: dict[str, TableCount] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    quarantine_dir: str | None = None
    warnings: list[Problem] = field(default_factory=list)

    @property
    def structural(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == STRUCTURAL]

    @property
    def row_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == ROW]

    @property
    def exit_code(self) -> int:
        """2 for structural problems, 1 for row problems not quarantined, else 0."""
        if self.structural:
            return EXIT_STRUCTURAL
        if self.row_problems and self.quarantine_dir is None:
            return EXIT_ROWS
        return EXIT_OK

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "exit_code": self.exit_code,
            "quarantine_dir": self.quarantine_dir,
            "tables": {name: asdict(count) for name, count in self.tables.items()},
            "problems": [asdict(p) for p in self.problems],
            "warnings": [asdict(w) for w in self.warnings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def to_text(self) -> str:
        set_aside = "quarantined" if self.quarantine_dir is not None else "rejected"
        lines = [f"Validation of {self.path}", ""]
        if self.tables:
            width = max(24, *(len(c.file) for c in self.tables.values()))
            lines.append(f"  {'table':<14} {'file':<{width}} {'read':>13} {'accepted':>13} {set_aside:>13}")
            for name, c in self.tables.items():
                shown = c.quarantined if self.quarantine_dir is not None else c.rejected
                lines.append(f"  {name:<14} {c.file:<{width}} {c.read:>13,} {c.accepted:>13,} {shown:>13,}")
            lines.append("")
        if self.problems:
            lines.append(f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}:")
            lines.extend("  " + p.describe() for p in self.problems)
        else:
            lines.append("No problems found.")
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''} (no effect on the "
                         "exit status):")
            lines.extend("  " + w.describe() for w in self.warnings)
        rejected = sum(c.rejected for c in self.tables.values())
        verdict = {
            EXIT_OK: "OK" + (f": {rejected:,} rejected row{'s' * (rejected != 1)} written to "
                             f"{self.quarantine_dir}" if rejected else ""),
            EXIT_ROWS: f"FAILED (exit 1): {rejected:,} row{'s' * (rejected != 1)} break{'s' * (rejected == 1)} "
                       "the contract; "
                       "use --quarantine DIR to set them aside and go on",
            EXIT_STRUCTURAL: "FAILED (exit 2): structural problems; fix them first",
        }[self.exit_code]
        lines += ["", verdict]
        return "\n".join(lines)


class DataValidationError(DataError):
    """Raised by `load_dataset` when a dataset breaks the contract; carries the full report, whose exit code it has."""

    def __init__(self, report: ValidationReport):
        super().__init__(report.to_text())
        self.report = report

    @property
    def exit_code(self) -> int:
        return self.report.exit_code
