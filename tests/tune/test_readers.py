"""Outcome files: every format read into exact arrays, every error message, skipped rows, and the shared benchmarks."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from routecli.errors import InputError, InputFileError, InvalidValueError
from routecli.pricing.prices import ModelPrice, PriceTable, TokenRates
from routecli.replay.evaluators import LogprobStats
from routecli.replay.log import DecisionLog
from routecli.replay.records import Attempt, Decision, RunInfo, TierInfo
from routecli.replay.routing import RouteDecision
from routecli.tune.readers import read_outcomes
from tests.helpers.files import write
from tests.helpers.paths import REPO, SHARED

NAN = math.nan
DOC = REPO / "docs" / "outcomes.md"

# USD per 1M tokens: input 2, output 8, cache read 1, cache write 4.
PRICED = ModelPrice(id="priced-1", provider="test", standard=TokenRates(Decimal(2), Decimal(8), Decimal(1), Decimal(4)))
TABLE = PriceTable([PRICED])


def lines(*documents: object) -> str:
    return "".join(json.dumps(document) + "\n" for document in documents)


def read_error(
    paths: list[Path], *, costs: Mapping[str, Decimal] | None = None, table: PriceTable | None = None
) -> InputError:
    with pytest.raises(InputError) as caught:
        read_outcomes(paths, costs=costs, table=table)
    return caught.value


def same(actual: object, expected: list[object]) -> None:
    """Exact equality, NaN equal to NaN."""
    np.testing.assert_array_equal(actual, np.array(expected, dtype=np.float64))


# ------------------------------------------------------------------ outcomes JSONL


def test_jsonl_values_costs_tokens_and_extras() -> None:
    path = write(
        Path("outcomes.jsonl"),
        lines(
            {
                "id": "p1",
                "prompt": "What is 2+2?",
                "score": 0.42,
                "outcomes": {
                    "cheap": {"quality": 1, "cost": "0.000012", "confidence": -0.31},
                    "priced-1": {
                        "quality": 0.5,
                        "input_tokens": 1000,
                        "output_tokens": 500,
                        "cached_tokens": 200,
                        "cache_write_tokens": 100,
                    },
                },
            },
            {
                "id": 7,
                "prompt": "Hard one",
                "outcomes": {
                    "priced-1": {"quality": True, "cost": 0.25, "input_tokens": 10**9, "output_tokens": 0},
                    "cheap": {"quality": False, "cost": 0},
                },
            },
        ),
    )
    data = read_outcomes([path], table=TABLE)
    assert data.ids == ("p1", "7")
    assert data.models == ("cheap", "priced-1")
    same(data.quality, [[1, 0.5], [0, 1]])
    # priced-1, line 1: 700 plain input × $2 + 200 cached × $1 + 100 written × $4 + 500 output × $8, per 1M tokens
    # = 0.0014 + 0.0002 + 0.0004 + 0.004 = 0.006; line 2 gives a cost, so its token counts are not priced.
    same(data.cost, [[0.000012, 0.006], [0, 0.25]])
    same(data.confidence, [[-0.31, NAN], [NAN, NAN]])
    same(data.score, [0.42, NAN])
    assert data.texts == ("What is 2+2?", "Hard one")
    assert data.source == "outcomes.jsonl"
    assert data.skipped == {}


def test_jsonl_skips_repeated_ids_and_lines_missing_a_model() -> None:
    path = write(
        Path("outcomes.jsonl"),
        "\n"  # blank lines are skipped, but counted as lines
        + lines(
            {"outcomes": {"a": {"quality": 1, "cost": 1}}},  # line 2: lacks b, which line 3 has
            {"id": "x", "outcomes": {"a": {"quality": 0, "cost": 1}, "b": {"quality": 1, "cost": 2}}},
            {"id": "x", "outcomes": {"a": {"quality": 1, "cost": 9}, "b": {"quality": 1, "cost": 9}}},  # repeated
            {
                "id": "2",
                "outcomes": {"b": {"quality": 0, "cost": 3}, "c": {"quality": 1, "cost": 4}},
            },  # id "2" is line 2's
            {
                "outcomes": {
                    "b": {"quality": 0.25, "cost": 5},
                    "c": {"quality": 0, "cost": 6},
                    "a": {"quality": 1, "cost": 7},
                }
            },
        )
        + "   \n",
    )
    data = read_outcomes([path])
    assert data.models == ("a", "b", "c")  # first seen order
    assert data.ids == ("6",)  # line 3's "x" lacks c; line 6 has all three
    same(data.quality, [[1, 0.25, 0]])
    same(data.cost, [[7, 5, 6]])
    assert data.skipped == {"not every model answered": 2, "repeated id": 2}
    assert data.texts is None
    assert data.score is None
    assert data.confidence is None


def test_jsonl_texts_only_when_every_prompt_has_one() -> None:
    path = write(
        Path("outcomes.jsonl"),
        lines(
            {"prompt": "one", "outcomes": {"a": {"quality": 1, "cost": 1}}},
            {"prompt": None, "outcomes": {"a": {"quality": 1, "cost": 1}}},
        ),
    )
    assert read_outcomes([path]).texts is None


def test_jsonl_lines_orjson_refuses_are_read_as_the_standard_library_reads_them() -> None:
    # a whole number past 64 bits and a lone surrogate: orjson refuses both, json.loads takes them
    path = write(
        Path("outcomes.jsonl"),
        '{"id": 123456789012345678901234567890, "outcomes": {"a": {"quality": 1, "cost": 0.5}}}\n'
        '{"id": "\\ud800", "outcomes": {"a": {"quality": 0, "cost": 0.25}}}\n',
    )
    outcomes = read_outcomes([path])
    assert outcomes.ids == ("123456789012345678901234567890", "\ud800")
    same(outcomes.cost, [[0.5], [0.25]])


def plain_lines(count: int) -> list[str]:
    """Lines of the plain shape that the whole-column pass reads (two models, ids text or whole numbers)."""
    return [
        json.dumps(
            {
                "id": f"p{n}" if n % 3 else n,
                "score": n / 7 if n % 2 else n,
                "prompt": f"question {n}",
                "outcomes": {
                    "w": {"quality": n % 2 == 0, "cost": n / 1000, "confidence": -n / 3},
                    "s": {"quality": (n % 5) / 4, "cost": n},
                },
            }
        )
        for n in range(count)
    ]


def test_jsonl_plain_file_reads_as_line_by_line() -> None:
    # the same lines with a blank one among them go line by line (the whole-column pass takes no blank lines)
    plain = plain_lines(40)
    columns = read_outcomes([write(Path("plain.jsonl"), "\ufeff" + "\r\n".join(plain) + "\n")])
    by_line = read_outcomes([write(Path("lines.jsonl"), "\n".join([*plain[:20], "  ", *plain[20:]]) + "\n")])
    assert columns.ids == by_line.ids == tuple(f"p{n}" if n % 3 else str(n) for n in range(40))
    assert columns.models == by_line.models == ("w", "s")
    assert columns.texts == by_line.texts == tuple(f"question {n}" for n in range(40))
    for name in ("quality", "cost", "score", "confidence"):
        np.testing.assert_array_equal(getattr(columns, name), getattr(by_line, name))
    same(columns.quality[:3], [[1, 0], [0, 0.25], [1, 0.5]])
    same(columns.cost[:2], [[0, 0], [0.001, 1]])
    same(columns.score[:2], [0, 1 / 7])
    same(columns.confidence[:2], [[0, NAN], [-1 / 3, NAN]])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"quality": 1.5}, "o.jsonl:31: outcomes.w.quality: expected true/false or a number from 0 to 1, got 1.5"),
        (
            {"cost": -1},
            "o.jsonl:31: outcomes.w.cost: expected a cost in USD (a number or a decimal string, 0 or more), got -1",
        ),
        (
            {"cost": True},
            "o.jsonl:31: outcomes.w.cost: expected a cost in USD (a number or a decimal string, 0 or more), got true",
        ),
        ({"confidence": False}, "o.jsonl:31: outcomes.w.confidence: expected a number (higher: surer), got false"),
    ],
)
def test_jsonl_bad_value_deep_in_a_plain_file_named_by_line(change: dict[str, object], expected: str) -> None:
    plain = plain_lines(40)
    document = json.loads(plain[30])
    document["outcomes"]["w"].update(change)
    plain[30] = json.dumps(document)
    error = read_error([write(Path("o.jsonl"), "\n".join(plain) + "\n")])
    assert str(error) == expected


def test_jsonl_plain_file_with_a_repeated_id_skips_it() -> None:
    plain = plain_lines(10)
    outcomes = read_outcomes([write(Path("o.jsonl"), "\n".join([*plain, plain[4]]) + "\n")])
    assert outcomes.prompts == 10
    assert outcomes.skipped == {"repeated id": 1}


def test_jsonl_looked_up_in_the_shipped_tables_by_default() -> None:
    path = write(
        Path("o.jsonl"),
        lines({"outcomes": {"nonexistent-model-x": {"quality": 1, "input_tokens": 1, "output_tokens": 1}}}),
    )
    error = read_error([path])
    assert str(error).startswith(
        "o.jsonl:1: outcomes.nonexistent-model-x: no price table has model 'nonexistent-model-x'"
    )


GOOD = {"quality": 1, "cost": 0.1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            lines({"outcomes": {"a": GOOD}}) + "{nope}\n",
            "o.jsonl:2: not valid JSON: Expecting property name enclosed in double quotes (column 2)",
        ),
        ("[1]\n", 'o.jsonl:1: expected a JSON object with "outcomes", got a list'),
        (lines({"id": 1.5, "outcomes": {"a": GOOD}}), "o.jsonl:1: id: expected text or a whole number, got 1.5"),
        (lines({"id": "", "outcomes": {"a": GOOD}}), "o.jsonl:1: id: expected text or a whole number, got ''"),
        (lines({"id": True, "outcomes": {"a": GOOD}}), "o.jsonl:1: id: expected text or a whole number, got true"),
        (lines({"id": "p"}), "o.jsonl:1: outcomes: expected an object of model name -> outcome, got null"),
        (lines({"outcomes": [GOOD]}), "o.jsonl:1: outcomes: expected an object of model name -> outcome, got a list"),
        (lines({"outcomes": {"a": 1}}), 'o.jsonl:1: outcomes.a: expected an object with "quality" and "cost", got 1'),
        (
            lines({"outcomes": {"a": GOOD}}, {"outcomes": {"gpt-4o": {"quality": "yes", "cost": 1}}}),
            "o.jsonl:2: outcomes.gpt-4o.quality: expected true/false or a number from 0 to 1, got 'yes'",
        ),
        (
            lines({"outcomes": {"a": {"quality": 1.5, "cost": 1}}}),
            "o.jsonl:1: outcomes.a.quality: expected true/false or a number from 0 to 1, got 1.5",
        ),
        (
            lines({"outcomes": {"a": {"quality": -1, "cost": 1}}}),
            "o.jsonl:1: outcomes.a.quality: expected true/false or a number from 0 to 1, got -1",
        ),
        (
            lines({"outcomes": {"a": {"cost": 1}}}),
            "o.jsonl:1: outcomes.a.quality: expected true/false or a number from 0 to 1, got null",
        ),
        (
            '{"outcomes": {"a": {"quality": NaN, "cost": 1}}}\n',
            "o.jsonl:1: outcomes.a.quality: expected true/false or a number from 0 to 1, got nan",
        ),
        (
            lines({"outcomes": {"a": {"quality": 1, "cost": -0.5}}}),
            "o.jsonl:1: outcomes.a.cost: expected a cost in USD (a number or a decimal string, 0 or more), got -0.5",
        ),
        (
            lines({"outcomes": {"a": {"quality": 1, "cost": "-1"}}}),
            "o.jsonl:1: outcomes.a.cost: expected a cost in USD (a number or a decimal string, 0 or more), got '-1'",
        ),
        (
            lines({"outcomes": {"a": {"quality": 1, "cost": "cheap"}}}),
            "o.jsonl:1: outcomes.a.cost: expected a cost in USD (a number or a decimal string, 0 or more), got 'cheap'",
        ),
        (
            lines({"outcomes": {"a": {"quality": 1, "cost": "NaN"}}}),
            "o.jsonl:1: outcomes.a.cost: expected a cost in USD (a number or a decimal string, 0 or more), got 'NaN'",
        ),
        (
            '{"outcomes": {"a": {"quality": 1, "cost": 1e999}}}\n',
            "o.jsonl:1: outcomes.a.cost: expected a cost in USD (a number or a decimal string, 0 or more), got inf",
        ),
        (
            lines({"outcomes": {"a": {"quality": 1, "cost": True}}}),
            "o.jsonl:1: outcomes.a.cost: expected a cost in USD (a number or a decimal string, 0 or more), got true",
        ),
        (
            lines({"outcomes": {"a": {"quality": 1}}}),
            'o.jsonl:1: outcomes.a: expected a "cost" in USD, or "input_tokens" and "output_tokens" to price',
        ),
        (
            lines({"outcomes": {"priced-1": {"quality": 1, "input_tokens": 5}}}),
            'o.jsonl:1: outcomes.priced-1: expected a "cost" in USD, or "input_tokens" and "output_tokens" to price',
        ),
        (
            lines({"outcomes": {"priced-1": {"quality": 1, "input_tokens": -1, "output_tokens": 1}}}),
            "o.jsonl:1: outcomes.priced-1.input_tokens: expected a whole number of tokens (0 or more), got -1",
        ),
        (
            lines({"outcomes": {"priced-1": {"quality": 1, "input_tokens": 1, "output_tokens": 2.5}}}),
            "o.jsonl:1: outcomes.priced-1.output_tokens: expected a whole number of tokens (0 or more), got 2.5",
        ),
        (
            lines(
                {"outcomes": {"priced-1": {"quality": 1, "input_tokens": 9, "output_tokens": 1, "cached_tokens": "2"}}}
            ),
            "o.jsonl:1: outcomes.priced-1.cached_tokens: expected a whole number of tokens (0 or more), got '2'",
        ),
        (
            lines(
                {
                    "outcomes": {
                        "priced-1": {
                            "quality": 1,
                            "input_tokens": 9,
                            "output_tokens": 1,
                            "cached_tokens": 6,
                            "cache_write_tokens": 4,
                        }
                    }
                }
            ),
            "o.jsonl:1: outcomes.priced-1: cached_tokens and cache_write_tokens (10 together) are part of "
            "input_tokens (9), so cannot be more",
        ),
        (
            lines({"outcomes": {"priced-2": {"quality": 1, "input_tokens": 9, "output_tokens": 1}}}),
            "o.jsonl:1: outcomes.priced-2: no price table has model 'priced-2' (closest: priced-1) to price its "
            'token counts: give a "cost" in USD, or a price table with --pricing (see `routecli pricing list`)',
        ),
        (
            lines({"outcomes": {"a": {"quality": 1, "cost": 1, "confidence": "high"}}}),
            "o.jsonl:1: outcomes.a.confidence: expected a number (higher: surer), got 'high'",
        ),
        (
            '{"outcomes": {"a": {"quality": 1, "cost": 1, "confidence": -Infinity}}}\n',
            "o.jsonl:1: outcomes.a.confidence: expected a number (higher: surer), got -inf",
        ),
        (
            lines({"score": [1], "outcomes": {"a": GOOD}}),
            "o.jsonl:1: score: expected a number (higher: needs a stronger model), got a list",
        ),
        (lines({"prompt": 5, "outcomes": {"a": GOOD}}), "o.jsonl:1: prompt: expected the prompt's text, got 5"),
        (lines({"outcomes": {}}), "o.jsonl: no outcomes in the file"),
        ("\n  \n", "o.jsonl: the file is empty"),
    ],
)
def test_jsonl_errors(text: str, expected: str) -> None:
    path = write(Path("o.jsonl"), text)
    error = read_error([path], table=TABLE)
    assert isinstance(error, InvalidValueError)
    assert str(error) == expected


def test_file_errors(tmp_path: Path) -> None:
    missing = read_error([Path("nowhere.jsonl")])
    assert isinstance(missing, InputFileError)
    assert str(missing) == "nowhere.jsonl: outcome file not found"
    Path("latin1.jsonl").write_bytes(b'{"outcomes": {"caf\xe9": {"quality": 1, "cost": 1}}}\n')
    expected = "latin1.jsonl: not a text file (UTF-8): byte 0xe9 at offset 18 is not UTF-8"
    assert str(read_error([Path("latin1.jsonl")])) == expected
    header = b"prompt,gpt-4o,gpt-4o|total_cost\n"  # the bad byte far past the first chunk a CSV reader decodes
    Path("latin1.csv").write_bytes(header + b"x,1,1\n" * 3000 + b"caf\xe9,1,1\n")
    assert str(read_error([Path("latin1.csv")])) == (
        f"latin1.csv: not a text file (UTF-8): byte 0xe9 at offset {len(header) + 6 * 3000 + 3} is not UTF-8"
    )
    assert str(read_error([])) == "no outcome files given"
    write(Path("notes.csv"), "a,b\n1,2\n")
    assert str(read_error([Path("notes.csv")])) == (
        "notes.csv:1: not an outcomes file: expected routecli outcomes JSONL (a JSON object per line), a decision "
        "log, a RouterBench CSV (a header with <model>|total_cost columns) or a RouteLLM CSV (a header with a "
        "prompt column)"
    )


# ------------------------------------------------------------------ RouterBench CSV

ROUTERBENCH = """\
,sample_id,prompt,eval_name,m1,m2,m1|model_response,m2|model_response,m1|total_cost,m2|total_cost,oracle_model_to_route_to
0,q1,"two
lines",ev,1.0,0.0,A,B,0.001,0.0001,m1
1,q2,plain,ev,0.0,1.0,A,B,0.002,0.0002,m2
2,q3,empty score,ev,,1.0,A,B,0.002,0.0002,m2
3,q2,again,ev,1.0,1.0,A,B,0.002,0.0002,m2
4,q4,nan cost,ev,1.0,1.0,A,B,0.002,NaN,m2

5,q5,half,ev,0.5,1,,,0,3e-4,m2
"""


def test_routerbench() -> None:
    data = read_outcomes([write(Path("rb.csv"), ROUTERBENCH)])
    assert data.models == ("m1", "m2")
    assert data.ids == ("q1", "q2", "q5")
    same(data.quality, [[1, 0], [0, 1], [0.5, 1]])
    same(data.cost, [[0.001, 0.0001], [0.002, 0.0002], [0, 0.0003]])
    assert data.texts == ("two\nlines", "plain", "half")
    assert data.score is None
    assert data.confidence is None
    assert data.skipped == {"empty cell": 2, "repeated id": 1}


def test_routerbench_cells_keep_the_gaps_for_its_own_per_model_means() -> None:
    data = read_outcomes([write(Path("rb.csv"), ROUTERBENCH)])
    assert data.ids == ("q1", "q2", "q5")  # the figures' prompts: every model answered
    cells = data.cells
    assert cells is not None
    assert cells.ids == ("q1", "q2", "q3", "q4", "q5")  # the repeated q2 still skipped, as drop_duplicates does
    same(cells.quality, [[1, 0], [0, 1], [NAN, 1], [1, 1], [0.5, 1]])
    same(cells.cost, [[0.001, 0.0001], [0.002, 0.0002], [0.002, 0.0002], [0.002, NAN], [0, 3e-4]])
    means, totals, counts = cells.model_means()
    # m1: (1 + 0 + 1 + 0.5) / 4 cells; m2: 4 right of 5; costs summed over the non-empty cells
    same(means, [2.5 / 4, 4 / 5])
    np.testing.assert_allclose(totals, [0.007, 0.0008], rtol=1e-15)
    assert counts.tolist() == [4, 5]
    assert cells.without({"q3"}).ids == ("q1", "q2", "q4", "q5")


def test_routerbench_without_sample_id_or_prompt_numbers_the_rows() -> None:
    data = read_outcomes([write(Path("rb.csv"), "a,b,a|total_cost,b|total_cost\n1,0,0.5,0.25\n0,1,0.5,0.75\n")])
    assert data.ids == ("1", "2")
    assert data.texts is None
    same(data.cost, [[0.5, 0.25], [0.5, 0.75]])


def test_routerbench_reads_long_cells() -> None:
    long_prompt = "x" * 300_000  # above the csv module's default field limit of 131,072
    data = read_outcomes([write(Path("rb.csv"), f"sample_id,prompt,a,a|total_cost\ns1,{long_prompt},1,0.1\n")])
    assert data.texts == (long_prompt,)


HEADER = "sample_id,prompt,m1,m2,m1|total_cost,m2|total_cost\n"
MULTILINE_ROW = 'q1,"first\nsecond",1,1,0.1,0.1\n'  # lines 2-3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEADER + MULTILINE_ROW + "q2,p,1,x,0.1,0.1\n", "rb.csv:4: m2: expected a number from 0 to 1, got 'x'"),
        (HEADER + MULTILINE_ROW + "q2,p,1,1.5,0.1,0.1\n", "rb.csv:4: m2: expected a number from 0 to 1, got '1.5'"),
        (
            HEADER + "q2,p,1,1,-0.1,0.1\n",
            "rb.csv:2: m1|total_cost: expected a cost in USD (a number, 0 or more), got '-0.1'",
        ),
        (HEADER + MULTILINE_ROW + "q2,p,1,1,0.1\n", "rb.csv:4: expected 6 cells, as the header has, got 5"),
        (HEADER + ",p,1,1,0.1,0.1\n", "rb.csv:2: sample_id: expected the prompt's id, got an empty cell"),
        (
            "sample_id,m1,m1|total_cost,m2|total_cost\n",
            "rb.csv:1: m2|total_cost: a cost column without its model's score column 'm2'",
        ),
        ("sample_id,m1,m1,m1|total_cost\n", "rb.csv:1: column 'm1' appears twice in the header"),
        (HEADER + 'q1,"open,1,1,0.1,0.1\n', "rb.csv:2: not valid CSV: unexpected end of data"),
    ],
)
def test_routerbench_errors(text: str, expected: str) -> None:
    error = read_error([write(Path("rb.csv"), text)])
    assert isinstance(error, InvalidValueError)
    assert str(error) == expected


# ------------------------------------------------------------------ RouteLLM CSV

ROUTELLM = """\
prompt,weak,strong,weak_response,strong_response
What is 1+1?,True,True,2,2
"Hard, with a comma",False,True,no,yes
empty,,True,,x
"multi
line",false,TRUE,a,b
half,0.5,1,a,b
"""
COSTS = {"weak": Decimal("0.0001"), "strong": Decimal("0.002")}


def test_routellm() -> None:
    data = read_outcomes([write(Path("rl.csv"), ROUTELLM)], costs=COSTS)
    assert data.models == ("weak", "strong")
    assert data.ids == ("1", "2", "4", "5")  # data row numbers; row 3 has an empty cell
    same(data.quality, [[1, 1], [0, 1], [0, 1], [0.5, 1]])
    same(data.cost, [[0.0001, 0.002]] * 4)
    assert data.texts == ("What is 1+1?", "Hard, with a comma", "multi\nline", "half")
    assert data.skipped == {"empty cell": 1}
    assert data.score is None
    assert data.confidence is None


@pytest.mark.parametrize(
    ("text", "costs", "expected"),
    [
        (
            ROUTELLM,
            {"weak": Decimal(1)},
            "rl.csv:1: a RouteLLM file has no costs: give each model's USD per prompt with --cost MODEL=USD "
            "(missing: strong)",
        ),
        (
            ROUTELLM,
            None,
            "rl.csv:1: a RouteLLM file has no costs: give each model's USD per prompt with --cost MODEL=USD "
            "(missing: weak, strong)",
        ),
        (
            'prompt,weak,strong\nfine,True,False\n"two\nlines",maybe,True\n',
            COSTS,
            "rl.csv:3: weak: expected True/False or a number from 0 to 1, got 'maybe'",
        ),
        (
            "prompt,only_response\nx,y\n",
            COSTS,
            "rl.csv:1: no model columns: expected one True/False column per model beside prompt",
        ),
        ("prompt,weak,strong\nx,True\n", COSTS, "rl.csv:2: expected 3 cells, as the header has, got 2"),
    ],
)
def test_routellm_errors(text: str, costs: dict[str, Decimal] | None, expected: str) -> None:
    error = read_error([write(Path("rl.csv"), text)], costs=costs)
    assert str(error) == expected


def test_costs_only_for_routellm_models() -> None:
    routellm = write(Path("rl.csv"), ROUTELLM)
    typo = read_error([routellm], costs={**COSTS, "strnog": Decimal(1)})
    assert str(typo) == "--cost strnog: no such model in rl.csv (its models: strong, weak)"
    jsonl = write(Path("o.jsonl"), lines({"outcomes": {"a": GOOD}}))
    unused = read_error([jsonl], costs={"a": Decimal(1)})
    assert str(unused) == (
        "--cost given, but o.jsonl has costs of its own (--cost is for RouteLLM CSV files, which have none)"
    )


# ------------------------------------------------------------------ decision logs

PRICE = ModelPrice(id="m", provider="test", standard=TokenRates(Decimal(1), Decimal(1)))
RUN = RunInfo(
    tiers=(TierInfo("small", "p", "s-1", PRICE), TierInfo("large", "p", "l-1", PRICE)),
    setup="cascade",
    chain=("small", "large"),
    all_tiers=True,
)


def answer(
    tier: str,
    cost: str,
    correct: bool | None = None,
    *,
    mean: float | None = None,
    error: str | None = None,
    role: str = "answer",
) -> Attempt:
    return Attempt(
        role=role,
        tier=tier,
        model=tier[0] + "-1",
        status=None if error else 200,
        input_tokens=10,
        output_tokens=5,
        cached_tokens=0,
        estimated=False,
        cost=Decimal(cost),
        latency_ms=1.0,
        logprob=None if mean is None else LogprobStats(mean, 0.5),
        error=error,
        correct=correct,
    )


def decision(
    key: str,
    attempts: tuple[Attempt, ...],
    *,
    final: str | None = "large",
    correct: bool | None = None,
    score: float | None = None,
    prompt: tuple[dict[str, object], ...] | None = ({"role": "user", "content": "Hi"},),
) -> Decision:
    return Decision(
        id=key,
        line=1,
        route=None if score is None else RouteDecision("small", "rules", score),
        attempts=attempts,
        final_tier=final,
        escalations=(),
        latency_ms=1.0,
        correct=correct,
        prompt=prompt,
    )


def write_log(path: Path, run: RunInfo, decisions: list[Decision], tail: str = "") -> Path:
    with DecisionLog(path, run) as log:
        for item in decisions:
            log.write(item)
        log.end(None)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(tail)
    return path


def test_decision_log() -> None:
    path = write_log(
        Path("run.jsonl"),
        RUN,
        [
            decision(
                "a",
                (
                    answer("small", "0.0001", error="timeout"),
                    answer("small", "0.0002", False, mean=-0.5),
                    answer("large", "0.003", True),
                ),
                correct=True,
                score=0.25,
            ),
            decision("b", (answer("small", "0.0001", True),), final="small"),  # large never answered
            decision("c", (answer("small", "0.0001"), answer("large", "0.001"))),  # no expected answer
            decision(
                "d",
                (
                    answer("small", "0.0004", True),
                    answer("large", "0.0025", False, mean=-0.125),
                    answer("large", "0.0009", role="accept_judge"),
                ),
                prompt=(
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": [{"type": "text", "text": "2+2?"}, {"type": "image_url"}]},
                ),
            ),
        ],
        tail='{"kind": "decision", "id": "e", "attem',
    )
    data = read_outcomes([path])
    assert data.models == ("small", "large")
    assert data.ids == ("a", "d")
    same(data.quality, [[0, 1], [1, 0]])
    # an --all-tiers log is read as its outcomes file is written: a tier's cost is every call for its answer (the
    # failed try of "a"'s small tier too), not its judges ("d"'s large tier: 0.0025, its 0.0009 judge left out)
    same(data.cost, [[0.0003, 0.003], [0.0004, 0.0025]])
    same(data.confidence, [[-0.5, NAN], [NAN, -0.125]])
    same(data.score, [0.25, NAN])
    assert data.texts == ("Hi", "Be brief.\n\n2+2?")
    assert data.skipped == {"cut-off last line": 1, "no quality": 1, "not every model answered": 1}


def test_decision_log_before_answers_were_each_checked() -> None:
    """Older logs mark only the served answer: a one-tier run still gives outcomes, a cascade's other tier none."""
    one_tier = RunInfo(tiers=(TierInfo("only", "p", "o-1", PRICE),), setup="single")
    path = write_log(
        Path("old.jsonl"),
        one_tier,
        [
            decision("x", (answer("only", "0.5"),), final="only", correct=True, prompt=None),
            decision("y", (answer("only", "0.25"),), final="only", correct=None, prompt=None),
        ],
    )
    data = read_outcomes([path])
    assert data.ids == ("x",)
    same(data.quality, [[1]])
    same(data.cost, [[0.5]])
    assert data.texts is None
    assert data.confidence is None
    assert data.skipped == {"no quality": 1}
    cascade = write_log(
        Path("cascade.jsonl"), RUN, [decision("z", (answer("small", "0.1"), answer("large", "0.2")), correct=True)]
    )
    assert read_outcomes([cascade]).skipped == {"no quality": 1}


def test_decision_log_errors_name_the_line() -> None:
    path = write_log(Path("run.jsonl"), RUN, [])
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"kind": "mystery"}\n{}\n')
    assert str(read_error([path])) == "run.jsonl:3: not a decision log line: unknown line kind 'mystery'"


# ------------------------------------------------------------------ several files


def two_models(key: str, first: str = "m1", second: str = "m2", cost: float = 1.0) -> dict[str, object]:
    return {"id": key, "outcomes": {first: {"quality": 1, "cost": cost}, second: {"quality": 0, "cost": 2 * cost}}}


def test_directory_in_name_order_with_prefixed_ids() -> None:
    folder = Path("runs")
    folder.mkdir()
    write(folder / "b.jsonl", lines(two_models("x", "m2", "m1", cost=10), two_models("x")))  # m2 first; x repeated
    write(folder / "a.jsonl", lines(two_models("x"), two_models("y", cost=3)))
    write(folder / "notes.txt", "not read")
    (folder / "sub.jsonl").mkdir()  # a directory is not one of its files
    data = read_outcomes([folder])
    assert data.ids == ("a:x", "a:y", "b:x")
    assert data.models == ("m1", "m2")
    same(data.quality, [[1, 0], [1, 0], [0, 1]])  # b's columns put in a's order
    same(data.cost, [[1, 2], [3, 6], [20, 10]])
    assert data.skipped == {"repeated id": 1}
    assert data.source == "runs"


def test_several_paths_of_different_formats() -> None:
    jsonl = write(Path("mine.jsonl"), lines(two_models("p", "weak", "strong", cost=0.5)))
    routellm = write(Path("theirs.csv"), "prompt,strong,weak\nq,True,False\n")
    data = read_outcomes([jsonl, routellm], costs={"weak": Decimal("0.125"), "strong": Decimal(1)})
    assert data.ids == ("mine:p", "theirs:1")
    assert data.models == ("weak", "strong")
    same(data.quality, [[1, 0], [0, 1]])
    same(data.cost, [[0.5, 1], [0.125, 1]])
    assert data.texts is None  # the JSONL line has no prompt
    assert data.source == "mine.jsonl, theirs.csv"


def test_confidence_and_score_joined_with_nan_for_files_without() -> None:
    scored = write(
        Path("s.jsonl"), lines({"score": 0.5, "outcomes": {"a": {"quality": 1, "cost": 1, "confidence": -1}}})
    )
    plain = write(Path("p.jsonl"), lines({"outcomes": {"a": {"quality": 0, "cost": 2}}}))
    data = read_outcomes([scored, plain])
    same(data.score, [0.5, NAN])
    same(data.confidence, [[-1], [NAN]])


def test_several_files_need_the_same_models() -> None:
    folder = Path("runs")
    folder.mkdir()
    write(folder / "a.jsonl", lines(two_models("x")))
    write(folder / "c.jsonl", lines(two_models("x", "m1", "m3")))
    error = read_error([folder])
    assert str(error) == (
        f"{folder / 'c.jsonl'}: its models differ from those of {folder / 'a.jsonl'}: no m2; m3, which "
        f"{folder / 'a.jsonl'} has not (files read together must have the same models)"
    )


def test_directory_errors() -> None:
    empty = Path("empty")
    empty.mkdir()
    assert str(read_error([empty])) == "empty: no *.csv or *.jsonl files in this directory"
    mixed = Path("mixed")
    mixed.mkdir()
    write(mixed / "a.csv", ROUTELLM)
    write(mixed / "b.csv", ROUTERBENCH)
    assert str(read_error([mixed], costs=COSTS)) == (
        f"{mixed / 'b.csv'}: its format is RouterBench CSV, but a.csv in the same directory is RouteLLM CSV "
        "(a directory's files must all be of one format)"
    )
    (Path("one") / "x.jsonl").parent.mkdir()
    (Path("two") / "x.jsonl").parent.mkdir()
    first = write(Path("one") / "x.jsonl", lines(two_models("p")))
    second = write(Path("two") / "x.jsonl", lines(two_models("p")))
    assert str(read_error([first, second])) == (
        f"{second}: {first} has the same name; rename one (each file's ids are prefixed with its name)"
    )
    assert str(read_error([first, first])) == (
        f"{first}: the file is read twice (each file's ids are prefixed with its name)"
    )


# ------------------------------------------------------------------ docs/outcomes.md


def test_doc_jsonl_example_reads() -> None:
    (block,) = re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)
    gpt4o = ModelPrice(id="gpt-4o", provider="test", standard=TokenRates(Decimal("2.5"), Decimal(10)))
    data = read_outcomes([write(Path("example.jsonl"), block)], table=PriceTable([gpt4o]))
    assert data.ids == ("p1", "p2", "3")
    assert data.models == ("gpt-4o-mini", "gpt-4o")
    same(data.quality, [[1, 0.5], [0, 1], [1, 1]])
    # gpt-4o on p1: 120 input tokens at $2.5 and 80 output at $10 per 1M = 0.0003 + 0.0008
    same(data.cost, [[0.000012, 0.0011], [0.00004, 0.0011], [0.00002, 0.0004]])
    same(data.score, [0.42, 0.91, NAN])
    assert data.texts is None  # the third line has no prompt


def test_doc_csv_examples_read() -> None:
    blocks = [text for kind, text in re.findall(r"^```(\w*)\n(.*?)^```", DOC.read_text(), re.S | re.M) if not kind]
    (routerbench,) = [block for block in blocks if block.startswith(",sample_id")]
    data = read_outcomes([write(Path("rb.csv"), routerbench)])
    assert data.models == ("gpt-4-1106-preview", "mistralai/mixtral-8x7b-chat")
    same(data.quality, [[1, 0]])
    same(data.cost, [[0.00518, 0.000311]])
    (routellm,) = [block for block in blocks if block.startswith("prompt,")]
    models = ("mistralai/Mixtral-8x7B-Instruct-v0.1", "gpt-4-1106-preview")
    data = read_outcomes([write(Path("rl.csv"), routellm)], costs=dict.fromkeys(models, Decimal(1)))
    assert data.models == models
    same(data.quality, [[0, 1]])


def test_doc_error_examples_are_real() -> None:
    shown = DOC.read_text()
    bad_line_12 = lines(*[two_models(str(n), "gpt-4o-mini", "gpt-4o") for n in range(11)]) + lines(
        {"outcomes": {"gpt-4o": {"quality": "yes", "cost": 1}}}
    )
    no_cost = lines(*[two_models(str(n), "gpt-4o-mini", "gpt-4o") for n in range(2)]) + lines(
        {"outcomes": {"gpt-4o": {"quality": 1}}}
    )
    rows = "".join(f"q{n},p,1,1,0.1,0.1\n" for n in range(5))
    routerbench = "sample_id,prompt,claude-v1,claude-v2,claude-v1|total_cost,claude-v2|total_cost\n" + rows
    routellm = "prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\nq,True,False\n"
    errors = [
        read_error([write(Path("outcomes.jsonl"), bad_line_12)]),
        read_error([write(Path("outcomes.jsonl"), no_cost)]),
        read_error([write(Path("arc_challenge_test.csv"), routerbench + "q5,p,1,1,0.1,n/a\n")]),
        read_error(
            [write(Path("gsm8k_responses.csv"), routellm)],
            costs={"mistralai/Mixtral-8x7B-Instruct-v0.1": Decimal(1)},
        ),
    ]
    for error in errors:
        assert f"\n{error}\n" in shown


# ------------------------------------------------------------------ the shared benchmarks


@pytest.fixture
def shared_data() -> Path:
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip("../shared reference data is absent")
    return data


def csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    csv.field_size_limit(2**31 - 1)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or ()), list(reader)


def test_routerbench_arc_challenge(shared_data: Path) -> None:
    path = shared_data / "routerbench" / "arc_challenge_test.csv"
    header, rows = csv_rows(path)
    models = [name.removesuffix("|total_cost") for name in header if name.endswith("|total_cost")]
    seen: set[str] = set()
    repeated = empty = with_empty_cells = 0
    kept: list[dict[str, str]] = []
    for row in rows:
        holes = any(row[model] == "" or row[model + "|total_cost"] == "" for model in models)
        with_empty_cells += holes
        if row["sample_id"] in seen:  # a repeated id is counted as such, whatever its cells
            repeated += 1
            continue
        seen.add(row["sample_id"])
        if holes:
            empty += 1
            continue
        kept.append(row)
    assert repeated > 0
    assert empty > 0
    assert with_empty_cells >= empty

    data = read_outcomes([path])
    assert data.skipped == {"empty cell": empty, "repeated id": repeated}
    assert data.prompts == len(kept) == len(rows) - empty - repeated
    assert data.ids == tuple(row["sample_id"] for row in kept)
    assert sorted(data.models) == sorted(models)
    assert len(models) == 11
    for model in models:
        column = data.column(model)
        right = sum(row[model] == "1.0" for row in kept)
        assert data.mean_quality()[column] == pytest.approx(right / len(kept), rel=1e-12)
        spent = math.fsum(float(row[model + "|total_cost"]) for row in kept)
        assert data.total_cost()[column] == pytest.approx(spent, rel=1e-12)
    assert data.texts is not None
    assert data.texts[0] == kept[0]["prompt"]


def test_routellm_gsm8k(shared_data: Path) -> None:
    path = shared_data / "routellm" / "gsm8k_responses.csv"
    _, rows = csv_rows(path)
    models = ("mistralai/Mixtral-8x7B-Instruct-v0.1", "gpt-4-1106-preview")
    costs = {models[0]: Decimal("0.0006"), models[1]: Decimal("0.01")}
    data = read_outcomes([path], costs=costs)
    assert data.prompts == len(rows) == 1319
    assert data.models == models
    assert data.skipped == {}
    assert data.ids[0] == "1"
    assert data.ids[-1] == "1319"
    for column, model in enumerate(models):
        right = sum(row[model] == "True" for row in rows)
        assert data.mean_quality()[column] == pytest.approx(right / len(rows), rel=1e-12)
    assert data.total_cost() == pytest.approx([1319 * 0.0006, 1319 * 0.01], rel=1e-12)
    assert data.texts is not None
    assert data.texts[0].startswith("Janet’s ducks lay 16 eggs per day.")


def test_routellm_mmlu_directory(shared_data: Path) -> None:
    folder = shared_data / "routellm" / "mmlu"
    models = ("mistralai/Mixtral-8x7B-Instruct-v0.1", "gpt-4-1106-preview")
    right = dict.fromkeys(models, 0)
    ids: list[str] = []
    for path in sorted(folder.glob("*.csv")):
        _, rows = csv_rows(path)
        ids.extend(f"{path.stem}:{number}" for number in range(1, len(rows) + 1))
        for model in models:
            right[model] += sum(row[model] == "True" for row in rows)
    data = read_outcomes([folder], costs=dict.fromkeys(models, Decimal("0.001")))
    assert data.prompts == len(ids) == 14_042
    assert data.ids == tuple(ids)
    assert data.ids[0] == "mmlu_abstract_algebra:1"
    assert data.models == models
    assert data.source == str(folder)
    for column, model in enumerate(models):
        assert data.mean_quality()[column] == pytest.approx(right[model] / len(ids), rel=1e-12)
