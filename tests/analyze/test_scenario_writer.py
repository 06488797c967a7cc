"""``--write-scenario``'s pure decisions: solving a share, the mix of models per segment."""

from __future__ import annotations

from decimal import Decimal

from routecli.analyze.records import LogRecord
from routecli.analyze.scenario_writer import MixSums, solve_share


def test_a_share_is_solved_from_a_line_and_clamped_to_0_and_1() -> None:
    # cost 10 at share 0, 6 at share 1 (slope -4): 8 is reached at 0.5
    assert solve_share(Decimal(10), Decimal(-4), Decimal(8), Decimal("0.3")) == Decimal("0.5")
    assert solve_share(Decimal(10), Decimal(-4), Decimal(11), Decimal("0.3")) == 0
    assert solve_share(Decimal(10), Decimal(-4), Decimal(2), Decimal("0.3")) == 1
    assert solve_share(Decimal(10), Decimal(0), Decimal(2), Decimal("0.3")) == Decimal("0.3")


def test_mix_sums_count_requests_and_tokens_per_segment_and_model() -> None:
    mix = MixSums()
    mix.add("chat", LogRecord("f", 1, "gpt-4o", input_tokens=10, cached_tokens=4, output_tokens=3))
    mix.add("chat", LogRecord("f", 2, "gpt-4o", input_tokens=20, cache_write_tokens=5, output_tokens=1))
    mix.add("chat", LogRecord("f", 3, None, input_tokens=7))
    assert mix.sums == {("chat", "gpt-4o"): [2, 30, 4, 5, 4], ("chat", "(no model)"): [1, 7, 0, 0, 0]}
