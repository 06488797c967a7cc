"""Cost bars (and the sweep and break-even renderables) at 80 columns, without colour, with and without Unicode.

The example scenario's monthly costs are $23,750.00 (all-heavy, the baseline), $4,574.88 (routed) and
$6,892.00 (cascade). At 80 columns the labels take 11 ("all-heavy ★") and the amounts 10 characters, so a
bar may take min(80 − 11 − 10 − 2, 48) = 48 characters = 384 eighths:

    all-heavy  384 eighths = 48 full blocks
    routed     int(4574.88 / 23750 × 384) = int(73.97)  = 73  eighths = 9 full + ▏ (1/8);  "#" × round(9.125)  = 9
    cascade    int(6892 / 23750 × 384)    = int(111.43) = 111 eighths = 13 full + ▉ (7/8); "#" × round(13.875) = 14
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console, RenderableType

from routecli.render.terminal import CostBars, breakeven_renderable, sweep_renderable
from routecli.simulate.breakeven import find_breakeven
from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.scenario_file import load_scenario, read_scenario
from routecli.simulate.sweep import parse_values, run_sweep
from tests.helpers.files import write
from tests.helpers.paths import EXAMPLE

BLOCKS = "█▏▎▍▌▋▊▉"


class AsciiBuffer(io.StringIO):
    """A text buffer that says it is ASCII, as a console on a non-UTF-8 terminal does."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "ascii"


def render(renderable: RenderableType, width: int = 80, file: io.TextIOBase | None = None) -> str:
    buffer = file if file is not None else io.StringIO()
    console = Console(width=width, no_color=True, file=buffer, force_terminal=False)
    console.print(renderable)
    assert isinstance(buffer, io.StringIO)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def example() -> SimulationResult:
    return simulate(load_scenario(EXAMPLE))


def bar_of(line: str) -> str:
    return "".join(character for character in line if character in BLOCKS or character == "#")


def test_bars_at_80_columns(example: SimulationResult) -> None:
    text = render(CostBars(example))
    assert text.splitlines() == [
        "Monthly cost",
        "all-heavy ★ " + "█" * 48 + " $23,750.00",
        "routed      " + "█" * 9 + "▏" + " " * 39 + " $4,574.88",
        "cascade     " + "█" * 13 + "▉" + " " * 35 + " $6,892.00",
    ]
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "\x1b" not in text


def test_cheapest_strategy_has_the_shortest_bar(example: SimulationResult) -> None:
    lines = render(CostBars(example)).splitlines()[1:]
    lengths = {line.split()[0]: len(bar_of(line)) for line in lines}
    cheapest = min(example.strategies, key=lambda strategy: strategy.monthly_cost).name
    assert cheapest == "routed"
    assert min(lengths, key=lengths.__getitem__) == cheapest
    assert lengths == {"all-heavy": 48, "routed": 10, "cascade": 14}


def test_only_the_baseline_is_starred(example: SimulationResult) -> None:
    lines = render(CostBars(example)).splitlines()[1:]
    assert [line.startswith(f"{example.baseline} ★") for line in lines] == [True, False, False]
    assert sum("★" in line for line in lines) == 1


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_every_line_fits(example: SimulationResult, width: int) -> None:
    lines = render(CostBars(example), width).splitlines()
    assert len(lines) == 4  # nothing wrapped
    assert all(len(line) <= width for line in lines)


def test_ascii_console_draws_hashes(example: SimulationResult) -> None:
    text = render(CostBars(example), file=AsciiBuffer())
    lines = text.splitlines()[1:]
    assert not any(character in text for character in BLOCKS)
    assert [bar_of(line) for line in lines] == ["#" * 48, "#" * 9, "#" * 14]
    assert all(len(line) <= 80 for line in text.splitlines())


def test_ascii_console_output_can_be_encoded(example: SimulationResult) -> None:
    # On a real ASCII stream the fallback must not still write "★" (rich raises UnicodeEncodeError)
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    console = Console(width=80, no_color=True, file=stream, force_terminal=False)
    console.print(CostBars(example))
    stream.flush()
    assert b"#" * 48 in stream.buffer.getvalue()  # type: ignore[attr-defined]


SCENARIO = """\
name: long names
traffic: {requests_per_month: 1000, input_tokens: 1000, output_tokens: 100}
models:
  light: {price: {input_per_mtok: 1, output_per_mtok: 5}}
  heavy: {price: {input_per_mtok: 4, output_per_mtok: 20}}
strategies:
  - {name: NAME, type: single, model: heavy}
  - {name: everything on the light model, type: single, model: light}
"""


def test_labels_are_as_wide_as_the_longest_name(tmp_path: Path) -> None:
    result = simulate(load_scenario(write(tmp_path / "s.yaml", SCENARIO.replace("NAME", "heavy"))))
    lines = render(CostBars(result)).splitlines()
    assert lines[2].startswith("everything on the light model █")
    assert lines[1].index("█") == len("everything on the light model ")
    assert all(len(line) <= 80 for line in lines)


def test_long_names_are_cut_only_when_the_bars_would_not_fit(tmp_path: Path) -> None:
    result = simulate(load_scenario(write(tmp_path / "s.yaml", SCENARIO.replace("NAME", "heavy"))))
    lines = render(CostBars(result), width=40).splitlines()
    assert lines[2].startswith("everything on the ligh… ")  # 40 - "$1.50" - 2 - 10: the bars keep 10 characters
    assert all(len(line) <= 40 for line in lines)


def test_a_long_baseline_name_keeps_its_star(tmp_path: Path) -> None:
    name = "every request to the heavy model"
    result = simulate(load_scenario(write(tmp_path / "s.yaml", SCENARIO.replace("NAME", name))))
    baseline_line = render(CostBars(result)).splitlines()[1]
    assert "★" in baseline_line


def test_no_bars_when_everything_is_free(tmp_path: Path) -> None:
    text = SCENARIO.replace("NAME", "heavy").replace(
        "input_tokens: 1000, output_tokens: 100", "input_tokens: 0, output_tokens: 0"
    )
    result = simulate(load_scenario(write(tmp_path / "s.yaml", text)))
    assert result.strategies[0].monthly_cost == Decimal(0)
    lines = render(CostBars(result)).splitlines()
    assert [bar_of(line) for line in lines[1:]] == ["", ""]
    assert lines[1].endswith("$0.00")


# ------------------------------------------------- sweep and break-even renderables


def test_sweep_table_fits_80_columns() -> None:
    sweep = run_sweep(read_scenario(EXAMPLE), [parse_values("strategies.cascade.accept.light=0.5:1.0:0.25")])
    text = render(sweep_renderable(sweep))
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "Savings against the baseline, all-heavy." in text
    assert "$12,192.00" in text  # cascade at 0.5: light 0.000317 + 0.5 × heavy 0.02375 = 0.012192 × 1e6


def test_sweep_grid_fits_80_columns() -> None:
    sweep = run_sweep(
        read_scenario(EXAMPLE),
        [
            parse_values("traffic.segments.simple.share=0.4:0.9:0.1"),
            parse_values("strategies.routed.router.accuracy=0.6:1.0:0.1"),
        ],
    )
    text = render(sweep_renderable(sweep))
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "routed: monthly cost" in " ".join(text.split())


def test_breakeven_sentences_fit_80_columns() -> None:
    found = find_breakeven(read_scenario(EXAMPLE), "cascade", "strategies.cascade.accept.light", against="all-heavy")
    text = render(breakeven_renderable(found))
    assert all(len(line) <= 80 for line in text.splitlines())
    assert " ".join(text.split()).startswith("cascade costs the same as all-heavy at strategies.cascade.accept.light")
