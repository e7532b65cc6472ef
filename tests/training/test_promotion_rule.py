"""The champion/challenger rule."""

import pytest

from training.registry import decide


@pytest.mark.parametrize("score, champion, promote, expected", [
    (0.7, None, None, True),   # no champion
    (0.8, 0.7, None, True),    # beats it
    (0.7, 0.7, None, False),   # a tie does not beat it
    (0.6, 0.7, None, False),
    (0.6, 0.7, True, True),    # --promote
    (0.8, 0.7, False, False),  # --no-promote
    (0.8, None, False, False),
])
def test_a_new_version_becomes_champion_when_it_beats_the_champion_or_on_request(score, champion, promote, expected):
    promoted, reason = decide(score, champion, promote)
    assert promoted is expected and reason


def test_a_champion_that_cannot_score_the_new_snapshot_is_replaced():
    promoted, reason = decide(0.6, None, None, champion_error="missing inputs ['plan']")
    assert promoted and "plan" in reason


def test_floating_point_noise_does_not_promote():
    promoted, _ = decide(0.9623597017220173, 0.9623597017220172, None)  # one ulp: the same model reloaded
    assert not promoted
    assert decide(0.9624, 0.9623, None)[0]


@pytest.mark.parametrize("champion, promote", [(None, None), (0.5, None), (None, True)])
def test_a_model_no_better_than_its_baseline_is_never_promoted(champion, promote):
    promoted, reason = decide(0.9, champion, promote, refusal="it does not beat its baseline")
    assert not promoted and reason.endswith("it does not beat its baseline")
    assert ("despite --promote" in reason) is bool(promote)
