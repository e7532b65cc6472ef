"""How a support case turns a customer At-risk: a noisy-OR of its problems.

A case's problems are its pain (painful or smooth), whether it ended unresolved, whether it was transferred
(any of its contacts) and its extra contacts (repeat contacts on the case, counted up to EXTRA_CAP). Each
problem triggers At-risk on its own with its probability, so a case triggers with probability

    1 - (1 - PAIN)^painful (1 - UNRESOLVED[pain])^unresolved (1 - TRANSFER)^transferred
        (1 - EXTRA)^min(extra contacts, EXTRA_CAP)

(an unresolved painful case weighs more than an unresolved smooth one). A case's profile is (kind,
extra contacts, transferred): extra contacts are Poisson(FOLLOW_UPS[pain]) and each contact is transferred
with probability TRANSFERRED[pain]. Each case draws a uniform and triggers when it falls below its trigger
probability, so the world with a problem removed (`fixed` problems, a bit mask of FIXABLE, contribute
nothing: `simulate(..., fixes=...)`) has the same cases, draws and all, and a case triggers there when its
uniform falls below the smaller probability: the coupling the driver truth (simulate/drivers.py) assumes.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson

FOLLOW_UPS = (0.1, 1.6)  # mean extra contacts on a case (Poisson), by pain (smooth, painful)
TRANSFERRED = (0.05, 0.35)  # probability a contact is transferred, by pain
PAIN = 0.15
UNRESOLVED = (0.14, 0.7)  # by pain
TRANSFER = 0.15
EXTRA = 0.06  # per extra contact, up to EXTRA_CAP
EXTRA_CAP = 4
MAX_EXTRA = 30  # the Poisson tail beyond is negligible (and folded into it)
FIXABLE = ("unresolved_cases", "transfers", "repeat_contacts")  # bit 0, 1, 2 of a fix mask
MASKS = 1 << len(FIXABLE)


def trigger_probability(painful, resolved, transferred, extra, fixed=0) -> np.ndarray:
    """P(the case triggers At-risk) by its problems; `fixed`: the bit mask of the FIXABLE problems that count
    for nothing."""
    painful, resolved, transferred = (np.asarray(x, bool) for x in (painful, resolved, transferred))
    fixed = np.asarray(fixed, int)
    unresolved_factor = np.where(painful, 1 - UNRESOLVED[1], 1 - UNRESOLVED[0])
    keep = np.where(~resolved & (fixed & 1 == 0), unresolved_factor, 1.0)
    keep = keep * np.where(transferred & (fixed & 2 == 0), 1 - TRANSFER, 1.0)
    keep = keep * np.where(fixed & 4 == 0, (1 - EXTRA) ** np.minimum(np.asarray(extra), EXTRA_CAP), 1.0)
    return 1 - np.where(painful, 1 - PAIN, 1.0) * keep


def fix_mask(names) -> int:
    """The bit mask of the FIXABLE problems `names`."""
    return sum(1 << FIXABLE.index(name) for name in names)


def profiles(pain: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(extra contacts, transferred, probability) of every (extra, transferred) profile of a case of `pain`."""
    extra = np.arange(MAX_EXTRA + 1)
    p_extra = poisson.pmf(extra, FOLLOW_UPS[pain])
    p_extra[-1] += poisson.sf(MAX_EXTRA, FOLLOW_UPS[pain])
    none = (1 - TRANSFERRED[pain]) ** (extra + 1)
    return (np.concatenate([extra, extra]), np.repeat([False, True], len(extra)),
            np.concatenate([p_extra * none, p_extra * (1 - none)]))


KINDS = ((False, False), (False, True), (True, False), (True, True))  # (painful, resolved), as population.case_kinds


def kind_tables(fixed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per case kind: (extra, transferred, probability of the profile, its trigger probability)."""
    tables = []
    for painful, resolved in KINDS:
        extra, transferred, probability = profiles(int(painful))
        trigger = trigger_probability(painful, resolved, transferred, extra, fixed)
        tables.append((extra, transferred, probability, trigger))
    return tables


TABLES = [kind_tables(mask) for mask in range(MASKS)]
TRIGGER_BY_MASK = np.array([[(probability * trigger).sum() for _, _, probability, trigger in TABLES[mask]]
                            for mask in range(MASKS)])  # mean trigger probability by fix mask, case kind


def draw_profiles(rng: np.random.Generator, painful: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(extra contacts, transferred) of cases of pain `painful`: Poisson(FOLLOW_UPS) extra contacts, and
    transferred when any of the case's contacts is (each with probability TRANSFERRED)."""
    painful = np.asarray(painful, bool)
    extra = rng.poisson(np.where(painful, FOLLOW_UPS[1], FOLLOW_UPS[0]))
    none = (1 - np.where(painful, TRANSFERRED[1], TRANSFERRED[0])) ** (extra + 1)
    return extra, rng.random(len(painful)) >= none


@dataclass
class EngagedCases:
    """The support cases a customer would have while Engaged (until the drift onset, a direct churn or the
    world's end), in order of customer, then time, each with its profile, fix mask and whether it triggers
    At-risk: the first that does is the onset, and the cases after it are not (the customer is At-risk then)."""

    customer: np.ndarray
    time: np.ndarray
    kind: np.ndarray
    extra: np.ndarray
    transferred: np.ndarray
    fixed: np.ndarray
    triggers: np.ndarray

    def first_trigger(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Per customer, the time of the first case that triggers (inf when none) and its row (-1 when none)."""
        rows = np.flatnonzero(self.triggers)
        customer = self.customer[rows]
        first = np.ones(len(rows), bool)
        first[1:] = customer[1:] != customer[:-1]  # rows are in order of customer, then time
        time, row = np.full(n, np.inf), np.full(n, -1)
        time[customer[first]], row[customer[first]] = self.time[rows[first]], rows[first]
        return time, row
