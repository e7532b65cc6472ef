"""The training configuration: defaults, the example file, and refusals that name the key."""

from pathlib import Path

import pytest

from training.config import TrainingConfig, load_config
from training.search import grid

EXAMPLE = Path(__file__).parents[2] / "training" / "default.toml"


def test_the_example_file_holds_the_defaults():
    assert load_config(EXAMPLE) == load_config() == TrainingConfig()


def test_a_file_overrides_any_value(tmp_path):
    path = tmp_path / "train.toml"
    path.write_text('seed = 7\n[features]\ntime_unit = "weeks"\nwindows = [14, 28]\n[churn]\ncalibration = "none"\n')
    config = load_config(path)
    assert (config.seed, config.features.time_unit, config.features.windows) == (7, "weeks", (14, 28))
    assert config.churn.model_params()["calibration"] is None
    assert config.snapshots == TrainingConfig().snapshots


@pytest.mark.parametrize("text, key", [("sed = 1\n", "'sed'"), ("[churn]\nleaves = 3\n", "'churn.leaves'"),
                                        ("[features]\nwindow = [3]\n", "'features.window'")])
def test_an_unknown_key_is_an_error_naming_it(tmp_path, text, key):
    path = tmp_path / "train.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=key):
        load_config(path)


@pytest.mark.parametrize("text", ["[snapshots]\ncount = 1\n", "[clv]\nmodel = 'magic'\n",
                                  "[features]\ntime_unit = 'months'\n"])
def test_a_bad_value_is_an_error(tmp_path, text):
    path = tmp_path / "train.toml"
    path.write_text(text)
    with pytest.raises(ValueError):
        load_config(path)


def test_flat_names_every_setting_by_section():
    flat = TrainingConfig().flat()
    assert flat["snapshots.horizon_days"] == 90 and flat["churn.learning_rate"] == 0.1 and flat["seed"] == 0


def test_the_search_grid_is_the_product_of_the_listed_values(tmp_path):
    path = tmp_path / "train.toml"
    path.write_text("[search]\nnum_leaves = [7, 15]\nlearning_rate = [0.05, 0.1, 0.2]\n")
    points = grid(load_config(path))
    assert len(points) == 6 and {(p.num_leaves, p.learning_rate) for p in points} == {
        (leaves, rate) for leaves in (7, 15) for rate in (0.05, 0.1, 0.2)}
    assert all(p.min_child_samples == TrainingConfig().churn.min_child_samples for p in points)
    assert grid(TrainingConfig()) == [TrainingConfig().churn]
