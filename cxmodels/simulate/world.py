"""Simulate a whole world, and write it as a dataset folder with its truth."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cxmodels.data.contract import FILE_FORMATS, TABLES
from cxmodels.data.cutoff import utc_timestamp
from cxmodels.data.io import write_tables
from cxmodels.errors import ConfigError
from cxmodels.simulate.contacts import simulate_contacts
from cxmodels.simulate.dirty import DIRTY_FILE, corrupt, no_dirty_rows
from cxmodels.simulate.events import simulate_events
from cxmodels.simulate.population import cancellations_table, customers_table, draw_population
from cxmodels.simulate.surveys import simulate_surveys
from cxmodels.simulate.transactions import simulate_transactions
from cxmodels.simulate.triggers import FIXABLE, fix_mask
from cxmodels.simulate.truth import TRUTH_DIR, TRUTH_FILES, case_truth_frame, truth_frame


@dataclass
class World:
    """A simulated dataset: contract tables, their truth, and the rows corrupted on purpose.

    `truth` has a row per customer (`truth_frame`), `case_truth` per support case
    (`case_truth_frame`), `survey_truth` per row of the clean surveys table: its customer_id,
    timestamp and survey, and `engaged_mean`, the latent score's mean had the customer been Engaged.
    """

    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    case_truth: pd.DataFrame
    survey_truth: pd.DataFrame
    dirty: pd.DataFrame  # table, row (0-based position in the table), kind; empty when clean
    start: pd.Timestamp
    end: pd.Timestamp


def simulate(n_customers: int, seed: int = 0, contractual: bool = False, dirty_fraction: float = 0.0,
             start="2023-01-01", end="2026-01-01", contact_factor: float = 1.0,
             engagement_factor: float = 1.0, fixes: dict[str, float] | None = None) -> World:
    """Simulate `n_customers` from signup to `end`; the same arguments give the same world.

    `contractual` adds a cancellations table. `dirty_fraction` > 0 adds that share of
    corrupted rows to every table; the other rows are exactly those of the clean world.
    `contact_factor` and `engagement_factor` scale every customer's rate of support cases and of
    digital sessions (logins): a changed world, e.g. for monitoring (more cases also mean more
    customers turned at-risk by a bad one).
    `fixes` ({problem: share}, problems of triggers.FIXABLE) removes what each problem does to the churn risk
    (its part of a case's trigger probability) for a random share of the customers: the same world otherwise
    (same seed: the same customers, traits and cases, each case triggering when its uniform draw falls below
    the smaller probability), for what-if checks; their cases still show the problem. The references assume
    the world as is.
    """
    start, end = check_options(n_customers, dirty_fraction, start, end, contact_factor, engagement_factor)
    return simulate_part(n_customers, np.random.SeedSequence(seed), 1, n_customers, contractual, dirty_fraction,
                         start, end, contact_factor, engagement_factor, fixes)


def check_options(n_customers: int, dirty_fraction: float, start, end, contact_factor: float,
                  engagement_factor: float) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Refuse options `simulate` cannot have, naming them; the world's start and end as UTC timestamps."""
    if n_customers < 1:
        raise ConfigError(f"n_customers must be at least 1, got {n_customers}")
    if min(contact_factor, engagement_factor) <= 0:
        raise ConfigError(f"contact_factor and engagement_factor must be positive, got {contact_factor}, "
                          f"{engagement_factor}")
    if not 0 <= dirty_fraction < 1:
        raise ConfigError(f"dirty_fraction must be in [0, 1), got {dirty_fraction}")
    start, end = utc_timestamp(start), utc_timestamp(end)
    if end <= start:
        raise ConfigError(f"end {end} must come after start {start}")
    return start, end


def simulate_part(n_customers: int, seeds: np.random.SeedSequence, first_id: int, total: int, contractual: bool,
                  dirty_fraction: float, start: pd.Timestamp, end: pd.Timestamp, contact_factor: float,
                  engagement_factor: float, fixes: dict[str, float] | None) -> World:
    """The world of `simulate` (arguments checked) for `n_customers` numbered from `first_id`, of `total` in all
    (unknown ids of dirty rows are past `total`), drawn from the streams of `seeds`."""
    streams = [np.random.default_rng(s) for s in seeds.spawn(8)]
    pop = draw_population(n_customers, start, (end - start) / pd.Timedelta(days=1), streams[0], contact_factor,
                          engagement_factor, fixed_problems(fixes or {}, n_customers, streams[7]), first_id, total)
    transactions, purchases = simulate_transactions(pop, streams[1])
    contacts, cases, trigger_case_id = simulate_contacts(pop, streams[2])
    surveys, engaged_mean = simulate_surveys(pop, purchases, cases, streams[3])
    survey_truth = surveys[["customer_id", "timestamp", "survey"]].assign(engaged_mean=engaged_mean)
    tables = {
        "customers": customers_table(pop),
        "transactions": transactions,
        "contacts": contacts,
        "surveys": surveys,
        "events": simulate_events(pop, streams[4]),
    }
    if contractual:
        tables["cancellations"] = cancellations_table(pop, streams[5])
    dirty = no_dirty_rows()
    if dirty_fraction > 0:
        tables, dirty = corrupt(tables, dirty_fraction, total, streams[6])
    return World(tables=tables, truth=truth_frame(pop, trigger_case_id), case_truth=case_truth_frame(pop, cases),
                 survey_truth=survey_truth, dirty=dirty, start=start, end=end)


def fixed_problems(fixes: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    """Per customer, the bit mask of the problems of `fixes` ({problem: share}) removed for them: each problem for
    an independent random `share` of the customers."""
    unknown = sorted(set(fixes) - set(FIXABLE))
    if unknown:
        raise ConfigError(f"fixes: no problem {unknown[0]!r}; the problems are {', '.join(FIXABLE)}")
    mask = np.zeros(n, np.int64)
    for problem in FIXABLE:  # one draw per problem, fixed or not: a fix of one problem leaves the others' draws alone
        draw = rng.random(n)
        share = fixes.get(problem, 0.0)
        if not 0 <= share <= 1:
            raise ConfigError(f"fixes: the share of {problem} must be in [0, 1], got {share!r}")
        mask |= np.where(draw < share, fix_mask([problem]), 0)
    return mask


def write_world(world: World, out_dir: Path | str, file_format: str = "parquet") -> None:
    """Write the tables to `out_dir` (removing contract tables the world lacks) and the truths to `out_dir/truth/`."""
    out_dir = Path(out_dir)
    remove_tables(out_dir)
    write_tables(world.tables, out_dir, file_format)
    write_tables(truth_tables(world), out_dir / TRUTH_DIR, "parquet")


def remove_tables(out_dir: Path) -> None:
    """Remove every contract table and truth of a world folder, as a file or a folder of parts: a world written
    again replaces them all."""
    truths = [Path(name).stem for name in (*TRUTH_FILES.values(), DIRTY_FILE)]
    for folder, names in ((out_dir, TABLES), (out_dir / TRUTH_DIR, truths)):
        for name in names:
            for stale in FILE_FORMATS:
                (folder / f"{name}.{stale}").unlink(missing_ok=True)
            shutil.rmtree(folder / name, ignore_errors=True)


def truth_tables(world: World) -> dict[str, pd.DataFrame]:
    """The world's truths by the names of their files in `truth/` (without `.parquet`)."""
    return {Path(TRUTH_FILES["customer"]).stem: world.truth, Path(TRUTH_FILES["case"]).stem: world.case_truth,
            Path(TRUTH_FILES["survey"]).stem: world.survey_truth, Path(DIRTY_FILE).stem: world.dirty}
