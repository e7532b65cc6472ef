"""Customer effort from service contacts: volume, cases, repeat contacts, resolution, transfers, times.

Contacts with the same case_id are one case (one issue) of that customer; a contact
without case_id is a case of its own. Case rates look at the cases active (with a
contact) in the effort window, each with all its contacts before the cut-off.
"""

import numpy as np

from cxmodels.features.columns import Column, count_column, per_window
from cxmodels.features.per_customer import count, group_ends, group_starts, largest, mean, quantile, ratio, total
from cxmodels.features.timeutil import DAY_NS, NAT, days_before, days_window


def effort_columns(config) -> tuple[Column, ...]:
    effort_window = (config.effort_window,)
    return (
        Column("days_since_last_contact", "float64", "days since the last contact with customer service"),
        *per_window(count_column("contacts_{days}d", "contacts with customer service in the last {days} days"),
                    config.windows),
        *per_window(count_column("cases_{days}d", "customer service cases with a contact in the last {days} days"),
                    config.windows),
        count_column("open_cases", "cases whose last contact left them unresolved"),
        Column("days_since_last_unresolved_case", "float64",
               "days since the last contact of a case that it left unresolved"),
        *per_window(Column("repeat_contact_rate_{days}d", "float64",
                           "share of contacts that were repeat contacts on one case, cases of the last {days} days"),
                    effort_window),
        *per_window(count_column("most_contacts_on_one_case_{days}d",
                                 "the most contacts on one case, cases of the last {days} days"), effort_window),
        *per_window(Column("channel_switch_rate_{days}d", "float64",
                           "share of cases of the last {days} days that went through more than one channel"),
                    effort_window),
        *per_window(Column("first_contact_resolution_rate_{days}d", "float64",
                           "share of cases of the last {days} days resolved at their first and only contact"),
                    effort_window),
        *per_window(Column("transfer_rate_{days}d", "float64",
                           "share of contacts in the last {days} days that were transferred"), effort_window),
        *per_window(Column("handle_time_mean_{days}d", "float64",
                           "average handling time of a contact in the last {days} days, in seconds"), effort_window),
        *per_window(Column("handle_time_p90_{days}d", "float64",
                           "handling time that 90% of contacts in the last {days} days stayed under, in seconds"),
                    effort_window),
        *per_window(Column("wait_time_mean_{days}d", "float64",
                           "average wait before a contact in the last {days} days, in seconds"), effort_window),
        *per_window(Column("wait_time_p90_{days}d", "float64",
                           "wait that 90% of contacts in the last {days} days stayed under, in seconds"),
                    effort_window),
    )


def effort(history, config) -> dict:
    """Contacts and cases in windows, open cases and the latest, case rates and contact times in the effort window."""
    rows = history.rows("contacts")
    n, as_of = history.n, history.as_of_ns
    code, time = rows.code, rows.time
    out = {"days_since_last_contact": days_before(as_of, largest(code, time, n, NAT))}

    case, cases = rows.text("case_id") if rows.has("case_id") else (np.full(len(rows), -1), ())
    case = np.where(case >= 0, case, len(cases) + np.arange(len(rows)))  # no case_id: a case of its own
    channel = rows.text("channel")[0]
    resolved = rows.numbers("resolved")

    order = np.lexsort((time, case, code))  # each case's contacts in time order
    new_case = group_starts(code[order], case[order])
    first_row = np.flatnonzero(new_case)
    last_row = order[group_ends(code[order], case[order])]
    case_code = code[order][new_case]
    case_contacts = np.diff(np.append(first_row, len(order)))
    case_last_time = time[last_row]
    case_resolved = resolved[last_row]  # the outcome of the case's last contact: 1, 0 or NaN (unknown)
    switched = np.zeros(len(first_row), dtype=bool)
    if len(order):
        switched = np.minimum.reduceat(channel[order], first_row) != np.maximum.reduceat(channel[order], first_row)

    for d in config.windows:
        out[f"contacts_{d}d"] = count(code, n, days_window(time, as_of, d))
        out[f"cases_{d}d"] = count(case_code, n, days_window(case_last_time, as_of, d))
    out["open_cases"] = count(case_code, n, case_resolved == 0)
    unresolved = case_resolved == 0
    out["days_since_last_unresolved_case"] = days_before(as_of, largest(case_code[unresolved],
                                                                         case_last_time[unresolved], n, NAT))

    w = config.effort_window
    active = days_window(case_last_time, as_of, w)
    known = active & ~np.isnan(case_resolved)
    first_time_right = known & (case_contacts == 1) & (case_resolved == 1)
    out[f"repeat_contact_rate_{w}d"] = ratio(
        total(case_code, case_contacts - 1.0, n, active), total(case_code, case_contacts * 1.0, n, active)
    )
    out[f"most_contacts_on_one_case_{w}d"] = largest(case_code[active], case_contacts[active], n, 0).astype(np.int64)
    out[f"channel_switch_rate_{w}d"] = ratio(count(case_code, n, active & switched), count(case_code, n, active))
    out[f"first_contact_resolution_rate_{w}d"] = ratio(count(case_code, n, first_time_right),
                                                       count(case_code, n, known))

    recent = rows.since(as_of - w * DAY_NS)
    out[f"transfer_rate_{w}d"] = mean(recent.code, recent.numbers("transferred"), n)
    for name, column in (("handle_time", "handle_time_seconds"), ("wait_time", "wait_time_seconds")):
        seconds = recent.numbers(column)
        out[f"{name}_mean_{w}d"] = mean(recent.code, seconds, n)
        out[f"{name}_p90_{w}d"] = quantile(recent.code, seconds, n, 0.9)
    return out
