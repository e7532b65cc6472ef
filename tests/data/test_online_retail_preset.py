"""The online-retail preset on the committed order-line excerpts (tests/data/excerpts/).

The excerpts are generated, not real: there is no network here to fetch a real export.
`tests/data/excerpts/make_online_retail.py` writes the same lines in the shape of the
"Online Retail II" export and of the older "Online Retail" one; they hold multi-line
invoices, "C" cancellations with negative quantities, an invoice without a customer, zero
prices and one line exported twice. The expected orders are worked out here with plain
pandas from the lines, apart from the importer.
"""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.data import load_dataset
from cxmodels.data.importer import import_dataset
from cxmodels.data.mapping import preset_mapping
from cxmodels.data.validate import NOT_EMPTY, REPEATED_ROW

EXCERPTS = Path(__file__).parent / "excerpts"
LINES = pd.read_csv(EXCERPTS / "online_retail_ii.csv", dtype=str)
NO_CUSTOMER = int(LINES["Customer ID"].isna().sum())
ACCEPTED = len(LINES) - NO_CUSTOMER - 1  # less the repeated line


def expected_orders() -> pd.DataFrame:
    """The excerpt's invoices as orders: lines with a customer, the repeated line once, amount = sum of quantity x
    price (negative for "C" invoices), the time of the invoice in London as UTC."""
    lines = pd.read_csv(EXCERPTS / "online_retail_ii.csv", dtype={"Customer ID": str, "Invoice": str})
    lines = lines[lines["Customer ID"].notna()].drop_duplicates()
    lines["amount"] = lines["Quantity"] * lines["Price"]
    orders = lines.groupby("Invoice", sort=False).agg(customer_id=("Customer ID", "first"),
                                                      time=("InvoiceDate", "min"), amount=("amount", "sum"),
                                                      products=("StockCode", "nunique"), product=("StockCode", "first"))
    orders["timestamp"] = pd.to_datetime(orders["time"]).dt.tz_localize("Europe/London").dt.tz_convert("UTC")
    orders["product_id"] = orders["product"].where(orders["products"] == 1)
    return orders.reset_index().rename(columns={"Invoice": "order_id"})


@pytest.fixture(scope="module", params=["online_retail_ii.csv", "online_retail.csv"])
def imported(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param.split(".")[0])
    result = import_dataset(EXCERPTS / request.param, preset_mapping("online-retail"), folder / "dataset",
                            quarantine_dir=folder / "rejected")
    return result, folder


def test_the_preset_groups_lines_into_orders_and_cancellations_into_refunds(imported):
    result, folder = imported
    assert result.report.exit_code == 0, result.report.to_text()
    orders = load_dataset(folder / "dataset").transactions
    expected = expected_orders()
    got = orders.set_index("order_id").loc[expected["order_id"]]
    assert sorted(orders["order_id"]) == sorted(expected["order_id"])
    assert got["customer_id"].tolist() == expected["customer_id"].tolist()
    assert got["amount"].to_numpy() == pytest.approx(expected["amount"].to_numpy(), abs=1e-9)
    assert got["timestamp"].tolist() == expected["timestamp"].tolist()
    assert got["product_id"].astype(object).where(got["product_id"].notna(), None).tolist() == \
        expected["product_id"].astype(object).where(expected["product_id"].notna(), None).tolist()
    refunds = orders[orders["amount"] < 0]
    assert len(refunds) == 3 and refunds["order_id"].str.startswith("C").all()
    assert (orders.loc[~orders["order_id"].str.startswith("C"), "amount"] >= 0).all()
    assert result.grouped["transactions"] == f"{ACCEPTED} lines grouped into {len(expected)} orders (3 refunds)"


def test_lines_without_a_customer_and_the_repeated_line_are_quarantined_and_counted(imported):
    result, folder = imported
    count = result.report.tables["transactions"]
    rules = {p.rule: p.rows for p in result.report.problems}
    assert NO_CUSTOMER > 0 and rules == {NOT_EMPTY: NO_CUSTOMER, REPEATED_ROW: 1}
    assert (count.read, count.accepted, count.quarantined) == (len(LINES), ACCEPTED, NO_CUSTOMER + 1)
    rejected = pd.read_csv(folder / "rejected" / "transactions.csv", dtype=str)
    assert rejected["reason"].value_counts().to_dict() == {f"customer_id {NOT_EMPTY}": NO_CUSTOMER, REPEATED_ROW: 1}
    assert rejected.loc[rejected["reason"] != REPEATED_ROW, "order_id"].unique().tolist() == ["536385"]


def test_zero_price_lines_add_nothing_to_their_order(imported):
    result, folder = imported
    free = LINES[(LINES["Price"] == "0.0") & LINES["Customer ID"].notna()]
    assert len(free) == 2
    orders = load_dataset(folder / "dataset").transactions.set_index("order_id")
    assert orders.loc[free["Invoice"].unique(), "amount"].gt(0).all()


def test_the_preset_from_the_command_line(tmp_path):
    result = CliRunner().invoke(app, ["import", str(EXCERPTS / "online_retail.csv"), "--preset", "online-retail",
                                      "--out", str(tmp_path / "dataset"), "--quarantine", str(tmp_path / "rejected")])
    assert result.exit_code == 0, result.output
    assert f"transactions: {ACCEPTED} lines grouped into" in result.output
    without_quarantine = CliRunner().invoke(app, ["import", str(EXCERPTS / "online_retail.csv"), "--preset",
                                                  "online-retail", "--out", str(tmp_path / "again")])
    assert without_quarantine.exit_code == 1 and "use --quarantine DIR" in without_quarantine.output
    assert not (tmp_path / "again").exists()
