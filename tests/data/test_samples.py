import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.data.samples import cdnow


@pytest.mark.parametrize(("sample", "customers", "rows"), [(True, 2_357, 6_919), (False, 23_570, 69_659)])
def test_cdnow_counts_and_types(sample, customers, rows):
    tx = cdnow(sample=sample)["transactions"]
    assert len(tx) == rows
    assert tx["customer_id"].nunique() == customers
    assert tx["customer_id"].str.len().eq(5).all()  # "00004" keeps its leading zeros
    assert str(tx["timestamp"].dt.tz) == "UTC"
    assert tx["timestamp"].min() == pd.Timestamp("1997-01-01", tz="UTC")
    assert tx["timestamp"].max() <= pd.Timestamp("1998-06-30", tz="UTC")
    assert tx["order_id"].is_unique  # repeated identical orders on one day stay separate orders


def test_sample_customers_are_master_customers():
    sample = cdnow(sample=True)["transactions"]
    master = cdnow(sample=False)["transactions"]
    merged = sample.merge(master, on=["customer_id", "timestamp", "amount"], how="left", indicator=True)
    assert merged["_merge"].eq("both").all()


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_cli_writes_a_valid_dataset(tmp_path, file_format):
    from cxmodels.data import load_dataset

    out = tmp_path / "cdnow"
    result = CliRunner().invoke(app, ["sample", "cdnow", str(out), "--sample", "--format", file_format])
    assert result.exit_code == 0, result.output
    dataset = load_dataset(out)
    expected = cdnow(sample=True)["transactions"]
    assert len(dataset.transactions) == len(expected)
    assert dataset.transactions["customer_id"].iloc[0] == "00004"
    assert dataset.transactions["amount"].sum() == pytest.approx(expected["amount"].sum())
