"""A table given as a folder of Parquet parts (plain or hive-partitioned) reads and validates as the same table in one
file."""

import pandas as pd
import pytest

from cxmodels.data import load_dataset
from cxmodels.data.io import write_parts, write_tables
from cxmodels.data.validate import validate_dataset
from cxmodels.simulate import simulate


@pytest.fixture(scope="module")
def world():
    return simulate(300, seed=4, contractual=True)


def test_a_dataset_whose_tables_are_folders_of_parts_loads_as_the_same_tables(world, tmp_path):
    write_tables(world.tables, tmp_path / "files")
    for name, frame in world.tables.items():
        if name == "customers":
            write_tables({name: frame}, tmp_path / "parts")
        else:
            write_parts(frame, tmp_path / "parts" / name, parts=3)
    assert len(list((tmp_path / "parts" / "transactions").glob("*.parquet"))) == 3
    files, parts = load_dataset(tmp_path / "files"), load_dataset(tmp_path / "parts")
    for name, frame in files.tables.items():
        pd.testing.assert_frame_equal(parts.tables[name], frame, obj=name)
    report = validate_dataset(tmp_path / "parts").report
    assert report.tables["transactions"].read == len(world.tables["transactions"])
    assert report.tables["transactions"].file == "transactions/"


def test_hive_partitions_become_text_columns(world, tmp_path):
    transactions = world.tables["transactions"]
    year = transactions["timestamp"].dt.year
    for value in sorted(year.unique()):
        write_parts(transactions[year == value], tmp_path / "transactions" / f"year={value}", parts=2)
    read = load_dataset(tmp_path).transactions
    assert read["year"].tolist() == year.sort_values(kind="stable").astype(str).tolist()
    expected = pd.concat([transactions[year == value] for value in sorted(year.unique())], ignore_index=True)
    assert read["order_id"].tolist() == expected["order_id"].tolist()  # parts in the sorted order of their paths


def test_a_table_both_as_a_file_and_a_folder_or_an_empty_folder_is_a_structural_problem(world, tmp_path):
    write_tables({"transactions": world.tables["transactions"]}, tmp_path)
    write_parts(world.tables["transactions"], tmp_path / "transactions", parts=2)
    (tmp_path / "contacts").mkdir()
    problems = [str(p) for p in validate_dataset(tmp_path).report.problems]
    assert any("both transactions.parquet and transactions are present: keep one" in p for p in problems), problems
    assert any("the folder contacts/ has no .parquet files" in p for p in problems), problems


def test_a_broken_part_is_named(world, tmp_path):
    write_parts(world.tables["transactions"], tmp_path / "transactions", parts=2)
    (tmp_path / "transactions" / "part-00001.parquet").write_bytes(b"not parquet")
    problems = [str(p) for p in validate_dataset(tmp_path).report.problems]
    assert any("part part-00001.parquet:" in p for p in problems), problems
