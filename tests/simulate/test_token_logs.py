"""Observed token counts: reading JSONL and CSV logs, and scenarios that draw on them with tokens_from."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from routecli.errors import InputError, InputFileError, InvalidValueError
from routecli.simulate.costmodel import simulate
from routecli.simulate.distributions import Empirical
from routecli.simulate.scenario_file import load_scenario, read_scenario
from routecli.simulate.token_logs import read_token_log
from tests.helpers.cli import refused
from tests.helpers.files import write

D = Decimal


def jsonl(path: Path, *records: object) -> Path:
    return write(path, "".join(json.dumps(record) + "\n" for record in records))


# ----------------------------------------------------------------- reading


def test_jsonl_reads_every_common_field_name(tmp_path: Path) -> None:
    log = read_token_log(
        jsonl(
            tmp_path / "log.jsonl",
            {"input_tokens": 100, "output_tokens": 10},
            {"usage": {"prompt_tokens": 200, "completion_tokens": 20}},
            {"prompt_tokens": 300, "usage": {"output_tokens": 30}},
            {"segment": "hard", "usage": {"input_tokens": 400, "completion_tokens": 40}},
        )
    )
    assert log.rows == ((None, 100, 10), (None, 200, 20), (None, 300, 30), ("hard", 400, 40))
    assert log.path == tmp_path / "log.jsonl"


def test_jsonl_skips_blank_lines_and_accepts_whole_floats(tmp_path: Path) -> None:
    path = write(tmp_path / "log.jsonl", '{"input_tokens": 100.0, "output_tokens": "7"}\n\n   \n')
    assert read_token_log(path).rows == ((None, 100, 7),)


def test_csv_with_prompt_and_completion_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path / "log.csv",
        "segment,prompt_tokens,completion_tokens\neasy,100,10\nhard,3000,300\n,50,5\n",
    )
    assert read_token_log(path).rows == (("easy", 100, 10), ("hard", 3000, 300), (None, 50, 5))


def test_csv_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = write(tmp_path / "LOG.CSV", "input_tokens,output_tokens\n1,2\n")
    assert read_token_log(path).rows == ((None, 1, 2),)


def test_csv_empty_cell_falls_back_to_the_other_name(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", "input_tokens,prompt_tokens,output_tokens\n,120,12\n")
    assert read_token_log(path).rows == ((None, 120, 12),)


@pytest.mark.parametrize(
    ("header", "found"),
    [
        pytest.param("prompt,output_tokens", "prompt, output_tokens", id="no-prompt-column"),
        pytest.param("input_tokens,completion", "input_tokens, completion", id="no-output-column"),
        pytest.param("", "nothing", id="empty-file"),
    ],
)
def test_csv_header_must_name_both_counts(tmp_path: Path, header: str, found: str) -> None:
    path = write(tmp_path / "log.csv", header + ("\n1,2\n" if header else ""))
    with pytest.raises(InvalidValueError) as caught:
        read_token_log(path)
    assert str(caught.value) == (
        f"{path}:1: the header needs a prompt column (input_tokens or prompt_tokens) and an output column "
        f"(output_tokens or completion_tokens); found: {found}"
    )


def test_bad_json_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "log.jsonl",
        '{"input_tokens": 1, "output_tokens": 1}\n\n{"input_tokens": 2, "output_tokens": \n',
    )
    with pytest.raises(InvalidValueError) as caught:
        read_token_log(path)
    assert str(caught.value).startswith(f"{path}:3: not valid JSON: ")


def test_json_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = write(tmp_path / "log.jsonl", '{"input_tokens": 1, "output_tokens": 1}\n[1, 2]\n')
    with pytest.raises(InvalidValueError, match="expected a JSON object per line") as caught:
        read_token_log(path)
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ("record", "message"),
    [
        pytest.param(
            {"input_tokens": -5, "output_tokens": 1},
            "input_tokens: expected a whole number of tokens ≥ 0, got -5",
            id="negative",
        ),
        pytest.param(
            {"input_tokens": 5, "output_tokens": 1.5},
            "output_tokens: expected a whole number of tokens ≥ 0, got 1.5",
            id="fraction",
        ),
        pytest.param(
            {"usage": {"prompt_tokens": "many", "completion_tokens": 1}},
            "prompt_tokens: expected a token count, got 'many'",
            id="text",
        ),
        pytest.param(
            {"input_tokens": [1], "output_tokens": 1},
            "input_tokens: expected a token count, got [1]",
            id="list",
        ),
        pytest.param({"input_tokens": 5}, "missing output_tokens or completion_tokens", id="missing-output"),
        pytest.param({"tokens": 5}, "missing input_tokens or prompt_tokens", id="missing-both"),
    ],
)
def test_bad_count_names_the_file_and_line(tmp_path: Path, record: object, message: str) -> None:
    path = jsonl(tmp_path / "log.jsonl", {"input_tokens": 1, "output_tokens": 1}, record)
    with pytest.raises(InvalidValueError) as caught:
        read_token_log(path)
    assert str(caught.value) == f"{path}:2: {message}"


def test_bad_csv_count_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", "input_tokens,output_tokens\n1,2\n3,-4\n")
    with pytest.raises(InvalidValueError) as caught:
        read_token_log(path)
    assert str(caught.value) == f"{path}:3: output_tokens: expected a whole number of tokens ≥ 0, got '-4'"


def test_a_boolean_is_not_a_token_count(tmp_path: Path) -> None:
    # JSON true is not a count; float(True) == 1.0 must not sneak it through as one token
    path = jsonl(tmp_path / "log.jsonl", {"input_tokens": True, "output_tokens": 1})
    with pytest.raises(InvalidValueError, match="input_tokens: expected a token count"):
        read_token_log(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n"], ids=["empty", "blank-lines"])
def test_empty_log_is_an_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "log.jsonl", text)
    with pytest.raises(InputFileError) as caught:
        read_token_log(path)
    assert str(caught.value) == f"{path}: the token log has no rows"


def test_missing_log(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        read_token_log(tmp_path / "nope.jsonl")
    assert str(caught.value) == f"{tmp_path / 'nope.jsonl'}: token log not found"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("log.csv", "input_tokens,output_tokens\n100,10\n", id="csv"),
        pytest.param("log.jsonl", '{"input_tokens": 100, "output_tokens": 10}\n', id="jsonl"),
    ],
)
def test_a_byte_order_mark_is_ignored(tmp_path: Path, name: str, text: str) -> None:
    # Excel's "CSV UTF-8" (and some Windows tools) start the file with U+FEFF
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert read_token_log(path).rows == ((None, 100, 10),)


def test_pairs_by_segment(tmp_path: Path) -> None:
    log = read_token_log(
        jsonl(
            tmp_path / "log.jsonl",
            {"segment": "easy", "input_tokens": 1, "output_tokens": 2},
            {"segment": "hard", "input_tokens": 3, "output_tokens": 4},
            {"segment": "easy", "input_tokens": 5, "output_tokens": 6},
        )
    )
    assert log.has_segments
    assert log.pairs("easy") == [(1, 2), (5, 6)]
    assert log.pairs("hard") == [(3, 4)]
    assert log.pairs("other") == []
    assert log.pairs(None) == [(1, 2), (3, 4), (5, 6)]


def test_pairs_without_segments_are_every_row(tmp_path: Path) -> None:
    log = read_token_log(jsonl(tmp_path / "log.jsonl", {"input_tokens": 1, "output_tokens": 2}))
    assert not log.has_segments
    assert log.pairs("anything") == [(1, 2)]


# ---------------------------------------------------------------- scenarios

SCENARIO = """\
name: observed
traffic:
  requests_per_month: 1000
  tokens_from: tokens.jsonl
  segments:
    - {name: easy, share: 0.5}
    - {name: hard, share: 0.5}
models:
  long:
    price:
      input_per_mtok: 2
      output_per_mtok: 8
      long_context: {above_tokens: 8000, input_per_mtok: 4, output_per_mtok: 12}
strategies:
  - {name: only, type: single, model: long}
"""

ROWS = [
    {"segment": "easy", "input_tokens": 1000, "output_tokens": 100},
    {"segment": "easy", "usage": {"prompt_tokens": 3000, "completion_tokens": 300}},
    {"segment": "hard", "input_tokens": 9000, "output_tokens": 900},
    {"segment": "hard", "input_tokens": 5000, "output_tokens": 500},
    {"segment": "hard", "input_tokens": 1000, "output_tokens": 100},
]


def test_traffic_tokens_from_sends_rows_to_their_segments(tmp_path: Path) -> None:
    jsonl(tmp_path / "tokens.jsonl", *ROWS)
    easy, hard = load_scenario(write(tmp_path / "s.yaml", SCENARIO)).segments
    assert isinstance(easy.tokens, Empirical)
    assert isinstance(hard.tokens, Empirical)
    # easy: (1000 + 3000) / 2 = 2000 in, (100 + 300) / 2 = 200 out; hard: 15000 / 3 = 5000 in, 1500 / 3 = 500 out
    assert (easy.input_tokens, easy.output_tokens) == (D(2000), D(200))
    assert (hard.input_tokens, hard.output_tokens) == (D(5000), D(500))
    assert len(easy.tokens) == 2
    assert len(hard.tokens) == 3


def test_observed_pairs_are_priced_request_by_request(tmp_path: Path) -> None:
    jsonl(tmp_path / "tokens.jsonl", *ROWS)
    result = simulate(load_scenario(write(tmp_path / "s.yaml", SCENARIO))).strategies[0]
    # USD per 1M requests (×1e6): easy: 1000×2 + 100×8 = 2800, 3000×2 + 300×8 = 8400 → mean 5600
    # hard: 9000 > 8000 at long rates: 9000×4 + 900×12 = 46800; 5000×2 + 500×8 = 14000; 1000×2 + 100×8 = 2800
    #       → mean 63600 / 3 = 21200
    # per request: (0.5 × 5600 + 0.5 × 21200) / 1e6 = 13400 / 1e6 = 0.0134 → ×1000 = $13.40
    assert result.cost_per_request == D("0.0134")
    assert result.monthly_cost == D("13.4")


def test_segment_tokens_from_and_counts_mix(tmp_path: Path) -> None:
    write(tmp_path / "hard.csv", "input_tokens,output_tokens\n100,10\n300,30\n")
    text = SCENARIO.replace("  tokens_from: tokens.jsonl\n", "").replace(
        "    - {name: easy, share: 0.5}\n    - {name: hard, share: 0.5}\n",
        "    - {name: easy, share: 0.5, input_tokens: 50, output_tokens: 5}\n"
        "    - {name: hard, share: 0.5, tokens_from: hard.csv}\n",
    )
    easy, hard = load_scenario(write(tmp_path / "s.yaml", text)).segments
    assert easy.tokens is None
    assert isinstance(hard.tokens, Empirical)
    assert (hard.input_tokens, hard.output_tokens) == (D(200), D(20))


def test_tokens_from_is_relative_to_the_scenario(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir()
    jsonl(folder / "tokens.jsonl", *ROWS)
    source = read_scenario(write(folder / "s.yaml", SCENARIO))
    assert list(source.token_logs) == ["tokens.jsonl"]
    assert source.build().segments[0].input_tokens == D(2000)


def test_log_without_segments_feeds_every_segment(tmp_path: Path) -> None:
    jsonl(
        tmp_path / "tokens.jsonl",
        {"input_tokens": 100, "output_tokens": 10},
        {"input_tokens": 300, "output_tokens": 30},
    )
    easy, hard = load_scenario(write(tmp_path / "s.yaml", SCENARIO)).segments
    assert easy.input_tokens == hard.input_tokens == D(200)


def test_segment_without_rows_is_named(tmp_path: Path) -> None:
    jsonl(tmp_path / "tokens.jsonl", *ROWS[:2])
    path = write(tmp_path / "s.yaml", SCENARIO)
    assert (
        refused("simulate", str(path)) == f"{path}:4: traffic.tokens_from: tokens.jsonl has no rows for segment 'hard'"
    )


def test_segment_level_log_without_rows_names_the_segment_line(tmp_path: Path) -> None:
    jsonl(tmp_path / "tokens.jsonl", *ROWS[:2])
    text = (
        SCENARIO.replace("  tokens_from: tokens.jsonl\n", "")
        .replace("{name: hard, share: 0.5}", "{name: hard, share: 0.5, tokens_from: tokens.jsonl}")
        .replace("{name: easy, share: 0.5}", "{name: easy, share: 0.5, input_tokens: 1, output_tokens: 1}")
    )
    path = write(tmp_path / "s.yaml", text)
    assert refused("simulate", str(path)) == (
        f"{path}:6: traffic.segments[1].tokens_from: tokens.jsonl has no rows for segment 'hard'"
    )


def test_missing_log_names_the_scenario_line(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", SCENARIO)
    err = refused("simulate", str(path))
    assert err.startswith(f"{path}:4: traffic.tokens_from: token log 'tokens.jsonl' not found")


def test_bad_log_line_is_reported_through_the_cli(tmp_path: Path) -> None:
    log = write(tmp_path / "tokens.jsonl", '{"segment": "easy", "input_tokens": 1, "output_tokens": 1}\nnot json\n')
    err = refused("simulate", str(write(tmp_path / "s.yaml", SCENARIO)))
    assert err.startswith(f"{log}:2: not valid JSON: ")


@pytest.mark.parametrize(
    "counts",
    [
        pytest.param("  input_tokens: 100\n", id="input_tokens"),
        pytest.param("  output_tokens: 10\n", id="output_tokens"),
        pytest.param("  output_tokens: 0\n", id="output_tokens-zero"),
        pytest.param("  input_tokens: {distribution: lognormal, mean: 100, p95: 200}\n", id="distribution"),
    ],
)
def test_traffic_tokens_from_with_counts_is_refused(tmp_path: Path, counts: str) -> None:
    jsonl(tmp_path / "tokens.jsonl", *ROWS)
    path = write(
        tmp_path / "s.yaml", SCENARIO.replace("  tokens_from: tokens.jsonl\n", "  tokens_from: tokens.jsonl\n" + counts)
    )
    assert (
        refused("simulate", str(path)) == f"{path}:2: traffic: give tokens_from or input_tokens/output_tokens, not both"
    )


def test_segment_tokens_from_with_counts_is_refused(tmp_path: Path) -> None:
    jsonl(tmp_path / "tokens.jsonl", *ROWS)
    text = SCENARIO.replace("  tokens_from: tokens.jsonl\n", "  input_tokens: 1\n  output_tokens: 1\n").replace(
        "{name: hard, share: 0.5}", "{name: hard, share: 0.5, tokens_from: tokens.jsonl, input_tokens: 5}"
    )
    path = write(tmp_path / "s.yaml", text)
    assert refused("simulate", str(path)) == (
        f"{path}:8: traffic.segments[1]: give tokens_from or input_tokens/output_tokens, not both"
    )


def test_read_scenario_error_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=re.escape("token log 'tokens.jsonl' not found")):
        read_scenario(write(tmp_path / "s.yaml", SCENARIO))
