"""Support drivers on the history itself: the contacts as they would be without the problem, and the features
rebuilt from them, so every feature that follows from the problem moves with it (removing transfers also
makes the cases that were difficult only because of them plain; removing repeat contacts also removes the
contacts they added).

- transfers: no contact transferred;
- repeat_contacts: each case handled in its first contact, which ends it as its last contact did and is
  transferred when any of the case's contacts was (the case's other problems stay as they were);
- unresolved_cases: each case's last contact resolves it.

Contacts without a case_id are each their own case. An edit needs the contacts' columns it changes.

The contact volume (`VOLUME`: contacts and cases in each window, days since the last contact) keeps its observed values
in the rebuilt features: at-risk customers contact support more (to complain, to cancel), so a model reads
volume mostly as the sign of a customer already leaving, and moving it would credit a fix with that sign. The
effort of the extra contacts stays in what the rebuild moves (repeat-contact rate, contacts on one case,
difficult cases).
"""

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from cxmodels.features import build_features


VOLUME = re.compile(r"(contacts|cases)_\d+d|days_since_last_contact")  # what a rebuild leaves as observed


def _case_keys(contacts: pd.DataFrame) -> pd.Series:
    """Each contact's case: its customer and case_id, or the contact itself when it has none."""
    case = contacts["case_id"].astype(object) if "case_id" in contacts else pd.Series(None, index=contacts.index)
    own = pd.Series(np.arange(len(contacts)).astype(str), index=contacts.index)
    return contacts["customer_id"].astype(str) + "|" + case.where(case.notna(), "#" + own).astype(str)


def _last_of_case(contacts: pd.DataFrame) -> np.ndarray:
    """Whether each contact is the last of its case (by time)."""
    order = contacts.sort_values("timestamp", kind="stable")
    last = ~_case_keys(order).duplicated(keep="last")
    return last.reindex(contacts.index).to_numpy(bool)


def without_transfers(contacts: pd.DataFrame) -> pd.DataFrame:
    return contacts.assign(transferred=contacts["transferred"].mask(contacts["transferred"].notna(), False))


def without_repeat_contacts(contacts: pd.DataFrame) -> pd.DataFrame:
    order = contacts.sort_values("timestamp", kind="stable")
    keys = _case_keys(order)
    first = ~keys.duplicated(keep="first")
    kept = order[first.to_numpy()].copy()
    first_keys = keys[first].to_numpy()
    if "resolved" in contacts:
        last = ~keys.duplicated(keep="last")
        outcome = pd.Series(order.loc[last.to_numpy(), "resolved"].to_numpy(), index=keys[last].to_numpy())
        kept["resolved"] = outcome.reindex(first_keys).to_numpy()
    if "transferred" in contacts:
        kept["transferred"] = order["transferred"].fillna(False).astype(bool).groupby(keys.to_numpy()).any() \
            .reindex(first_keys).to_numpy()
    return kept.sort_index()


def without_unresolved_cases(contacts: pd.DataFrame) -> pd.DataFrame:
    return contacts.assign(resolved=contacts["resolved"].mask(_last_of_case(contacts), True))


EDITS = {"transfers": (without_transfers, ("transferred",)),
         "repeat_contacts": (without_repeat_contacts, ()),
         "unresolved_cases": (without_unresolved_cases, ("resolved",))}


def can_edit(name: str, dataset) -> bool:
    """Whether the contacts of `dataset` have what the edit `name` changes."""
    contacts = getattr(dataset, "contacts", None)
    return name in EDITS and contacts is not None and all(column in contacts for column in EDITS[name][1])


def edited_features(dataset, as_of, config, names, customers: pd.Index) -> pd.DataFrame:
    """The features of `customers` as of `as_of` with their contacts edited by each edit of `names` (EDITS)."""
    contacts = dataset.contacts
    mine = contacts["customer_id"].isin(customers).to_numpy()
    theirs = contacts[mine]
    for name in names:
        theirs = EDITS[name][0](theirs)
    edited = pd.concat([contacts[~mine], theirs]).sort_index(kind="stable").reset_index(drop=True)
    return build_features(replace(dataset, contacts=edited), as_of, config, customers)
