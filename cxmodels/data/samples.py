"""Real sample data: the CDNOW purchase log that ships inside the lifetimes package.

CDNOW is the cohort of customers who first bought at the online CD store in the
first quarter of 1997, followed until the end of June 1998 (Fader, Hardie & Lee
2005 use it to fit BG/NBD). Each row is one purchase: the customer, the day, the
number of CDs and the dollar value. Zero-dollar orders are kept as they are.

The raw log has no order id, and 255 of its rows (21 in the sample) repeat an
earlier row exactly: the same customer buying CDs of the same value twice on one
day. They are separate orders, so each line gets its own `order_id` (its line
number in the file) and the contract's exact-duplicate rule does not reject them.
"""

from importlib.util import find_spec
from pathlib import Path

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


def _read_cdnow(sample: bool) -> pd.DataFrame:
    # Located, not imported: importing lifetimes changes the global warnings filters.
    folder = Path(find_spec("lifetimes").origin).parent / "datasets"
    if sample:
        # No header: master id, sample id, date, number of CDs, dollar value.
        names = ["customer_id", "sample_id", "date", "quantity", "amount"]
        raw = pd.read_csv(folder / "CDNOW_sample.txt", sep=r"\s+", header=None, names=names,
                          dtype={"customer_id": str, "date": str})
    else:
        raw = pd.read_csv(folder / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str, "date": str})
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
