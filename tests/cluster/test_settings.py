"""The [cluster] table of both configurations: read, defaulted, and a bad value named."""

import pytest

from cxmodels.errors import ConfigError
from serving.config import load_serving_config
from training.config import load_config


@pytest.mark.parametrize("load", [load_config, load_serving_config])
def test_the_cluster_table_is_read_and_defaults_to_this_process(load, tmp_path):
    assert load(None).cluster.address == ""
    path = tmp_path / "c.toml"
    path.write_text('[cluster]\naddress = "local:2"\npartitions = 8\n')
    assert (load(path).cluster.address, load(path).cluster.partitions) == ("local:2", 8)


@pytest.mark.parametrize("text, named", [("partitions = -1", "cluster.partitions"), ("gather_rows = 1.5", "gather_rows"),
                                         ("address = 2", "cluster.address"), ("workers = 2", "cluster.workers")])
def test_a_bad_cluster_key_is_a_config_error_naming_it(tmp_path, text, named):
    path = tmp_path / "c.toml"
    path.write_text(f"[cluster]\n{text}\n")
    with pytest.raises(ConfigError, match=named):
        load_config(path)
