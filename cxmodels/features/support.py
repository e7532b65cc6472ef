"""The customer's whole support history: how often they need help, and how often it goes badly.

The effort builder looks at the recent windows; this one summarises every case before the
cut-off, so that a customer's habits (how many cases a month, what share of them are hard)
can be told from a recent run of luck. A case is "difficult" when it needed more than one
contact, had a contact transferred, or was left unresolved by its latest contact. Contacts with
the same case_id are one case; a contact without case_id is a case of its own (as in `effort`).
The lifetime paces divide by the tenure (`behaviour.tenure_days`), at least one 30-day month.
"""

import numpy as np

from cxmodels.features.activity import MONTH_DAYS
from cxmodels.features.behaviour import tenure_days
from cxmodels.features.columns import Column, count_column, per_window
from cxmodels.features.per_customer import count, group_ends, group_starts, largest, ratio
from cxmodels.features.timeutil import NAT, days_before, days_window

DIFFICULT = "cases that needed more than one contact, were transferred or were left unresolved"


def support_history_columns(config) -> tuple[Column, ...]:
    return (
        Column("cases_per_month", "float64", "customer service cases per 30 days over the customer's whole tenure"),
        Column("difficult_cases_per_month", "float64",
               f"difficult customer service cases ({DIFFICULT}) per 30 days over the whole tenure"),
        Column("difficult_case_share", "float64",
               f"share of all the customer's service cases that were difficult ({DIFFICULT})"),
        *per_window(count_column("difficult_cases_{days}d",
                                 "difficult customer service cases with a contact in the last {days} days"),
                    config.trend_windows),
        *per_window(count_column("unresolved_cases_{days}d",
                                 "customer service cases last contacted in the last {days} days and left unresolved"),
                    config.trend_windows),
        Column("days_since_last_difficult_case", "float64",
               "days since the last contact of a difficult customer service case"),
    )


def support_history(history, config) -> dict:
    """Lifetime case and difficult-case paces, the share of difficult cases, recent difficult and unresolved
    cases, and the days since the latest difficult case."""
    rows = history.rows("contacts")
    n, as_of = history.n, history.as_of_ns
    code, time = rows.code, rows.time
    case, cases = rows.text("case_id") if rows.has("case_id") else (np.full(len(rows), -1), ())
    case = np.where(case >= 0, case, len(cases) + np.arange(len(rows)))  # no case_id: a case of its own
    transferred = rows.numbers("transferred") if rows.has("transferred") else np.zeros(len(rows))
    resolved = rows.numbers("resolved") if rows.has("resolved") else np.full(len(rows), np.nan)

    order = np.lexsort((time, case, code))  # each case's contacts in time order
    first_row = np.flatnonzero(group_starts(code[order], case[order]))
    last_row = order[group_ends(code[order], case[order])]
    case_code = code[order][first_row]
    case_contacts = np.diff(np.append(first_row, len(order)))
    case_last_time = time[last_row]
    unresolved = resolved[last_row] == 0  # unknown (NaN) is not unresolved
    case_transferred = np.zeros(len(first_row), dtype=bool)
    if len(order):
        case_transferred = np.maximum.reduceat(np.nan_to_num(transferred[order]), first_row) > 0
    difficult = (case_contacts > 1) | case_transferred | unresolved

    months = np.maximum(tenure_days(history), MONTH_DAYS) / MONTH_DAYS
    all_cases, difficult_cases = count(case_code, n), count(case_code, n, difficult)
    out = {
        "cases_per_month": all_cases / months,
        "difficult_cases_per_month": difficult_cases / months,
        "difficult_case_share": ratio(difficult_cases * 1.0, all_cases),
    }
    for d in config.trend_windows:
        recent = days_window(case_last_time, as_of, d)
        out[f"difficult_cases_{d}d"] = count(case_code, n, recent & difficult)
        out[f"unresolved_cases_{d}d"] = count(case_code, n, recent & unresolved)
    out["days_since_last_difficult_case"] = days_before(
        as_of, largest(case_code[difficult], case_last_time[difficult], n, NAT))
    return out
