"""Tables as folders of Parquet parts: the same dataset and report as one file per table."""

import dataclasses

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from cxmodels.data import load_dataset, validate_dataset
from cxmodels.data.io import arrow_table, write_tables
from cxmodels.data.load import read_table
from cxmodels.simulate import simulate


def write_parts(tables: dict[str, pd.DataFrame], folder, parts: int) -> None:
    """Each table as `folder/<name>/part-<k>.parquet`, its rows cut into `parts` consecutive slices."""
    for name, frame in tables.items():
        (folder / name).mkdir(parents=True)
        for k, rows in enumerate(np.array_split(np.arange(len(frame)), parts)):
            part = arrow_table(frame.iloc[rows].reset_index(drop=True))
            pq.write_table(part, folder / name / f"part-{k:02d}.parquet")


@pytest.fixture(scope="module")
def dirty_world():
    return simulate(300, seed=3, contractual=True, dirty_fraction=0.05)


def report_without_files(report) -> dict:
    """The report as a dict, without the file names (a folder shows as `name/ (N parts)`)."""
    found = report.to_dict()
    for count in found["tables"].values():
        count.pop("file")
    return found | {"path": None, "quarantine_dir": None}


def test_a_folder_of_parts_loads_the_same_tables_as_one_file_each(tmp_path):
    tables = simulate(200, seed=1, contractual=True).tables
    write_tables(tables, tmp_path / "files")
    write_parts(tables, tmp_path / "parts", 4)
    files, parts = load_dataset(tmp_path / "files"), load_dataset(tmp_path / "parts")
    for field in dataclasses.fields(files):
        expected, got = getattr(files, field.name), getattr(parts, field.name)
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(got, expected)


def test_validating_parts_reports_the_same_as_one_file_and_quarantines_every_rejected_row(dirty_world, tmp_path):
    write_tables(dirty_world.tables, tmp_path / "files")
    write_parts(dirty_world.tables, tmp_path / "parts", 3)
    one = validate_dataset(tmp_path / "files", quarantine_dir=tmp_path / "q_files")
    parts = validate_dataset(tmp_path / "parts", quarantine_dir=tmp_path / "q_parts", keep_rows=False)
    assert one.report.row_problems and any(p.rows > 1 for p in one.report.row_problems)
    assert report_without_files(parts.report) == report_without_files(one.report)
    assert parts.report.tables["transactions"].file == "transactions/ (3 parts)" and parts.dataset is None
    for name in dirty_world.tables:
        if (tmp_path / "q_files" / f"{name}.csv").exists():
            pd.testing.assert_frame_equal(read_table(tmp_path / "q_parts" / f"{name}.csv"),
                                          read_table(tmp_path / "q_files" / f"{name}.csv"))


def test_rows_repeated_across_parts_are_reported_as_in_one_file(tmp_path):
    transactions = simulate(50, seed=2).tables["transactions"].head(6)
    transactions = pd.concat([transactions, transactions.iloc[[1, 4]]], ignore_index=True)
    write_tables({"transactions": transactions}, tmp_path / "files")
    write_parts({"transactions": transactions}, tmp_path / "parts", 2)
    one, parts = validate_dataset(tmp_path / "files").report, validate_dataset(tmp_path / "parts").report
    assert [p.examples for p in parts.row_problems] == [[{"row": 7}, {"row": 8}]]
    assert report_without_files(parts) == report_without_files(one)


def test_a_hive_partitioned_folder_reads_its_keys_as_columns(tmp_path):
    transactions = simulate(50, seed=2).tables["transactions"]
    year = transactions["timestamp"].dt.year
    for value in sorted(year.unique()):
        part = tmp_path / "transactions" / f"year={value}" / "part-0.parquet"
        part.parent.mkdir(parents=True)
        pq.write_table(arrow_table(transactions[year == value]), part)
    read = read_table(tmp_path / "transactions")
    assert list(read.columns) == [*transactions.columns, "year"] and str(read["year"].dtype) == "Int64"
    pd.testing.assert_series_equal(read["year"], year.sort_values(kind="stable").reset_index(drop=True).astype("Int64"),
                                   check_names=False)
    assert len(load_dataset(tmp_path).transactions) == len(transactions)


def only_structural(report) -> str:
    [problem] = report.structural
    return problem.rule


def test_a_table_both_as_a_file_and_a_folder_is_a_structural_problem(tmp_path):
    tables = simulate(20, seed=1).tables
    write_tables(tables, tmp_path)
    write_parts({"transactions": tables["transactions"]}, tmp_path, 2)
    report = validate_dataset(tmp_path).report
    assert report.exit_code == 2
    assert only_structural(report) == "both transactions.parquet and transactions/ are present: keep one"


@pytest.mark.parametrize("stray, expected", [
    (None, "folder transactions/ holds no .parquet file: write the table's parts into it, or remove the folder"),
    ("notes.txt", "folder transactions/ holds files that are not Parquet (notes.txt): a table folder holds only "
                  ".parquet parts; move the others out"),
])
def test_an_empty_folder_or_one_with_other_files_is_a_structural_problem(tmp_path, stray, expected):
    (tmp_path / "transactions").mkdir()
    (tmp_path / "transactions" / "_SUCCESS").touch()  # left by writers, ignored
    if stray:
        (tmp_path / "transactions" / stray).write_text("x")
    report = validate_dataset(tmp_path).report
    assert report.exit_code == 2 and only_structural(report) == expected
