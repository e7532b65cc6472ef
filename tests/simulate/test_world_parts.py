"""A world written in parts: deterministic for (seed, partitions), customers unique and each in one part."""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.data.load import read_parts, read_table
from cxmodels.simulate import read_truth
from cxmodels.simulate.dirty import DIRTY_FILE
from cxmodels.simulate.parts import simulate_parts
from cxmodels.simulate.truth import TRUTH_DIR


def simulate_cli(out, *options):
    result = CliRunner().invoke(app, ["simulate", str(out), "--customers", "90", "--seed", "4", "--contractual",
                                      *options])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def parts_world(tmp_path_factory):
    out = tmp_path_factory.mktemp("parts") / "world"
    simulate_cli(out, "--partitions", "3", "--dirty-fraction", "0.05")
    return out


def test_the_same_seed_and_partitions_write_the_same_parts(parts_world, tmp_path):
    simulate_cli(tmp_path / "again", "--partitions", "3", "--dirty-fraction", "0.05")
    files = sorted(p.relative_to(parts_world) for p in parts_world.rglob("*.parquet"))
    assert len(files) == 3 * (6 + 4) and files == sorted(p.relative_to(tmp_path / "again")
                                                         for p in (tmp_path / "again").rglob("*.parquet"))
    for file in files:
        assert (parts_world / file).read_bytes() == (tmp_path / "again" / file).read_bytes(), file


def test_customer_ids_are_unique_across_parts_and_each_customers_rows_are_in_its_part():
    parts = list(simulate_parts(90, 3, seed=4, contractual=True))
    ids = [set(part.tables["customers"]["customer_id"]) for part in parts]
    assert [len(i) for i in ids] == [30, 30, 30] and len(set.union(*ids)) == 90
    assert min(ids[1]) > max(ids[0]) and min(ids[2]) > max(ids[1])
    for part, own in zip(parts, ids):
        for name, table in part.tables.items():
            assert set(table["customer_id"]) <= own, name
        assert set(part.truth["customer_id"]) == own
    orders = [set(part.tables["transactions"]["order_id"]) for part in parts]
    assert not orders[0] & orders[1] and not orders[1] & orders[2]


def test_a_world_in_parts_validates_with_its_dirty_rows_where_the_truth_says(parts_world):
    assert len(read_truth(parts_world, "customer")) == 90
    result = CliRunner().invoke(app, ["validate", str(parts_world)])
    assert result.exit_code == 1 and "transactions/ (3 parts)" in result.output
    dirty = read_table(parts_world / TRUTH_DIR / Path(DIRTY_FILE).stem)
    rows = dirty.query("table == 'transactions' and kind == 'non_finite_amount'")["row"].to_numpy()
    amounts = pd.to_numeric(read_table(parts_world / "transactions")["amount"].iloc[rows], errors="coerce")
    assert len(rows) > 3 and rows.max() > len(read_parts_first(parts_world / "transactions"))
    assert not amounts.between(-1e9, 1e9).any()  # positions in the concatenation: each is a broken amount


def read_parts_first(folder):
    return next(read_parts(folder))[1]


def test_csv_parts_are_refused():
    result = CliRunner().invoke(app, ["simulate", "unused", "--partitions", "2", "--format", "csv"])
    assert result.exit_code == 2 and "--format" in result.output


def test_a_world_written_again_in_one_part_replaces_its_parts(tmp_path):
    simulate_cli(tmp_path, "--partitions", "2")
    simulate_cli(tmp_path)
    assert not (tmp_path / "transactions").exists() and not (tmp_path / TRUTH_DIR / "customer_truth").exists()
    assert CliRunner().invoke(app, ["validate", str(tmp_path)]).exit_code == 0
