"""Writes the two order-line excerpts beside this file, in the shape of an online retailer's export.

There is no network here, so the lines are generated, not copied from a real export: the same
lines in the "Online Retail II" shape (Invoice, StockCode, Description, Quantity, InvoiceDate,
Price, Customer ID, Country; ISO times) and in the older "Online Retail" one (InvoiceNo,
UnitPrice, CustomerID; times like 12/1/2010 8:26). They hold what such exports hold:
multi-line invoices, "C" cancellation invoices with negative quantities, an invoice without a
customer, zero prices, a description with a comma, and one line repeated exactly.

Run: .venv/bin/python tests/data/excerpts/make_online_retail.py
"""

import csv
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
PRODUCTS = [("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55), ("71053", "WHITE METAL LANTERN", 3.39),
            ("84406B", "CREAM CUPID HEARTS COAT HANGER", 2.75), ("22752", "SET 7 BABUSHKA NESTING BOXES", 7.65),
            ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 4.25), ("22633", "HAND WARMER UNION JACK", 1.85),
            ("84879", "ASSORTED COLOUR BIRD ORNAMENT", 1.69), ("22745", "POPPY'S PLAYHOUSE BEDROOM", 2.10),
            ("21754", "HOME BUILDING BLOCK WORD", 5.95), ("22632", "HAND WARMER RED LOVE HEART, POLKA", 1.85),
            ("POST", "POSTAGE", 18.00), ("22960", "JAM MAKING SET WITH JARS", 4.25)]
CUSTOMERS = [("17850", "United Kingdom"), ("13047", "United Kingdom"), ("12583", "France"),
             ("13748", "United Kingdom"), ("15100", "United Kingdom"), ("15291", "United Kingdom"),
             ("14688", "United Kingdom"), ("17809", "United Kingdom"), ("12431", "Australia"),
             ("14527", "United Kingdom"), ("16098", "United Kingdom"), ("14911", "EIRE")]


def lines(seed: int = 13) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows, invoice = [], 536365
    days = pd.date_range("2010-12-01", "2011-12-09", freq="D")
    for n in range(46):
        customer, country = CUSTOMERS[n % len(CUSTOMERS)] if n != 20 else ("", "United Kingdom")
        when = days[rng.integers(len(days))] + pd.Timedelta(hours=int(rng.integers(8, 19)),
                                                             minutes=int(rng.integers(60)))
        for i in rng.choice(len(PRODUCTS), size=int(rng.integers(1, 12)), replace=False):
            code, description, price = PRODUCTS[i]
            rows.append([str(invoice), code, description, int(rng.choice([1, 2, 3, 4, 6, 12, 24])), when,
                         price, customer, country])
        invoice += 1
    frame = pd.DataFrame(rows, columns=["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
                                        "Customer ID", "Country"])
    frame.loc[[5, 40], "Price"] = 0.0  # zero prices: a free line of a customer's invoice ...
    frame.loc[frame["Customer ID"] == "", "Price"] = frame.loc[frame["Customer ID"] == "", "Price"].where(
        lambda price: price.index % 2 == 0, 0.0)  # ... and some of the invoice without a customer
    cancelled = [frame[frame["Invoice"] == str(536365 + k)].head(size) for k, size in ((3, 1), (8, 3), (30, 2))]
    for k, lines_ in enumerate(cancelled):  # cancellations: "C" invoices, negative quantities, a day later
        lines_ = lines_.assign(Invoice=f"C{invoice + k}", Quantity=-lines_["Quantity"],
                               InvoiceDate=lines_["InvoiceDate"] + pd.Timedelta(days=1))
        frame = pd.concat([frame, lines_], ignore_index=True)
    frame = pd.concat([frame, frame.iloc[[12]]], ignore_index=True)  # a line exported twice
    return frame.sort_values("InvoiceDate", kind="stable").reset_index(drop=True)


def write(frame: pd.DataFrame) -> None:
    new = frame.assign(InvoiceDate=frame["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    new.to_csv(HERE / "online_retail_ii.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    old = frame.assign(InvoiceDate=[f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}" for t in frame["InvoiceDate"]])
    old = old.rename(columns={"Invoice": "InvoiceNo", "Price": "UnitPrice", "Customer ID": "CustomerID"})
    old.to_csv(HERE / "online_retail.csv", index=False, quoting=csv.QUOTE_MINIMAL)


if __name__ == "__main__":
    write(lines())
