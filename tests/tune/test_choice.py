"""What tune and evaluate work on when the command line leaves it open: the pair, the score source, the keys."""

from __future__ import annotations

import numpy as np
import pytest

from routecli.errors import InvalidValueError
from routecli.tune.choice import choose_pair, choose_tune, evaluate_outcomes, resolve_score, tune_outcomes
from routecli.tune.outcomes import Outcomes

MODELS = ("cheap", "mid", "big")


def outcomes(score: bool = True) -> Outcomes:
    """big is the best, cheap the cheapest; mid between them."""
    quality = np.array([[0, 1, 1], [1, 1, 1], [0, 0, 1], [1, 1, 1]], dtype=np.float64)
    cost = np.tile(np.array([0.01, 0.02, 0.1]), (4, 1))
    scores = np.array([0.9, 0.1, 0.8, 0.2]) if score else None
    return Outcomes(("p1", "p2", "p3", "p4"), MODELS, quality, cost, score=scores, source="o.jsonl")


def test_the_default_pair_and_one_that_gives_way() -> None:
    data = outcomes()
    assert choose_pair(data, None, None) == ("cheap", "big")
    assert choose_pair(data, "big", None) == ("big", "mid")  # strong gives way to the best other
    assert choose_pair(data, None, "cheap") == ("mid", "cheap")  # weak gives way to the cheapest other
    with pytest.raises(InvalidValueError, match=r"^--weak and --strong are both mid$"):
        choose_pair(data, "mid", "mid")
    with pytest.raises(InvalidValueError, match=r"^--strong: no model 'huge' in the outcomes \(models: cheap, mid"):
        choose_pair(data, None, "huge")


def test_the_score_source() -> None:
    assert resolve_score("auto", outcomes(), absent="none") == "data"
    assert resolve_score("auto", outcomes(score=False), absent="none") == "none"
    assert resolve_score("length", outcomes(), absent="none") == "length"


def test_one_call_each() -> None:
    result = tune_outcomes(outcomes(), choose_tune(outcomes(), "route", None, None, "auto"), floor=1.0)
    assert (result.weak, result.strong, result.score, result.skipped) == ("cheap", "big", "data", {})
    assert result.choice is not None
    assert result.choice.quality == 1.0
    with pytest.raises(InvalidValueError, match=r"^o\.jsonl: --strategy cascade needs the weak model's confidence"):
        tune_outcomes(outcomes(), choose_tune(outcomes(), "cascade", None, None, "auto"), floor=1.0)
    assert evaluate_outcomes(outcomes(), score="none").score is None
    assert evaluate_outcomes(outcomes()).evaluation.router is not None
