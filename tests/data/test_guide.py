"""The worked examples of docs/bring-your-own-data.md run as written: its files, mappings and commands."""

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.data import load_dataset

ROOT = Path(__file__).parents[2]
GUIDE = (ROOT / "docs" / "bring-your-own-data.md").read_text()
FILES = dict(re.findall(r"```\w+ (\S+)\n(.*?)```", GUIDE, re.S))  # a fenced block named by its path
COMMANDS = re.findall(r"^(cxmodels import [a-z][\w/.]* .*)$", GUIDE, re.M)  # the examples', not the synopsis
RESULTS = re.findall(r"```\n(  table .*?)```", GUIDE, re.S)


@pytest.fixture
def examples(tmp_path, monkeypatch):
    for path, text in FILES.items():
        if not path.startswith("cxmodels/"):
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(command: str):
    return CliRunner().invoke(app, shlex.split(command)[1:])


def test_the_guide_shows_the_shipped_preset():
    preset = "cxmodels/data/presets/online_retail.toml"
    assert FILES[preset] == (ROOT / preset).read_text()


def test_the_order_line_example_prints_what_the_guide_shows(examples):
    result = run(COMMANDS[0])
    assert result.exit_code == 0, result.output
    for line in RESULTS[0].strip("\n").splitlines():
        assert line.rstrip() in result.output, line
    orders = load_dataset(examples / "shop-dataset").transactions.set_index("order_id")
    assert orders.loc["C489449", "amount"] == pytest.approx(-35.40) and orders.loc["C489449", "product_id"] == "22087"


def test_the_helpdesk_example_reads_local_times_scales_and_currency(examples):
    result = run(COMMANDS[1])
    assert result.exit_code == 0, result.output
    assert "1 that does not exist (read with the offset before the change)" in result.output
    dataset = load_dataset(examples / "helpdesk-dataset")
    assert dataset.transactions["amount"].tolist() == [1250.0, 80.0]
    assert dataset.surveys["score"].tolist() == [5.5, 9.0, 2.5]
    assert dataset.contacts["timestamp"].astype(str).tolist()[1] == "2024-03-10 07:30:00+00:00"


def test_the_web_events_example_maps_the_vocabulary_and_warns_about_the_rest(examples):
    result = run(COMMANDS[2])
    assert result.exit_code == 0, result.output
    assert "clickstream/*.csv (2 files)" in result.output and "'Added to Wishlist' (1 row)" in result.output
    events = load_dataset(examples / "web-dataset").events
    assert events["event"].value_counts()[["login", "help_center", "billing_page", "cancel_page"]].tolist() == \
        [3, 1, 1, 1]
