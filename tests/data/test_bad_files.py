"""Bad files get errors that say what is wrong and how to fix it, in `validate`/`load_dataset` and in `import`."""

import pandas as pd
import pytest

from cxmodels.data import DataValidationError, load_dataset, validate_dataset
from cxmodels.data.coerce import PARSE_RULES
from cxmodels.data.importer import import_dataset
from cxmodels.data.mapping import parse_mapping
from cxmodels.data.report import ROW, STRUCTURAL
from cxmodels.data.validate import REPEATED_HEADER

GOOD = "customer_id,timestamp,amount\n1,2024-01-01,10\n2,2024-01-02,20\n"


def folder_with(tmp_path, data: bytes, name: str = "transactions.csv"):
    folder = tmp_path / "data"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    if name != "transactions.csv":
        (folder / "transactions.csv").write_text(GOOD)
    return folder


def validated(folder):
    """The report of `validate`, and the one of `import` with a mapping that names the file as it is."""
    report = validate_dataset(folder).report
    tables = {path.stem: path.name for path in folder.iterdir()}
    mapping = parse_mapping({table: {"source": file} for table, file in tables.items()})
    imported = import_dataset(folder, mapping, folder.parent / "imported").report
    return report, imported


def only(report, kind):
    problems = [p for p in report.problems if p.kind == kind]
    assert len(problems) == 1, report.to_text()
    return problems[0]


def test_latin1_csv_names_the_line_the_byte_and_the_encoding_to_use(tmp_path):
    data = "customer_id,timestamp,amount,note\n1,2024-01-01,10,ok\n2,2024-01-02,20,café\n".encode("latin-1")
    for report in validated(folder_with(tmp_path, data)):
        problem = only(report, STRUCTURAL)
        assert problem.table == "transactions" and "is not utf-8 text: line 3 has the byte 0xE9 ('é'" in problem.rule
        assert 'encoding = "cp1252"' in problem.rule and report.exit_code == 2


def test_latin1_csv_imports_with_its_encoding(tmp_path):
    folder = folder_with(tmp_path, "customer_id,timestamp,amount\nJosé,2024-01-01,10\n".encode("cp1252"))
    mapping = parse_mapping({"transactions": {"source": "transactions.csv", "encoding": "cp1252"}})
    result = import_dataset(folder, mapping, tmp_path / "out")
    assert result.report.exit_code == 0, result.report.to_text()
    assert load_dataset(tmp_path / "out").transactions["customer_id"].tolist() == ["José"]


def test_a_utf8_byte_order_mark_is_read_and_utf16_is_named(tmp_path):
    ok = validate_dataset(folder_with(tmp_path / "a", b"\xef\xbb\xbf" + GOOD.encode())).dataset
    assert ok.transactions.columns.tolist() == ["customer_id", "timestamp", "amount"]
    for report in validated(folder_with(tmp_path / "b", GOOD.encode("utf-16"))):
        assert "is UTF-16 text" in only(report, STRUCTURAL).rule and 'encoding = "utf-16"' in report.to_text()


def test_semicolon_separated_csv_says_so(tmp_path):
    for report in validated(folder_with(tmp_path, GOOD.replace(",", ";").encode())):
        rule = only(report, STRUCTURAL).rule
        assert "looks semicolon-separated" in rule and "delimiter = ';'" in rule


def test_a_header_repeated_mid_file_is_one_row_problem_with_its_own_reason(tmp_path):
    data = (GOOD + "customer_id,timestamp,amount\n3,2024-01-03,30\n").encode()
    for report in validated(folder_with(tmp_path, data)):
        problem = only(report, ROW)
        assert (problem.rule, problem.rows, problem.examples) == (REPEATED_HEADER, 1, [{"row": 3}])
        assert report.exit_code == 1
    dataset = validate_dataset(tmp_path / "data", quarantine_dir=tmp_path / "q").dataset
    assert dataset.transactions["customer_id"].tolist() == ["1", "2", "3"]
    assert pd.read_csv(tmp_path / "q" / "transactions.csv")["reason"].tolist() == [REPEATED_HEADER]


def test_a_column_under_another_name_is_named_with_the_mapping_that_fixes_it(tmp_path):
    data = GOOD.replace("customer_id", "CustomerID").encode()
    for report in validated(folder_with(tmp_path, data)):
        problem = only(report, STRUCTURAL)
        assert (problem.column, problem.rule) == ("customer_id", "required column is missing")
        assert "the file has 'CustomerID'" in problem.hint
        assert 'columns = { customer_id = "CustomerID" }' in problem.hint
    with pytest.raises(DataValidationError, match="CustomerID"):
        load_dataset(tmp_path / "data")


@pytest.mark.parametrize("amounts, fixes", [
    (['"$1,234.50"', "£7"], ["remove the currency symbol", 'currency = "$"', 'thousands = ","']),
    (['"1.234,50"'], ["remove the thousands separators"]),
    (['"12,5"'], ["write the decimal mark as a point", 'decimal = ","']),
])
def test_amounts_with_currency_or_separators_say_how_to_write_them(tmp_path, amounts, fixes):
    rows = "".join(f"{i},2024-01-01,{amount}\n" for i, amount in enumerate(amounts))
    for report in validated(folder_with(tmp_path, f"customer_id,timestamp,amount\n{rows}".encode())):
        problem = only(report, ROW)
        assert (problem.column, problem.rule, problem.rows) == ("amount", PARSE_RULES["float"], len(amounts))
        assert all(fix in problem.hint for fix in fixes), problem.hint


@pytest.mark.parametrize("name", ["transactions.csv", "events.csv", "contacts.parquet"])
def test_a_zero_byte_file_says_it_is_empty(tmp_path, name):
    for report in validated(folder_with(tmp_path, b"", name)):
        problem = only(report, STRUCTURAL)
        assert problem.table == name.split(".")[0] and "the file is empty (0 bytes)" in problem.rule


def test_dates_in_another_format_say_how_to_write_or_import_them(tmp_path):
    report = validate_dataset(folder_with(tmp_path, b"customer_id,timestamp,amount\n1,12/31/2024,5\n")).report
    problem = only(report, ROW)
    assert problem.rule == PARSE_RULES["datetime"] and "ISO 8601" in problem.hint and "timestamp_format" in problem.hint
