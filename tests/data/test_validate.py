"""Validation against the data contract: every rule, quarantine, the report and the CLI."""

import json
import textwrap

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.data import DataValidationError, Dataset, load_dataset, validate_dataset, validate_tables
from cxmodels.data.coerce import PARSE_RULES
from cxmodels.data.contract import DTYPES, COLUMN_KINDS
from cxmodels.data.report import ROW, STRUCTURAL
from cxmodels.data.validate import NOT_EMPTY, REPEATED_CUSTOMER, REPEATED_ROW, UNKNOWN_CUSTOMER

TRANSACTIONS = """\
    customer_id,timestamp,amount
    007,2024-01-01T10:00:00Z,10.5
    8,2024-01-02 09:00:00,-3
"""
NOT_A_DATETIME, NOT_A_NUMBER, NOT_A_BOOLEAN = PARSE_RULES["datetime"], PARSE_RULES["float"], PARSE_RULES["bool"]


def dataset_folder(tmp_path, **tables: str):
    """A dataset folder with one CSV file per keyword: table name -> file text (dedented)."""
    folder = tmp_path / "data"
    folder.mkdir(parents=True, exist_ok=True)
    tables.setdefault("transactions", TRANSACTIONS)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def only_problem(report, kind=ROW):
    """The one problem of the report, of `kind`."""
    assert len(report.problems) == 1, report.to_text()
    assert report.problems[0].kind == kind
    return report.problems[0]


def assert_contract_dtypes(frame: pd.DataFrame):
    for column in frame.columns.intersection(list(COLUMN_KINDS)):
        assert frame[column].dtype == DTYPES[COLUMN_KINDS[column]], column
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0


# --- valid input, including tricky but valid values -------------------------------------------------------


def test_minimal_csv_dataset_is_valid_and_typed(tmp_path):
    result = validate_dataset(dataset_folder(tmp_path))
    assert result.report.exit_code == 0 and not result.report.problems
    tx = result.dataset.transactions
    assert tx["customer_id"].tolist() == ["007", "8"]
    assert tx["amount"].tolist() == [10.5, -3.0]
    assert_contract_dtypes(tx)
    assert all(getattr(result.dataset, name) is None
               for name in ("customers", "contacts", "surveys", "events", "cancellations"))
    count = result.report.tables["transactions"]
    assert (count.file, count.read, count.accepted, count.rejected) == ("transactions.csv", 2, 2, 0)


def test_timestamps_naive_are_utc_and_aware_are_converted_with_mixed_offsets(tmp_path):
    folder = dataset_folder(tmp_path, transactions="""\
        customer_id,timestamp,amount
        1,2024-03-01T12:00:00+02:00,1
        2,2024-03-01T12:00:00-05:30,1
        3,2024-03-01 12:00:00,1
        4,2024-03-01,1
        5,2024-03-01T12:00:00.250Z,1
    """)
    times = load_dataset(folder).transactions["timestamp"]
    expected = ["2024-03-01 10:00:00", "2024-03-01 17:30:00", "2024-03-01 12:00:00", "2024-03-01 00:00:00",
                "2024-03-01 12:00:00.250"]
    assert times.tolist() == [pd.Timestamp(t, tz="UTC") for t in expected]
    assert times.dtype == DTYPES["datetime"]


@pytest.mark.parametrize("column", [
    ["2024-01-01T00:00:00", "2024-06-01T12:30:00"],  # all naive
    ["2024-01-01T00:00:00+01:00", "2024-06-01T12:30:00Z"],  # all aware
])
def test_timestamp_columns_all_naive_or_all_aware(column):
    result = validate_tables({"transactions": pd.DataFrame({"customer_id": ["1", "2"], "timestamp": column,
                                                            "amount": [1.0, 2.0]})})
    assert result.report.exit_code == 0
    assert result.dataset.transactions["timestamp"].dtype == DTYPES["datetime"]


def test_channels_and_surveys_are_trimmed_and_lower_cased(tmp_path):
    folder = dataset_folder(
        tmp_path,
        contacts="""\
            customer_id,timestamp,channel
            007,2024-01-01T10:00:00Z,"Phone "
            8,2024-01-01T11:00:00Z, E-Mail
        """,
        surveys="""\
            customer_id,timestamp,survey,score
            007,2024-01-01T10:00:00Z,NPS ,9
            8,2024-01-01T10:00:00Z, CSAT,5
        """)
    dataset = load_dataset(folder)
    assert dataset.contacts["channel"].tolist() == ["phone", "e-mail"]
    assert dataset.surveys["survey"].tolist() == ["nps", "csat"]


def test_booleans_from_words_in_any_case(tmp_path):
    words = ["true", "FALSE", "1", "0", "Yes", "no", " Y ", "n", ""]
    rows = "\n".join(f"007,2024-01-01T10:00:00Z,chat,{w},true" for w in words)
    folder = dataset_folder(tmp_path, contacts=f"customer_id,timestamp,channel,transferred,resolved\n{rows}\n")
    contacts = load_dataset(folder).contacts
    assert contacts["transferred"].tolist() == [True, False, True, False, True, False, True, False, pd.NA]
    assert contacts["transferred"].dtype == "boolean"


def test_ids_with_leading_zeros_stay_text_in_parquet_and_integers_become_text(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    pq.write_table(pa.table({"customer_id": ["007", " 8 "], "timestamp": ["2024-01-01", "2024-01-02"],
                             "amount": [1.0, 2.0]}), folder / "transactions.parquet")
    pq.write_table(pa.table({"customer_id": pa.array([7, 8], pa.int64()),
                             "timestamp": pa.array([1_700_000_000, None], pa.timestamp("s")),
                             "event": ["login", "login"]}), folder / "events.parquet")
    pq.write_table(pa.table({"customer_id": pa.array([7, None], pa.int32()),
                             "timestamp": pa.array([1_700_000_000_000, 0], pa.timestamp("ms", "Europe/Paris"))}),
                   folder / "cancellations.parquet")
    result = validate_dataset(folder)
    assert result.report.tables["events"].rejected == 1  # the missing timestamp
    assert result.dataset is None
    dataset = validate_dataset(folder, quarantine_dir=tmp_path / "q").dataset
    assert dataset.transactions["customer_id"].tolist() == ["007", "8"]
    assert dataset.events["customer_id"].tolist() == ["7"]
    assert dataset.cancellations["timestamp"].tolist() == [pd.Timestamp(1_700_000_000, unit="s", tz="UTC")]
    for frame in dataset.tables.values():
        assert_contract_dtypes(frame)


def test_parquet_with_typed_columns(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    frame = pd.DataFrame({
        "customer_id": ["a", "b"],
        "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 11:00"]).tz_localize("Europe/Paris"),
        "channel": ["Chat", "PHONE"],
        "handle_time_seconds": [30, 40],
        "transferred": [True, False],
        "resolved": pd.array([True, None], dtype="boolean"),
    })
    frame.to_parquet(folder / "contacts.parquet")
    pd.DataFrame({"customer_id": ["a"], "timestamp": pd.to_datetime(["2024-01-01"]), "amount": [1]}).to_parquet(
        folder / "transactions.parquet")
    contacts = load_dataset(folder).contacts
    assert contacts["timestamp"].tolist() == [pd.Timestamp("2024-01-01 09:00", tz="UTC"),
                                              pd.Timestamp("2024-01-01 10:00", tz="UTC")]
    assert contacts["channel"].tolist() == ["chat", "phone"]
    assert contacts["resolved"].tolist() == [True, pd.NA]
    assert_contract_dtypes(contacts)


def test_extra_columns_are_kept_and_customer_attributes_typed(tmp_path):
    folder = dataset_folder(
        tmp_path,
        transactions="customer_id,timestamp,amount,store\n007,2024-01-01,1,Main St\n",
        customers="""\
            customer_id,signup_date,plan,age,zip,income
            007,2023-05-01,gold,41,01234,
            8,,silver,35,75001,52000.5
        """)
    dataset = load_dataset(folder)
    assert dataset.transactions["store"].tolist() == ["Main St"]
    customers = dataset.customers
    assert customers["plan"].tolist() == ["gold", "silver"]
    assert customers["age"].tolist() == [41, 35] and customers["age"].dtype == "int64"
    assert customers["zip"].tolist() == ["01234", "75001"]  # a leading zero marks a code: stays text
    assert customers["income"].isna().iloc[0] and customers["income"].iloc[1] == 52000.5
    assert customers["signup_date"].isna().iloc[1]  # optional: missing is fine


def test_csv_with_byte_order_mark_and_quoted_fields(tmp_path):
    folder = dataset_folder(tmp_path)
    (folder / "events.csv").write_bytes(
        '\ufeffcustomer_id,timestamp,event\n007,2024-01-01,"search: shoes, red"\n'.encode("utf-8"))
    assert load_dataset(folder).events["event"].tolist() == ["search: shoes, red"]


def test_files_that_are_not_tables_are_ignored(tmp_path):
    folder = dataset_folder(tmp_path)
    (folder / "truth").mkdir()
    (folder / "truth" / "transactions.csv").write_text("garbage")
    (folder / "notes.txt").write_text("hello")
    assert validate_dataset(folder).report.exit_code == 0


def test_empty_optional_table_is_fine(tmp_path):
    folder = dataset_folder(tmp_path, events="customer_id,timestamp,event\n")
    events = load_dataset(folder).events
    assert events.empty and list(events.columns) == ["customer_id", "timestamp", "event"]


# --- structural problems: exit 2, all of them reported --------------------------------------------------


def test_missing_required_file(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "events.csv").write_text("customer_id,timestamp,event\n1,2024-01-01,login\n")
    problem = only_problem(validate_dataset(folder).report, STRUCTURAL)
    assert (problem.table, problem.column) == ("transactions", None)
    assert "missing" in problem.rule


def test_folder_that_does_not_exist(tmp_path):
    report = validate_dataset(tmp_path / "nowhere").report
    assert report.exit_code == 2 and "not a folder" in only_problem(report, STRUCTURAL).rule


def test_missing_required_column(tmp_path):
    report = validate_dataset(dataset_folder(tmp_path, transactions="customer_id,amount\n1,2\n")).report
    problem = only_problem(report, STRUCTURAL)
    assert (report.exit_code, problem.table, problem.column) == (2, "transactions", "timestamp")
    assert problem.rule == "required column is missing"


def test_unparseable_files_report_the_parser_message(tmp_path):
    folder = dataset_folder(tmp_path, events="customer_id,timestamp,event\n1,2024-01-01,login,extra\n")
    (folder / "contacts.parquet").write_bytes(b"not parquet at all")
    report = validate_dataset(folder).report
    assert report.exit_code == 2
    rules = {p.table: p.rule for p in report.structural}
    assert set(rules) == {"events", "contacts"}
    assert rules["events"].startswith("cannot be read: ") and "Expected 3 columns" in rules["events"]
    assert rules["contacts"].startswith("cannot be read: ") and "Parquet" in rules["contacts"]


def test_repeated_column_name(tmp_path):
    report = validate_dataset(dataset_folder(tmp_path, transactions="customer_id,timestamp,amount,amount\n"
                                                                     "1,2024-01-01,1,2\n")).report
    problem = only_problem(report, STRUCTURAL)
    assert (problem.table, problem.column, problem.rule) == ("transactions", "amount",
                                                             "column name appears more than once")


def test_empty_required_table(tmp_path):
    report = validate_dataset(dataset_folder(tmp_path, transactions="customer_id,timestamp,amount\n")).report
    problem = only_problem(report, STRUCTURAL)
    assert (report.exit_code, problem.table) == (2, "transactions") and "no rows" in problem.rule


def test_both_formats_of_a_table_is_ambiguous(tmp_path):
    folder = dataset_folder(tmp_path, events="customer_id,timestamp,event\n007,2024-01-01,login\n")
    pd.read_csv(folder / "events.csv", dtype=str).to_parquet(folder / "events.parquet")
    problem = only_problem(validate_dataset(folder).report, STRUCTURAL)
    assert problem.table == "events" and "events.parquet and events.csv" in problem.rule


def test_structural_problems_of_all_tables_and_row_problems_are_reported_together(tmp_path):
    folder = dataset_folder(
        tmp_path,
        transactions="customer_id,timestamp,amount\n,2024-01-01,1\n",
        contacts="customer_id,channel\n1,chat\n",
        surveys="customer_id,timestamp,score\n1,2024-01-01,3\n")
    quarantine = tmp_path / "q"
    result = validate_dataset(folder, quarantine_dir=quarantine)
    assert result.report.exit_code == 2 and result.dataset is None
    assert {(p.table, p.column) for p in result.report.structural} == {("contacts", "timestamp"),
                                                                        ("surveys", "survey")}
    assert [(p.table, p.rule) for p in result.report.row_problems] == [("transactions", NOT_EMPTY)]
    assert not quarantine.exists()  # the run stops: nothing is set aside


# --- row problems: exit 1, one problem naming table, column, rule and row count ----------------------------

ROW_CASES = {
    "empty customer_id": ("transactions", "customer_id,timestamp,amount\n,2024-01-01,1\n  ,2024-01-01,1\n",
                          "customer_id", NOT_EMPTY, 2),
    "unparseable timestamp": ("transactions", "customer_id,timestamp,amount\n1,yesterday,1\n1,2024-02-30,2\n",
                              "timestamp", NOT_A_DATETIME, 2),
    "timestamp out of range": ("transactions", "customer_id,timestamp,amount\n1,2999-01-01,1\n",
                               "timestamp", NOT_A_DATETIME, 1),
    "missing timestamp": ("transactions", "customer_id,timestamp,amount\n1,,1\n", "timestamp", NOT_EMPTY, 1),
    "amount text, NaN or infinite": ("transactions", "customer_id,timestamp,amount\n1,2024-01-01,abc\n"
                                     "2,2024-01-01,NaN\n3,2024-01-01,inf\n4,2024-01-01,-1e400\n",
                                     "amount", NOT_A_NUMBER, 4),
    "missing amount": ("transactions", "customer_id,timestamp,amount\n1,2024-01-01,\n", "amount", NOT_EMPTY, 1),
    "negative handle time": ("contacts", "customer_id,timestamp,channel,handle_time_seconds\n"
                             "1,2024-01-01,chat,-5\n1,2024-01-02,chat,0\n", "handle_time_seconds", "must be >= 0", 1),
    "handle time not a number": ("contacts", "customer_id,timestamp,channel,handle_time_seconds\n"
                                 "1,2024-01-01,chat,5 min\n", "handle_time_seconds", NOT_A_NUMBER, 1),
    "negative wait time": ("contacts", "customer_id,timestamp,channel,wait_time_seconds\n1,2024-01-01,chat,-0.5\n",
                           "wait_time_seconds", "must be >= 0", 1),
    "unknown boolean": ("contacts", "customer_id,timestamp,channel,resolved\n1,2024-01-01,chat,maybe\n",
                        "resolved", NOT_A_BOOLEAN, 1),
    "empty channel in contacts": ("contacts", "customer_id,timestamp,channel\n1,2024-01-01, \n",
                                  "channel", NOT_EMPTY, 1),
    "unknown survey type": ("surveys", "customer_id,timestamp,survey,score\n1,2024-01-01,stars,4\n",
                            "survey", "must be one of nps, csat, ces", 1),
    "nps out of range": ("surveys", "customer_id,timestamp,survey,score\n1,2024-01-01,nps,11\n"
                         "1,2024-01-02,nps,-1\n1,2024-01-03,nps,10\n",
                         "score", "must be a whole number from 0 to 10 for nps", 2),
    "nps not whole": ("surveys", "customer_id,timestamp,survey,score\n1,2024-01-01,nps,7.5\n",
                      "score", "must be a whole number from 0 to 10 for nps", 1),
    "csat out of range": ("surveys", "customer_id,timestamp,survey,score\n1,2024-01-01,csat,0\n"
                          "1,2024-01-02,csat,4.5\n", "score", "must be from 1 to 5 for csat", 1),
    "ces out of range": ("surveys", "customer_id,timestamp,survey,score\n1,2024-01-01,ces,8\n",
                         "score", "must be from 1 to 7 for ces", 1),
    "score not a number": ("surveys", "customer_id,timestamp,survey,score\n1,2024-01-01,nps,ten\n",
                           "score", NOT_A_NUMBER, 1),
    "empty event": ("events", "customer_id,timestamp,event\n1,2024-01-01,\n", "event", NOT_EMPTY, 1),
    "exact duplicate row": ("events", "customer_id,timestamp,event\n1,2024-01-01,login\n1,2024-01-01,login\n"
                            "1,2024-01-01,logout\n1,2024-01-01,login\n", None, REPEATED_ROW, 2),
    "unparseable signup date": ("customers", "customer_id,signup_date\n007,2024-01-01\n8,\n9,someday\n",
                                "signup_date", NOT_A_DATETIME, 1),
}


@pytest.mark.parametrize("case", ROW_CASES)
def test_row_rule(tmp_path, case):
    table, text, column, rule, rows = ROW_CASES[case]
    tables = {table: text, "customers": "customer_id\n007\n8\n1\n2\n3\n4\n"} if table != "customers" else {
        table: text}
    report = validate_dataset(dataset_folder(tmp_path, **tables)).report
    problem = only_problem(report)
    assert (report.exit_code, problem.table, problem.column, problem.rule, problem.rows) == (
        1, table, column, rule, rows)


def test_duplicate_customer_ids_keep_the_first_valid_row(tmp_path):
    folder = dataset_folder(tmp_path, customers="""\
        customer_id,signup_date,plan
        007,bad date,gold
        007,2024-01-01,silver
        8,2024-01-01,gold
        007,2024-01-02,bronze
        8 ,2024-01-01,gold
    """)
    result = validate_dataset(folder, quarantine_dir=tmp_path / "q")
    problems = {(p.column, p.rule): p for p in result.report.row_problems}
    assert problems[("customer_id", REPEATED_CUSTOMER)].rows == 2
    assert [e["row"] for e in problems[("customer_id", REPEATED_CUSTOMER)].examples] == [4, 5]
    assert result.dataset.customers["plan"].tolist() == ["silver", "gold"]


def test_unknown_customers_are_checked_against_the_accepted_customers(tmp_path):
    folder = dataset_folder(
        tmp_path,
        customers="customer_id,signup_date\n007,2024-01-01\n8,not a date\n",
        transactions="customer_id,timestamp,amount\n007,2024-01-01,1\n8,2024-01-01,1\n9,2024-01-01,1\n,2024-01-01,1\n")
    report = validate_dataset(folder).report
    unknown = [p for p in report.problems if p.rule == UNKNOWN_CUSTOMER]
    assert len(unknown) == 1 and unknown[0].table == "transactions" and unknown[0].rows == 2  # the empty id: once
    assert unknown[0].examples == [{"row": 2, "value": "8"}, {"row": 3, "value": "9"}]


def test_without_customers_any_customer_id_is_fine(tmp_path):
    folder = dataset_folder(tmp_path, events="customer_id,timestamp,event\nnobody,2024-01-01,login\n")
    assert validate_dataset(folder).report.exit_code == 0


def test_examples_are_the_first_five_rows_with_their_original_values(tmp_path):
    rows = "".join(f"{i},2024-01-01,{v}\n" for i, v in enumerate(["1", " x1", "2", "x2", "x3", "x4", "x5", "x6"]))
    report = validate_dataset(dataset_folder(tmp_path, transactions="customer_id,timestamp,amount\n" + rows)).report
    problem = only_problem(report)
    assert problem.rows == 6
    assert problem.examples == [{"row": 2, "value": " x1"}, {"row": 4, "value": "x2"}, {"row": 5, "value": "x3"},
                                {"row": 6, "value": "x4"}, {"row": 7, "value": "x5"}]


def test_load_dataset_raises_with_the_report(tmp_path):
    folder = dataset_folder(tmp_path, transactions="customer_id,timestamp,amount\n1,2024-01-01,abc\n")
    with pytest.raises(DataValidationError) as raised:
        load_dataset(folder)
    assert raised.value.report.exit_code == 1
    assert "transactions.amount" in str(raised.value)
    assert isinstance(load_dataset(folder, quarantine_dir=tmp_path / "q"), Dataset)


# --- quarantine ------------------------------------------------------------------------------------------


def test_quarantine_accounts_for_every_row(tmp_path):
    folder = dataset_folder(
        tmp_path,
        customers="customer_id\n007\n8\n",
        transactions="""\
            customer_id,timestamp,amount,channel
            007,2024-01-01T10:00:00Z,10,Web
            ,not a date,abc,web
            8,2024-01-02T10:00:00Z,5,App
            8,2024-01-02T10:00:00Z,5,App
            99,2024-01-03T10:00:00Z,7,
        """,
        cancellations="customer_id,timestamp,reason\n007,2024-05-01,price\n007,2024-05-01,price\n")
    quarantine = tmp_path / "quarantine"
    result = validate_dataset(folder, quarantine_dir=quarantine)
    report = result.report
    assert report.exit_code == 0 and report.quarantine_dir == str(quarantine)
    for count in report.tables.values():
        assert count.read == count.accepted + count.quarantined
    tx = report.tables["transactions"]
    assert (tx.read, tx.accepted, tx.rejected, tx.quarantined) == (5, 2, 3, 3)  # row 2 breaks 3 rules, counted once

    accepted = result.dataset.transactions
    assert accepted["customer_id"].tolist() == ["007", "8"] and accepted["channel"].tolist() == ["web", "app"]
    assert_contract_dtypes(accepted)

    rows = pd.read_csv(quarantine / "transactions.csv", dtype=str, keep_default_na=False)
    assert list(rows.columns) == ["row", "customer_id", "timestamp", "amount", "channel", "reason"]
    assert rows["row"].tolist() == ["2", "4", "5"]
    assert rows.iloc[0][["customer_id", "timestamp", "amount", "channel"]].tolist() == ["", "not a date", "abc", "web"]
    assert rows["reason"].tolist() == [
        f"customer_id {NOT_EMPTY}; timestamp {NOT_A_DATETIME}; amount {NOT_A_NUMBER}",
        REPEATED_ROW,
        f"customer_id {UNKNOWN_CUSTOMER}",
    ]
    assert not (quarantine / "customers.csv").exists()
    cancellations = pd.read_csv(quarantine / "cancellations.csv", dtype=str)
    assert list(cancellations.columns) == ["row", "customer_id", "timestamp", "original_reason", "reason"]


def test_quarantine_keeps_original_values_of_typed_parquet(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame({"customer_id": ["007", "007"], "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
                  "amount": [1.5, np.inf]}).to_parquet(folder / "transactions.parquet")
    result = validate_dataset(folder, quarantine_dir=tmp_path / "q")
    assert only_problem(result.report).examples == [{"row": 2, "value": "inf"}]
    rows = pd.read_csv(tmp_path / "q" / "transactions.csv", dtype=str)
    assert rows[["row", "customer_id", "amount"]].values.tolist() == [["2", "007", "inf"]]


def test_quarantine_keeps_a_fixed_utc_offset(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    stamps = pd.to_datetime(["2024-01-01T10:00:00+05:00", "2024-01-02T10:00:00+05:00"])  # zone "UTC+05:00"
    pd.DataFrame({"customer_id": ["a", ""], "timestamp": stamps, "amount": [1.0, 2.0]}).to_parquet(
        folder / "transactions.parquet")
    result = validate_dataset(folder, quarantine_dir=tmp_path / "q")
    assert result.report.exit_code == 0 and "1 rejected row written" in result.report.to_text()
    rows = pd.read_csv(tmp_path / "q" / "transactions.csv", dtype=str)
    assert pd.Timestamp(rows.loc[0, "timestamp"]) == stamps[1]


def test_quarantine_replaces_stale_files(tmp_path):
    quarantine = tmp_path / "q"
    quarantine.mkdir()
    (quarantine / "transactions.csv").write_text("row,reason\n1,old\n")
    assert validate_dataset(dataset_folder(tmp_path), quarantine_dir=quarantine).report.exit_code == 0
    assert not (quarantine / "transactions.csv").exists()


# --- in-memory tables -----------------------------------------------------------------------------------


def test_validate_tables_applies_the_same_rules_to_frames():
    tables = {
        "transactions": pd.DataFrame({"customer_id": [7, 8, 9], "timestamp": ["2024-01-01", "2024-01-02", "x"],
                                      "amount": [1, "2.5", None]},
                                     index=[10, 20, 30]),
    }
    result = validate_tables(tables, source="payload")
    assert result.report.path == "payload" and result.report.exit_code == 1
    assert {(p.column, p.rule, p.rows) for p in result.report.problems} == {
        ("timestamp", NOT_A_DATETIME, 1), ("amount", NOT_EMPTY, 1)}
    assert result.report.problems[0].examples[0]["row"] == 3


def test_examples_of_typed_values_are_plain_json_values():
    contacts = pd.DataFrame({"customer_id": ["1"], "timestamp": pd.to_datetime(["2024-01-01"], utc=True),
                             "channel": ["chat"], "handle_time_seconds": [-5.0]})
    transactions = pd.DataFrame({"customer_id": ["1"], "timestamp": ["2024-01-01"], "amount": [1.0]})
    problem = only_problem(validate_tables({"transactions": transactions, "contacts": contacts}).report)
    assert problem.examples == [{"row": 1, "value": -5.0}] and type(problem.examples[0]["value"]) is float


def test_validate_tables_in_memory_frames_are_not_modified(tmp_path):
    frame = pd.DataFrame({"customer_id": [" 7 "], "timestamp": ["2024-01-01"], "amount": ["1"]})
    before = frame.copy()
    dataset = validate_tables({"transactions": frame}).dataset
    pd.testing.assert_frame_equal(frame, before)
    assert dataset.transactions["customer_id"].tolist() == ["7"]


def test_validate_tables_reports_unknown_and_missing_tables():
    report = validate_tables({"transaction": pd.DataFrame({"customer_id": ["1"]})}).report
    assert report.exit_code == 2
    assert {p.table for p in report.structural} == {"transaction", "transactions"}


# --- the report and the command line --------------------------------------------------------------------


def test_json_report_is_strict_json(tmp_path):
    folder = dataset_folder(tmp_path, transactions="customer_id,timestamp,amount\n1,2024-01-01,inf\n")
    report = validate_dataset(folder).report

    def no_constants(name):
        raise ValueError(f"not JSON: {name}")

    data = json.loads(report.to_json(), parse_constant=no_constants)
    assert data["exit_code"] == 1 and data["problems"][0]["examples"] == [{"row": 1, "value": "inf"}]


def test_cli_validate_exit_codes_and_reports(tmp_path):
    runner = CliRunner()
    good = dataset_folder(tmp_path / "good")
    result = runner.invoke(app, ["validate", str(good)])
    assert result.exit_code == 0 and "No problems found." in result.output

    bad = dataset_folder(tmp_path / "bad", transactions="customer_id,timestamp,amount\n1,2024-01-01,abc\n2,x,1\n")
    report_file = tmp_path / "out" / "report.json"
    result = runner.invoke(app, ["validate", str(bad), "--report", str(report_file)])
    assert result.exit_code == 1
    assert "transactions.amount: must be a finite number (1 row)\n      e.g. row 1: 'abc'" in result.output
    assert "FAILED (exit 1)" in result.output
    assert json.loads(report_file.read_text())["exit_code"] == 1

    quarantine = tmp_path / "q"
    result = runner.invoke(app, ["validate", str(bad), "--quarantine", str(quarantine)])
    assert result.exit_code == 0 and f"written to {quarantine}" in result.output
    assert len(pd.read_csv(quarantine / "transactions.csv")) == 2

    broken = dataset_folder(tmp_path / "broken", transactions="customer_id,amount\n1,2\n")
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 2 and "transactions.timestamp: required column is missing" in result.output
