"""`cxmodels import`: a mapping round trip, the mapping's rules and errors, and local times around clock changes."""

import textwrap

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.data import load_dataset, validate_tables
from cxmodels.data.importer import REFUND_OF_ZERO, import_dataset
from cxmodels.data.local_time import AmbiguousTimestamps, parse_local_times
from cxmodels.data.mapping import load_mapping, parse_mapping
from cxmodels.data.report import ROW, STRUCTURAL, WARNING
from cxmodels.errors import ConfigError, DataError
from cxmodels.features import build_features
from cxmodels.simulate import simulate

EVENT_NAMES = {"login": "Sign In", "page_view": "Page View", "search": "Search", "feature_use": "Feature Used",
               "help_center": "Help Article Viewed", "billing_page": "Invoice Page", "cancel_page": "Cancel Flow"}
CHANNELS = {"phone": "Voice", "chat": "Live Chat", "email": "E-mail", "social": "Social"}
SURVEYS = {"nps": "NPS Survey", "csat": "CSAT", "ces": "Effort"}
# Where each table's naive local times are written; ambiguous local times cannot come back, so none are written.
ZONES = {"customers": "Europe/London", "transactions": "Asia/Tokyo", "contacts": "America/New_York",
         "events": "Europe/Berlin"}

ROUND_TRIP_MAPPING = """\
[customers]
source = "crm/accounts.csv"
timezone = "Europe/London"
timestamp_format = "%d/%m/%Y %H:%M:%S"
columns = { customer_id = "Account", signup_date = "Signed Up", plan = "Plan Type", region = "Region" }
values.plan = { "Plan B" = "basic", "Plan P" = "premium", "Plan S" = "standard" }

[transactions]
source = "orders/part-*.parquet"
timezone = "Asia/Tokyo"
columns = { customer_id = "user", timestamp = "ts", amount = "total", order_id = "Order No", channel = "Source", product_id = "SKU" }
values.channel = { "Web Shop" = "web", "App" = "app", "Store" = "store" }
decimal = ","
thousands = "."
currency = "€"

[contacts]
source = "tickets.csv"
timezone = "America/New_York"
timestamp_format = "%m/%d/%Y %H:%M:%S"
columns = { customer_id = "requester", timestamp = "created", channel = "via", case_id = "ticket", resolved = "solved", transferred = "Transferred?", topic = "Topic", handle_time_seconds = "Handle (s)", wait_time_seconds = "Wait (s)" }
values.channel = { "Voice" = "phone", "Live Chat" = "chat", "E-mail" = "email", "Social" = "social" }
values.resolved = { "Solved" = true, "Open" = false }

[surveys]
source = "feedback.csv"
columns = { customer_id = "Respondent", timestamp = "Answered", survey = "Type", score = "Score", comment = "Comment" }
values.survey = { "NPS Survey" = "nps", "CSAT" = "csat", "Effort" = "ces" }
scales = { csat = [0, 100] }

[events]
source = "clicks.csv"
timezone = "Europe/Berlin"
columns = { customer_id = "visitor", timestamp = "time", event = "action", session_id = "visit" }
values.event = { "Sign In" = "login", "Page View" = "page_view", "Search" = "search", "Feature Used" = "feature_use", "Help Article Viewed" = "help_center", "Invoice Page" = "billing_page", "Cancel Flow" = "cancel_page" }

[cancellations]
source = "churned.csv"
timestamp_format = "%d %b %Y %H:%M:%S"
columns = { customer_id = "Who", timestamp = "When", reason = "Why" }
"""


def _local(times: pd.Series, zone: str) -> pd.Series:
    return times.dt.tz_convert(zone).dt.tz_localize(None)


def _unambiguous(frame: pd.DataFrame, column: str, zone: str) -> pd.DataFrame:
    wall = _local(frame[column], zone)
    return frame[wall.dt.tz_localize(zone, ambiguous="NaT").notna() | wall.isna()].reset_index(drop=True)


@pytest.fixture(scope="module")
def original():
    """A contract dataset (a simulated contractual world, amounts in thousands), typed by validation."""
    tables = dict(simulate(150, seed=5, contractual=True).tables)
    tables["transactions"] = tables["transactions"].assign(amount=(tables["transactions"]["amount"] * 1000).round(2))
    for name, zone in ZONES.items():
        column = "signup_date" if name == "customers" else "timestamp"
        tables[name] = _unambiguous(tables[name], column, zone)
    result = validate_tables(tables)
    assert result.report.exit_code == 0, result.report.to_text()
    return result.dataset


def write_export(dataset, folder):
    """The dataset as another system would export it: other names, local times, formats and vocabularies."""
    (folder / "crm").mkdir(parents=True)
    (folder / "orders").mkdir()
    customers = dataset.customers
    pd.DataFrame({"Account": customers["customer_id"],
                  "Signed Up": _local(customers["signup_date"], ZONES["customers"]).dt.strftime("%d/%m/%Y %H:%M:%S"),
                  "Plan Type": "Plan " + customers["plan"].str[0].str.upper(), "Region": customers["region"]}
                 ).to_csv(folder / "crm" / "accounts.csv", index=False)
    tx = dataset.transactions
    euros = ["€" + f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") for amount in tx["amount"]]
    shop = {"web": "Web Shop", "app": "App", "store": "Store"}
    orders = pd.DataFrame({"user": tx["customer_id"], "ts": _local(tx["timestamp"], ZONES["transactions"]),
                           "total": euros, "Order No": tx["order_id"], "Source": tx["channel"].map(shop),
                           "SKU": tx["product_id"]})
    half = len(orders) // 2
    orders[:half].to_parquet(folder / "orders" / "part-1.parquet")
    orders[half:].to_parquet(folder / "orders" / "part-2.parquet")
    c = dataset.contacts
    pd.DataFrame({"requester": c["customer_id"],
                  "created": _local(c["timestamp"], ZONES["contacts"]).dt.strftime("%m/%d/%Y %H:%M:%S"),
                  "via": c["channel"].map(CHANNELS), "ticket": c["case_id"],
                  "solved": c["resolved"].map({True: "Solved", False: "Open"}),
                  "Transferred?": c["transferred"].map({True: "yes", False: "no"}), "Topic": c["topic"],
                  "Handle (s)": c["handle_time_seconds"], "Wait (s)": c["wait_time_seconds"]}
                 ).to_csv(folder / "tickets.csv", index=False)
    s = dataset.surveys
    score = s["score"].where(s["survey"] != "csat", (s["score"] - 1) * 25)
    pd.DataFrame({"Respondent": s["customer_id"],
                  "Answered": s["timestamp"].dt.tz_convert("Asia/Kolkata").map(lambda t: t.isoformat()),
                  "Type": s["survey"].map(SURVEYS), "Score": score, "Comment": s["comment"]}
                 ).to_csv(folder / "feedback.csv", index=False)
    e = dataset.events
    pd.DataFrame({"visitor": e["customer_id"], "time": _local(e["timestamp"], ZONES["events"]),
                  "action": e["event"].map(EVENT_NAMES), "visit": e["session_id"]}).to_csv(folder / "clicks.csv",
                                                                                           index=False)
    k = dataset.cancellations
    pd.DataFrame({"Who": k["customer_id"], "When": k["timestamp"].dt.strftime("%d %b %Y %H:%M:%S"),
                  "Why": k["reason"]}).to_csv(folder / "churned.csv", index=False)


def test_a_dataset_exported_under_other_names_zones_and_vocabularies_imports_back_identical(original, tmp_path):
    write_export(original, tmp_path / "export")
    (tmp_path / "mapping.toml").write_text(ROUND_TRIP_MAPPING)
    result = CliRunner().invoke(app, ["import", str(tmp_path / "export"), "--mapping", str(tmp_path / "mapping.toml"),
                                      "--out", str(tmp_path / "dataset")])
    assert result.exit_code == 0, result.output
    assert "orders/part-*.parquet (2 files)" in result.output
    imported = load_dataset(tmp_path / "dataset")
    for name, frame in original.tables.items():
        pd.testing.assert_frame_equal(imported.tables[name][frame.columns], frame, obj=name)
    as_of = pd.Timestamp("2025-06-01", tz="UTC")
    pd.testing.assert_frame_equal(build_features(imported, as_of), build_features(original, as_of))


def test_names_outside_the_event_vocabulary_are_a_warning_with_counts(tmp_path):
    (tmp_path / "clicks.csv").write_text("visitor,time,action\n1,2024-01-01,Sign In\n1,2024-01-02,Sign In\n"
                                         "2,2024-01-02,Wishlist\n2,2024-01-03,help_center\n")
    (tmp_path / "orders.csv").write_text("visitor,time,total\n1,2024-01-01,5\n")
    mapping = parse_mapping({"transactions": {"source": "orders.csv",
                                              "columns": {"customer_id": "visitor", "timestamp": "time",
                                                          "amount": "total"}},
                             "events": {"source": "clicks.csv",
                                        "columns": {"customer_id": "visitor", "timestamp": "time", "event": "action"}}})
    result = import_dataset(tmp_path, mapping, tmp_path / "out")
    assert result.report.exit_code == 0 and not result.report.problems
    (warning,) = result.report.warnings
    assert (warning.kind, warning.table, warning.column, warning.rows) == (WARNING, "events", "event", 3)
    assert warning.examples == [{"value": "Sign In", "rows": 2}, {"value": "Wishlist", "rows": 1}]
    assert "2 event names outside the event vocabulary" in result.report.to_text() and "values.event" in warning.hint
    validated = CliRunner().invoke(app, ["validate", str(tmp_path / "out")])
    assert validated.exit_code == 0 and "'Wishlist' (1 row)" in validated.output  # a warning keeps exit 0


def test_order_lines_become_orders_and_refunds_by_a_negative_amount(tmp_path):
    (tmp_path / "lines.csv").write_text(textwrap.dedent("""\
        order,sku,qty,unit price,buyer,at
        A1,p1,2,5.00,u1,2024-01-01 10:00
        A1,p2,1,3.50,u1,2024-01-01 10:01
        A1,p1,-1,5.00,u1,2024-01-03 09:00
        A2,p3,1,x,u2,2024-01-02 12:00
        A3,p3,3,1.00,u2,2024-01-02 13:00
        ,p4,1,2.00,u2,2024-01-04 13:00
    """))
    mapping = parse_mapping({"transactions": {
        "source": "lines.csv", "columns": {"customer_id": "buyer", "timestamp": "at", "product_id": "sku"},
        "amount": {"product": ["qty", "unit price"]}, "order_key": "order", "refunds": {"negative_amount": True}}})
    result = import_dataset(tmp_path, mapping, tmp_path / "out", quarantine_dir=tmp_path / "q")
    problem = result.report.problems[0]
    assert [(p.column, p.rows) for p in result.report.problems] == [("unit price", 1)] and problem.kind == ROW
    assert result.grouped == {"transactions": "5 lines grouped into 4 orders (1 refund)"}
    orders = load_dataset(tmp_path / "out").transactions
    assert orders[["customer_id", "order_id", "amount", "product_id"]].astype(object).where(
        orders.notna(), None).values.tolist() == [["u1", "A1", 13.5, None], ["u1", "A1", -5.0, "p1"],
                                                  ["u2", "A3", 3.0, "p3"], ["u2", None, 2.0, "p4"]]
    assert orders["timestamp"].tolist()[:2] == [pd.Timestamp("2024-01-01 10:00", tz="UTC"),
                                                pd.Timestamp("2024-01-03 09:00", tz="UTC")]


def test_a_refund_rule_prefix_makes_amounts_negative_and_refuses_a_refund_of_zero(tmp_path):
    (tmp_path / "lines.csv").write_text("inv,qty,price,cust,t\nC9,-2,1.5,u1,2024-01-01\nC10,1,2,u1,2024-01-02\n"
                                        "C11,-1,0,u1,2024-01-03\n7,1,0,u1,2024-01-03\n")
    mapping = parse_mapping({"transactions": {
        "source": "lines.csv", "columns": {"customer_id": "cust", "timestamp": "t"}, "order_key": "inv",
        "amount": {"product": ["qty", "price"]}, "refunds": {"column": "inv", "prefix": "C"}}})
    result = import_dataset(tmp_path, mapping, tmp_path / "out", quarantine_dir=tmp_path / "q")
    assert [(p.column, p.rule, p.rows) for p in result.report.problems] == [("order_id", REFUND_OF_ZERO, 1)]
    assert load_dataset(tmp_path / "out").transactions["amount"].tolist() == [-3.0, -2.0, 0.0]


@pytest.mark.parametrize("tables, named", [
    ({"transactions": {"source": "x.csv", "colums": {}}}, "transactions.colums"),
    ({"transactions": {"source": "x.csv", "refunds": {"column": "a", "prefix": "C", "when": "x"}}},
     "transactions.refunds.when"),
    ({"transaction": {"source": "x.csv"}}, "[transaction]"),
    ({"contacts": {"source": "x.csv", "columns": {"chanel": "via"}}}, "'chanel' is not a column of contacts"),
    ({"contacts": {"source": "x.csv", "order_key": "id"}}, "order_key: only [transactions]"),
    ({"events": {"timezone": "Europe/Londn"}}, "'Europe/Londn' is not a time zone name"),
    ({"surveys": {"scales": {"ces": [5]}}}, "scales.ces must be"),
    ({"transactions": {"refunds": {"negative_amount": True, "prefix": "C", "column": "x"}}}, "refunds must be"),
])
def test_a_mapping_with_an_unknown_key_or_a_wrong_value_names_it(tables, named):
    with pytest.raises(ConfigError, match=f".*{named.replace('[', '.').replace(']', '.')}"):
        parse_mapping(tables)


def test_an_unknown_key_in_a_mapping_file_is_a_usage_error_naming_it(tmp_path):
    (tmp_path / "mapping.toml").write_text('[contacts]\nsource = "t.csv"\ntime_zone = "UTC"\n')
    with pytest.raises(ConfigError, match="contacts.time_zone"):
        load_mapping(tmp_path / "mapping.toml")
    result = CliRunner().invoke(app, ["import", str(tmp_path), "--mapping", str(tmp_path / "mapping.toml"),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "contacts.time_zone" in result.output


def test_a_mapping_without_transactions_is_structural(tmp_path):
    (tmp_path / "t.csv").write_text("customer_id,timestamp,channel\n1,2024-01-01,chat\n")
    report = import_dataset(tmp_path, parse_mapping({"contacts": {"source": "t.csv"}}), tmp_path / "out").report
    assert only_structural(report).rule == "required table is missing: add [transactions] to the mapping"


def test_a_mapped_column_the_file_lacks_is_structural_and_suggests_the_likely_one(tmp_path):
    (tmp_path / "t.csv").write_text("Requester,created,via\n1,2024-01-01,chat\n")
    mapping = parse_mapping({"transactions": {"source": "t.csv"},
                             "contacts": {"source": "t.csv", "columns": {"customer_id": "requester",
                                                                         "timestamp": "created", "channel": "via"}}})
    report = import_dataset(tmp_path, mapping, tmp_path / "out").report
    problem = next(p for p in report.structural if p.table == "contacts")
    assert problem.rule == "columns.customer_id names 'requester', which t.csv does not have"
    assert problem.hint.startswith("did you mean 'Requester'?") and report.exit_code == 2
    assert not (tmp_path / "out").exists()


# --- local times -----------------------------------------------------------------------------------------------

def test_ambiguous_local_times_are_the_first_occurrence_and_skipped_ones_use_the_offset_before():
    times = parse_local_times(pd.Series(["2024-11-03 01:30:00", "2024-03-10 02:30:00", "2024-07-01 12:00:00"],
                                        dtype="str"), "America/New_York")
    assert times.values.tolist() == [pd.Timestamp("2024-11-03 05:30", tz="UTC"),  # 01:30 EDT, not EST
                                     pd.Timestamp("2024-03-10 07:30", tz="UTC"),  # 02:30 EST (03:30 EDT)
                                     pd.Timestamp("2024-07-01 16:00", tz="UTC")]
    assert (times.ambiguous, times.nonexistent) == (1, 1) and not times.unparsed.any()
    half_hour = parse_local_times(pd.Series(["2024-10-06 02:15"], dtype="str"), "Australia/Lord_Howe")
    assert half_hour.values[0] == pd.Timestamp("2024-10-05 15:45", tz="UTC")  # 02:15 at +10:30, the offset before


def test_clock_changes_in_an_import_are_a_warning_not_an_error(tmp_path):
    (tmp_path / "t.csv").write_text("customer_id,timestamp,amount\n1,2024-10-27 01:30,5\n2,2024-03-31 01:30,5\n")
    mapping = parse_mapping({"transactions": {"source": "t.csv", "timezone": "Europe/London"}})
    report = import_dataset(tmp_path, mapping, tmp_path / "out").report
    assert report.exit_code == 0 and [w.rows for w in report.warnings] == [2]
    assert "1 ambiguous (read as the first occurrence) and 1 that does not exist" in report.warnings[0].rule
    assert load_dataset(tmp_path / "out").transactions["timestamp"].tolist() == [
        pd.Timestamp("2024-10-27 00:30", tz="UTC"), pd.Timestamp("2024-03-31 01:30", tz="UTC")]


def test_a_format_is_inferred_only_when_unambiguous():
    us = parse_local_times(pd.Series(["12/1/2010 8:26", "12/13/2010 17:05", "not a date"], dtype="str"))
    assert us.values[:2].tolist() == [pd.Timestamp("2010-12-01 08:26", tz="UTC"),
                                      pd.Timestamp("2010-12-13 17:05", tz="UTC")]
    assert us.unparsed.tolist() == [False, False, True] and "'%m/%d/%Y %H:%M'" in us.rule
    with pytest.raises(AmbiguousTimestamps, match=r"'03/04/2024 10:00' read as 03 April 2024 with '%d/%m/%Y %H:%M' "
                                                  r"and as 04 March 2024 with '%m/%d/%Y %H:%M'"):
        parse_local_times(pd.Series(["03/04/2024 10:00", "01/02/2024 11:00"], dtype="str"))
    with pytest.raises(AmbiguousTimestamps, match="match no common date format"):
        parse_local_times(pd.Series(["soon", "later"], dtype="str"))


def test_an_ambiguous_date_format_is_a_structural_problem_naming_it(tmp_path):
    (tmp_path / "t.csv").write_text("customer_id,timestamp,amount\n1,03/04/2024,5\n2,05/06/2024,5\n")
    report = import_dataset(tmp_path, parse_mapping({"transactions": {"source": "t.csv"}}), tmp_path / "o").report
    problem = only_structural(report)
    assert problem.column == "timestamp" and 'set timestamp_format = "%d/%m/%Y" or "%m/%d/%Y"' in problem.rule


def only_structural(report):
    assert len(report.structural) == 1, report.to_text()
    return report.structural[0]


def test_an_excel_export_is_read_when_openpyxl_is_installed(tmp_path):
    pytest.importorskip("openpyxl")
    pd.DataFrame({"Customer": ["007", "8"], "Date": pd.to_datetime(["2024-01-05 10:00", "2024-02-01 11:30"]),
                  "Total": [10.5, 3.0]}).to_excel(tmp_path / "sales.xlsx", index=False, sheet_name="Sales")
    mapping = parse_mapping({"transactions": {"source": "sales.xlsx", "sheet": "Sales", "columns": {
        "customer_id": "Customer", "timestamp": "Date", "amount": "Total"}}})
    assert import_dataset(tmp_path, mapping, tmp_path / "out").report.exit_code == 0
    tx = load_dataset(tmp_path / "out").transactions
    assert tx["customer_id"].tolist() == ["007", "8"] and tx["amount"].tolist() == [10.5, 3.0]
    assert tx["timestamp"].tolist() == [pd.Timestamp("2024-01-05 10:00", tz="UTC"),
                                        pd.Timestamp("2024-02-01 11:30", tz="UTC")]


def test_import_refuses_to_write_over_the_export_or_beside_other_tables(tmp_path):
    (tmp_path / "t.csv").write_text("customer_id,timestamp,amount\n1,2024-01-01,5\n")
    mapping = parse_mapping({"transactions": {"source": "t.csv"}})
    result = CliRunner().invoke(app, ["import", str(tmp_path), "--preset", "online-retail", "--mapping",
                                      str(tmp_path / "t.csv"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "either --mapping FILE or --preset NAME" in result.output
    with pytest.raises(DataError, match="is the folder of the export"):
        import_dataset(tmp_path, mapping, tmp_path)
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "events.parquet").write_bytes(b"")
    with pytest.raises(DataError, match="already holds events.parquet"):
        import_dataset(tmp_path, mapping, tmp_path / "o")


def test_the_keys_of_the_issue_work_exactly_as_written(tmp_path):
    (tmp_path / "mapping.toml").write_text(textwrap.dedent('''\
        [transactions]
        source = "orders.csv"

        [contacts]
        source = "tickets.csv"              # a file or a glob ("clickstream/*.parquet")
        timezone = "America/New_York"       # naive timestamps are local times in this zone (default UTC)
        timestamp_format = "%m/%d/%Y %H:%M:%S"   # optional
        columns = { customer_id = "requester", timestamp = "created", channel = "via", case_id = "ticket", resolved = "solved" }
        values.channel = { "Voice" = "phone", "Live Chat" = "chat" }   # source value -> contract value
    '''))
    (tmp_path / "orders.csv").write_text("customer_id,timestamp,amount\nann,2024-06-01,20\n")
    (tmp_path / "tickets.csv").write_text("ticket,requester,created,via,solved\n7,ann,06/02/2024 09:30:00,Voice,no\n"
                                          "7,ann,06/03/2024 16:00:00,Live Chat,yes\n8,ann,06/04/2024 08:00:00,Email,\n")
    result = CliRunner().invoke(app, ["import", str(tmp_path), "--mapping", str(tmp_path / "mapping.toml"),
                                      "--out", str(tmp_path / "dataset")])
    assert result.exit_code == 0, result.output
    contacts = load_dataset(tmp_path / "dataset").contacts
    assert contacts["channel"].tolist() == ["phone", "chat", "email"]
    assert contacts["case_id"].tolist() == ["7", "7", "8"]
    assert contacts["resolved"].tolist() == [False, True, pd.NA]
    assert contacts["timestamp"].tolist() == [pd.Timestamp("2024-06-02 13:30", tz="UTC"),
                                              pd.Timestamp("2024-06-03 20:00", tz="UTC"),
                                              pd.Timestamp("2024-06-04 12:00", tz="UTC")]


def test_an_excel_export_without_openpyxl_says_what_to_install(tmp_path, monkeypatch):
    def no_openpyxl(*args, **kwargs):
        raise ImportError("Missing optional dependency 'openpyxl'.")

    monkeypatch.setattr(pd, "read_excel", no_openpyxl)
    (tmp_path / "sales.xlsx").write_bytes(b"PK")
    report = import_dataset(tmp_path, parse_mapping({"transactions": {"source": "sales.xlsx"}}), tmp_path / "o").report
    assert "reading Excel files needs openpyxl: pip install openpyxl" in only_structural(report).rule


def test_constants_fill_a_column_the_export_lacks_and_format_names_an_unusual_suffix(tmp_path):
    (tmp_path / "orders.csv").write_text("customer_id,timestamp,amount\nann,2024-06-01,20\n")
    (tmp_path / "ratings.dat").write_text("who;when;stars\nann;2024-06-02 10:00;4\nann;2024-06-03 10:00;7\n")
    mapping = parse_mapping({"transactions": {"source": "orders.csv"},
                             "surveys": {"source": "ratings.dat", "format": "csv", "delimiter": ";",
                                         "constants": {"survey": "csat"},
                                         "columns": {"customer_id": "who", "timestamp": "when", "score": "stars"}}})
    result = import_dataset(tmp_path, mapping, tmp_path / "out", quarantine_dir=tmp_path / "q")
    assert [(p.column, p.rule, p.rows) for p in result.report.problems] == [("score", "must be from 1 to 5 for csat", 1)]
    surveys = load_dataset(tmp_path / "out").surveys
    assert surveys[["survey", "score"]].values.tolist() == [["csat", 4.0]]
