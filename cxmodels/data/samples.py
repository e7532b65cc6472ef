"""Real sample data shipped in sample_files/ (from the lifetimes package): the CDNOW purchase log and the donations
summary.

CDNOW is the cohort of customers who first bought at the online CD store in the
first quarter of 1997, followed until the end of June 1998 (Fader, Hardie & Lee
2005 use it to fit BG/NBD). Each row is one purchase: the customer, the day, the
number of CDs and the dollar value. Zero-dollar orders are kept as they are.

The raw log has no order id, and 255 of its rows (21 in the sample) repeat an
earlier row exactly: the same customer buying CDs of the same value twice on one
day. They are separate orders, so each line gets its own `order_id` (its line
number in the file) and the contract's exact-duplicate rule does not reject them.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from cxmodels.errors import DataError

MASTER_CUSTOMERS, MASTER_ROWS = 23_570, 69_659
SAMPLE_CUSTOMERS, SAMPLE_ROWS = 2_357, 6_919
# The calibration and holdout periods of the BTYD literature.
CDNOW_CALIBRATION_END = "1997-10-01"  # the summary covers days up to 1997-09-30: weeks 0-39
CDNOW_HOLDOUT_DAYS = 273  # weeks 40-78: [1997-10-01, 1998-07-01)
# Published results on the sample, in weeks: the BG/NBD paper (Fader, Hardie & Lee 2005a), section 4;
# Gamma-Gamma from "RFM and CLV" (2005b), on its 946 repeat buyers.
CDNOW_PUBLISHED_PARAMETERS = {
    "bgnbd": {"r": 0.2426, "alpha": 4.4137, "a": 0.7930, "b": 2.4262},
    "pareto": {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.66},
    "gammagamma": {"p": 6.25, "q": 3.74, "gamma": 15.44},
}
# BG/NBD paper, figure 5: mean holdout purchases by calibration frequency 0, 1, ..., 6, 7+, actual and expected.
CDNOW_PUBLISHED_ACTUAL = (0.237, 0.697, 1.393, 1.560, 2.532, 2.947, 3.862, 6.359)
CDNOW_PUBLISHED_EXPECTED = (0.225, 0.523, 1.044, 1.520, 2.164, 2.654, 3.504, 6.157)


# The donations of Fader, Hardie & Shang (2010): the 11,104 first-time supporters of a nonprofit in 1995,
# who each year from 1996 to 2001 (6 opportunities) gave or did not; BG/BB's published parameters.
DONATIONS_CUSTOMERS, DONATIONS_COHORT_YEAR, DONATIONS_OPPORTUNITIES = 11_104, 1995, 6
DONATIONS_PUBLISHED_PARAMETERS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
# Published expectations: donations in 2002-2006 of a supporter who gave every year (x = t_x = 6) and of one who
# never gave again (Fader, Hardie & Shang 2010, their "Bob" and "Sarah"); a new supporter's cumulative
# expected donations in the first 1, ..., 11 years (Hardie's note 010, the spreadsheet's tracking plot).
DONATIONS_PUBLISHED_EXPECTED_5_YEARS = {(6, 6): 3.75, (0, 0): 0.07}
DONATIONS_PUBLISHED_NEW_SUPPORTER = (0.4985, 0.9233, 1.2969, 1.6323, 1.9381, 2.2202, 2.4826, 2.7285, 2.9603, 3.1798,
                                     3.3887)


def _datasets() -> Path:
    return Path(__file__).parent / "sample_files"


def _read_cdnow(sample: bool) -> pd.DataFrame:
    folder = _datasets()
    if sample:
        # No header: master id, sample id, date, number of CDs, dollar value.
        names = ["customer_id", "sample_id", "date", "quantity", "amount"]
        raw = pd.read_csv(folder / "CDNOW_sample.txt.gz", sep=r"\s+", header=None, names=names,
                          dtype={"customer_id": str, "date": str})
    else:
        raw = pd.read_csv(folder / "CDNOW_master.txt.gz", sep=r"\s+", dtype={"customer_id": str, "date": str})
        raw = raw.rename(columns={"number_of_cds": "quantity", "dollar_value": "amount"})
    return raw


def cdnow(sample: bool = False) -> dict[str, pd.DataFrame]:
    """The CDNOW purchase log as contract tables: `{"transactions": ...}`.

    `customer_id` is CDNOW's five-digit id as a string ("00004"), the same in the
    master file and the 2,357-customer sample. `timestamp` is the purchase day at
    midnight UTC; `order_id` is the line number in the file; `quantity` (number
    of CDs) is kept as an extra column.
    """
    raw = _read_cdnow(sample)
    transactions = pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype(str),
            "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d", utc=True),
            "amount": raw["amount"].astype(float),
            "order_id": (raw.index + 1).astype(str),
            "quantity": raw["quantity"].astype(int),
        }
    )
    expected = (SAMPLE_CUSTOMERS, SAMPLE_ROWS) if sample else (MASTER_CUSTOMERS, MASTER_ROWS)
    found = (transactions["customer_id"].nunique(), len(transactions))
    if found != expected:
        raise DataError(f"CDNOW file from lifetimes has {found} (customers, rows); expected {expected}")
    return {"transactions": transactions}


def donations_summary() -> pd.DataFrame:
    """The donations file as it is: frequency (years with a donation after 1995), recency (the last such year,
    1 = 1996), T (6 opportunities) and weights (supporters with that row), 22 rows; BG/BB reads it as it is."""
    raw = pd.read_csv(_datasets() / "donations.csv")
    summary = pd.DataFrame({"frequency": raw["frequency"].astype(float), "recency": raw["recency"].astype(float),
                            "T": raw["periods"].astype(float), "weights": raw["weights"].astype(np.int64)})
    if summary["weights"].sum() != DONATIONS_CUSTOMERS or (summary["T"] != DONATIONS_OPPORTUNITIES).any():
        raise DataError(f"donations file from lifetimes has {summary['weights'].sum()} supporters; expected "
                        f"{DONATIONS_CUSTOMERS}, each with {DONATIONS_OPPORTUNITIES} opportunities")
    return summary


def donations() -> dict[str, pd.DataFrame]:
    """The donations as contract tables, `{"transactions": ...}`: one row per donation, each supporter
    ("S00001", ...) giving first on 1995-01-01 and then on the 1 January of the years they gave in.

    The file keeps only how many of the years 1996-2001 a supporter gave in (x) and the last of them (t_x),
    not which: this log puts the x - 1 others in the first x - 1 years. Its value summary by year, and every
    model of it, is the paper's; the yearly totals are not. Amounts are not in the file: each donation is
    written with amount 0 (a purchase of unknown value), so there is no spend model of this data.
    """
    summary = donations_summary()
    rows = summary.loc[summary.index.repeat(summary["weights"])].reset_index(drop=True)
    years = [[DONATIONS_COHORT_YEAR, *range(DONATIONS_COHORT_YEAR + 1, DONATIONS_COHORT_YEAR + int(x)),
              *([DONATIONS_COHORT_YEAR + int(t)] if x else [])] for x, t in zip(rows["frequency"], rows["recency"])]
    customer = np.repeat([f"S{i + 1:05d}" for i in range(len(rows))], [len(y) for y in years])
    year = np.concatenate(years)
    timestamps = pd.to_datetime(pd.Series(year).astype(str) + "-01-01", utc=True)
    transactions = pd.DataFrame({"customer_id": customer, "timestamp": timestamps.to_numpy(), "amount": 0.0,
                                 "order_id": [f"{c}-{y}" for c, y in zip(customer, year)]})
    return {"transactions": transactions}
