"""The integer coding under every feature: text ids encoded on several threads as in one pass, and distinct
(customer, key) pairs the same whether their composites fit 32 bits or need 64."""

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from cxmodels.data import codes
from cxmodels.data.codes import encode_text
from cxmodels.features.per_customer import distinct_pairs


def test_ids_encoded_in_slices_on_threads_give_the_codes_and_dictionary_of_one_pass(monkeypatch):
    rng = np.random.default_rng(1)
    ids = pd.Series(np.array([f"C{i}" for i in rng.integers(0, 500, 5000)], dtype=object), dtype="str")
    ids[rng.random(5000) < 0.05] = None
    one = pc.dictionary_encode(codes.to_arrow(ids)).combine_chunks()
    monkeypatch.setattr(codes, "PARALLEL_ROWS", 100)
    monkeypatch.setattr(codes.os, "cpu_count", lambda: 3)
    sliced, dictionary = encode_text(ids)
    assert list(dictionary) == one.dictionary.to_pylist()  # the order of first appearance
    np.testing.assert_array_equal(sliced, one.indices.fill_null(-1).to_numpy())
    keep = rng.random(5000) < 0.5
    kept, kept_dictionary = encode_text(ids, keep)
    np.testing.assert_array_equal(np.asarray(kept_dictionary, dtype=object)[kept[kept >= 0]],
                                  ids[keep].dropna().to_numpy(dtype=object))


def test_distinct_pairs_are_the_same_in_32_and_64_bits():
    rng = np.random.default_rng(2)
    key = rng.integers(-1, 1000, 20_000)
    small = rng.integers(0, 2 ** 21 - 1, 20_000)  # with 10 key bits: 31 bits, uint32
    for code in (small, small + 2 ** 40):  # too wide for 32 bits: int64
        found = distinct_pairs(code, key, 1000)
        known = key >= 0
        expected = np.unique(np.stack([code[known], key[known]]), axis=1)
        assert all(part.dtype == np.int64 for part in found)
        np.testing.assert_array_equal(np.stack(found), expected)
