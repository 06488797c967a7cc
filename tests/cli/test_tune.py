"""``routecli tune``: thresholds chosen from small hand-written outcomes, in every format, and ``--write``.

The main file, ``FIVE``: two models, ``small`` ($1 a prompt) and ``large`` ($10 a prompt), a router score per prompt
and ``small``'s confidence (a mean logprob) per answer.

| prompt | score | small | large | small's confidence |
|--------|-------|-------|-------|--------------------|
| p1     | 0.9   | 0     | 1     | -1.2               |
| p2     | 0.7   | 0     | 1     | -0.8               |
| p3     | 0.5   | 1     | 0     | -0.3               |
| p4     | 0.5   | 1     | 1     | -0.3               |
| p5     | 0.2   | 1     | 1     | -0.1               |

small alone: quality 3/5 = 0.6, $5; large alone: quality 4/5 = 0.8, $50 (the strong model: the better one).

route (the highest scores go to large first: p1, p2, then p3 and p4 together, then p5):

| threshold | strong share | quality | cost | saves |
|-----------|--------------|---------|------|-------|
| none      | 0            | 0.6     | $5   | 90%   |
| 0.9       | 0.2          | 0.8     | $14  | 72%   |
| 0.7       | 0.4          | 1.0     | $23  | 54%   |
| 0.5       | 0.8          | 0.8     | $41  | 18%   |
| 0.2       | 1            | 0.8     | $50  | 0%    |

cascade (small always answers and is paid; the least confident answers go on to large, which is paid too):

| accept at least | strong share | quality | cost | saves |
|-----------------|--------------|---------|------|-------|
| all (-inf)      | 0            | 0.6     | $5   | 90%   |
| -0.8            | 0.2          | 0.8     | $15  | 70%   |
| -0.3            | 0.4          | 1.0     | $25  | 50%   |
| -0.1            | 0.8          | 0.8     | $45  | 10%   |
| none (inf)      | 1            | 0.8     | $55  | -10%  |
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from routecli.cli import app
from routecli.replay.config_file import load_router_config
from routecli.replay.evaluators import LogprobEvaluator
from routecli.replay.routing.complexity import ComplexityRouter
from routecli.replay.tokens import count_text
from tests.helpers.cli import ok, ok_json, refused, wrote
from tests.helpers.files import write
from tests.helpers.paths import SHARED

ROWS = [  # id, score, small right, large right, small's confidence
    ("p1", 0.9, 0, 1, -1.2),
    ("p2", 0.7, 0, 1, -0.8),
    ("p3", 0.5, 1, 0, -0.3),
    ("p4", 0.5, 1, 1, -0.3),
    ("p5", 0.2, 1, 1, -0.1),
]

ARC = SHARED / "data" / "routerbench" / "arc_challenge_test.csv"


def outcome(small: float, large: float, **small_extra: Any) -> dict[str, Any]:
    return {"small": {"quality": small, "cost": 1.0, **small_extra}, "large": {"quality": large, "cost": 10.0}}


def jsonl(path: str, records: list[dict[str, Any]]) -> Path:
    return write(Path(path), "".join(json.dumps(record) + "\n" for record in records))


def five() -> Path:
    return jsonl(
        "five.jsonl",
        [
            {"id": key, "score": score, "outcomes": outcome(small, large, confidence=sure)}
            for key, score, small, large, sure in ROWS
        ],
    )


def run(*args: str) -> Result:
    """The whole result, for click's own usage errors (a usage line before ``Error:``) and runs that also
    write to stderr."""
    return CliRunner().invoke(app, list(args))


def words(text: str) -> str:
    """Terminal output with its line wrapping undone."""
    return " ".join(text.split())


def chosen(document: dict[str, Any]) -> tuple[Any, ...]:
    return (
        document["threshold"],
        document["threshold_is"],
        document["quality"],
        document["cost"],
        document["savings_pct"],
        document["strong_share"],
    )


def approx(*values: Any) -> tuple[Any, ...]:
    return tuple(value if value is None or isinstance(value, str) else pytest.approx(value) for value in values)


# -------------------------------------------------------------------- route and cascade, JSON contract


@pytest.mark.parametrize(
    ("goal", "absolute", "expected"),
    [
        (["--quality-floor", "0.75"], 0.75, (0.9, "value", 0.8, 14.0, 72.0, 0.2)),  # the cheapest point at 0.75+
        (["--quality-floor", "0.95"], 0.95, (0.7, "value", 1.0, 23.0, 54.0, 0.4)),
        (["--quality-floor", "95%"], 0.95, (0.7, "value", 1.0, 23.0, 54.0, 0.4)),  # the same absolute floor
        (["--relative-floor", "75%"], 0.6, (None, "none", 0.6, 5.0, 90.0, 0.0)),  # 75% of large's 0.8: small alone
        (["--relative-floor", "100%"], 0.8, (0.9, "value", 0.8, 14.0, 72.0, 0.2)),
        (["--relative-floor", " 0.95 "], 0.76, (0.9, "value", 0.8, 14.0, 72.0, 0.2)),
    ],
)
def test_route_chooses_the_cheapest_threshold_reaching_the_floor(
    goal: list[str], absolute: float, expected: tuple[Any, ...]
) -> None:
    document = ok_json("tune", str(five()), *goal)
    assert chosen(document) == approx(*expected)
    assert document["quality_floor"] == pytest.approx(absolute)
    relative = goal[0] == "--relative-floor"
    assert document["quality_floor_kind"] == ("relative" if relative else "absolute")
    assert document["relative_floor"] == (pytest.approx(absolute / 0.8) if relative else None)
    assert (document["kind"], document["strategy"], document["score"]) == ("tune", "route", "data")
    assert (document["weak"], document["strong"], document["prompts"]) == ("small", "large", 5)
    assert document["models"] == {
        "small": {"quality": pytest.approx(0.6), "cost": pytest.approx(5.0)},
        "large": {"quality": pytest.approx(0.8), "cost": pytest.approx(50.0)},
    }
    assert document["target_strong_share"] is None
    assert document["holdout"] is None
    assert document["skipped"] == {}
    assert document["thresholds_swept"] == 5  # four distinct scores and "none"
    curve = [(p["threshold"], p["strong_share"], p["quality"], p["cost"], p["savings_pct"]) for p in document["curve"]]
    assert curve == [
        approx(None, 0.0, 0.6, 5.0, 90.0),
        approx(0.9, 0.2, 0.8, 14.0, 72.0),
        approx(0.7, 0.4, 1.0, 23.0, 54.0),
        approx(0.5, 0.8, 0.8, 41.0, 18.0),
        approx(0.2, 1.0, 0.8, 50.0, 0.0),
    ]


@pytest.mark.parametrize(
    ("goal", "expected"),
    [
        (["--quality-floor", "0.95"], (-0.3, "value", 1.0, 25.0, 50.0, 0.4)),
        (["--quality-floor", "0.75"], (-0.8, "value", 0.8, 15.0, 70.0, 0.2)),
        (["--relative-floor", "75%"], (None, "all", 0.6, 5.0, 90.0, 0.0)),  # every answer accepted
        (["--target-strong-share", "1"], (None, "none", 0.8, 55.0, -10.0, 1.0)),  # none accepted: both paid
    ],
)
def test_cascade_chooses_a_confidence_threshold(goal: list[str], expected: tuple[Any, ...]) -> None:
    document = ok_json("tune", str(five()), "--strategy", "cascade", *goal)
    assert chosen(document) == approx(*expected)
    assert (document["strategy"], document["score"], document["weak"], document["strong"]) == (
        "cascade",
        "confidence",
        "small",
        "large",
    )
    assert [point["cost"] for point in document["curve"]] == pytest.approx([5.0, 15.0, 25.0, 45.0, 55.0])


@pytest.mark.parametrize(
    ("share", "threshold", "strong_share"),
    [
        ("0.3", 0.9, 0.2),  # 0.2 and 0.4 are as close: the smaller share
        ("0.5", 0.7, 0.4),
        ("0.85", 0.5, 0.8),
        ("0", None, 0.0),
        ("1", 0.2, 1.0),
    ],
)
def test_target_strong_share_takes_the_closest_share(share: str, threshold: float | None, strong_share: float) -> None:
    document = ok_json("tune", str(five()), "--target-strong-share", share)
    assert document["threshold"] == (None if threshold is None else pytest.approx(threshold))
    assert document["threshold_is"] == ("none" if threshold is None else "value")
    assert document["strong_share"] == pytest.approx(strong_share)
    assert document["target_strong_share"] == pytest.approx(float(share))
    assert document["quality_floor"] is None


def test_weak_and_strong_given() -> None:
    # large as the weak model, small as the strong one: a score at or above the threshold goes to small
    document = ok_json("tune", str(five()), "--weak", "large", "--strong", "small", "--target-strong-share", "0.4")
    assert (document["weak"], document["strong"]) == ("large", "small")
    # p1 and p2 to small: 0 + 0 + 0 + 1 + 1 right, $2 + $30
    assert chosen(document) == approx(0.7, "value", 0.4, 32.0, (1 - 32 / 5) * 100, 0.4)


def test_an_unreachable_floor_exits_1_saying_the_best_quality() -> None:
    # the best any threshold does: large alone, right on one prompt of two
    jsonl(
        "hard.jsonl",
        [{"score": 1, "outcomes": outcome(0, 1)}, {"score": 2, "outcomes": outcome(0, 0)}],
    )
    result = run("tune", "hard.jsonl", "--quality-floor", "0.9")
    assert result.exit_code == 1, result.output
    assert "No threshold reaches the quality floor 0.9000 (0.9): the best quality on this curve is 0.5000." in words(
        result.stdout
    )
    result = run("tune", "hard.jsonl", "--quality-floor", "0.9", "--format", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert chosen(document) == (None,) * 6
    assert document["quality_floor"] == pytest.approx(0.9)


def test_an_unreachable_percent_floor_says_to_write_relative_floor() -> None:
    # --quality-floor 90% once meant 90% of the strong model's quality; now 0.9, which no threshold reaches here
    jsonl(
        "hard.jsonl",
        [{"score": 1, "outcomes": outcome(0, 1)}, {"score": 2, "outcomes": outcome(0, 0)}],
    )
    assert refused("tune", "hard.jsonl", "--quality-floor", "90%") == (
        "--quality-floor: 90% is an absolute quality (0.9), and no threshold reaches it (the best is 0.5000; "
        "large alone 0.5000); for 90% of the strong model's quality write --relative-floor 90%"
    )
    assert ok_json("tune", "hard.jsonl", "--relative-floor", "90%")["quality_floor"] == pytest.approx(0.45)


def test_share_options_read_percentages_alike() -> None:
    for share, percent in (("--target-strong-share", ("0.4", "40%")), ("--holdout", ("0.5", "50%"))):
        goal = ("--quality-floor", "0.75") if share == "--holdout" else ()
        documents = [ok_json("tune", str(five()), *goal, share, value) for value in percent]
        assert documents[0] == documents[1]
    assert refused("tune", str(five()), "--quality-floor", "0.75", "--holdout", "95%") == (
        "--holdout: expected a share of at most 0.9 (90%), got 95%"
    )
    assert refused("tune", str(five()), "--target-strong-share", "140%") == (
        "--target-strong-share: expected a percentage from 0% to 100%, got 140%"
    )


def test_holdout_tunes_on_one_part_and_reports_on_the_other() -> None:
    records = [{"score": (index % 15) / 20, "outcomes": outcome(index % 3 != 0, index % 4 != 1)} for index in range(20)]
    jsonl("twenty.jsonl", records)
    args = ("tune", "twenty.jsonl", "--relative-floor", "90%", "--holdout", "50%", "--seed", "1")
    document = ok_json(*args)
    held = document["holdout"]
    assert held["held_out"] == 10  # half of 20
    assert held["tuned_on"] + held["held_out"] == 20
    assert document["prompts"] == held["tuned_on"]
    assert held["seed"] == 1
    for interval in (held["quality"], held["cost"]):
        assert interval["low"] <= interval["estimate"] <= interval["high"]
    assert 0 <= held["quality"]["estimate"] <= 1
    assert 0 <= held["strong_share"] <= 1
    assert held["strong_cost"] == pytest.approx(10.0 * held["held_out"])  # large alone on the held-out prompts
    # the held-out prompts pay small ($1) or large ($10) each
    assert 10.0 <= held["cost"]["estimate"] <= 100.0
    assert run(*args, "--format", "json").stdout == run(*args, "--format", "json").stdout


def test_without_holdout_there_is_no_holdout_object_and_every_prompt_is_tuned_on() -> None:
    document = ok_json("tune", str(five()), "--quality-floor", "0.75", "--seed", "3")
    assert document["holdout"] is None
    assert document["prompts"] == 5


# -------------------------------------------------------------------- scores from the prompt texts


TEXTS = [
    "Hi.",
    "What is the capital of France?",
    "Summarise the plot of Hamlet in three sentences, naming every main character and what becomes of them.",
    "Write a detailed essay on the causes of the First World War. " * 6,
]


def test_score_length_counts_each_prompts_tokens() -> None:
    counts = [count_text(text) for text in TEXTS]
    assert counts == sorted(set(counts))  # four distinct lengths, shortest first
    # small is right on the two shortest prompts, large on all: the cheapest threshold reaching quality 1 sends
    # the two longest to large; it is the third prompt's token count
    jsonl(
        "texts.jsonl",
        [{"prompt": text, "outcomes": outcome(index < 2, 1)} for index, text in enumerate(TEXTS)],
    )
    document = ok_json("tune", "texts.jsonl", "--score", "length", "--quality-floor", "1")
    assert document["score"] == "length"
    assert chosen(document) == approx(float(counts[2]), "value", 1.0, 22.0, (1 - 22 / 40) * 100, 0.5)
    assert [point["threshold"] for point in document["curve"]] == [None, *map(float, reversed(counts))]


def test_score_data_without_scores_suggests_scoring_the_texts() -> None:
    jsonl("texts.jsonl", [{"prompt": text, "outcomes": outcome(1, 1)} for text in TEXTS])
    message = refused("tune", "texts.jsonl", "--score", "data", "--quality-floor", "0.9")
    assert message.startswith("texts.jsonl: no router score for every prompt")
    assert "--score complexity" in message
    scored = run("tune", "texts.jsonl", "--quality-floor", "0.9", "--format", "json")  # auto: the texts' complexity
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["score"] == "complexity"


def test_score_from_texts_needs_texts() -> None:
    jsonl("bare.jsonl", [{"score": 0.1, "outcomes": outcome(1, 1)}, {"score": 0.2, "outcomes": outcome(0, 1)}])
    message = refused("tune", "bare.jsonl", "--score", "length", "--quality-floor", "0.9")
    assert message == "bare.jsonl: --score length reads the prompt texts, which these outcomes lack"
    unknown = refused("tune", "bare.jsonl", "--score", "tokens", "--quality-floor", "0.9")
    assert unknown == "--score: expected one of auto, data, complexity, length, got 'tokens'"


# -------------------------------------------------------------------- usage errors


def test_floor_or_share_one_of_them() -> None:
    expected = "give one of --quality-floor, --relative-floor, --target-strong-share or --target-shares"
    assert refused("tune", str(five())) == expected
    assert refused("tune", str(five()), "--quality-floor", "0.9", "--target-strong-share", "0.3") == expected
    assert refused("tune", str(five()), "--quality-floor", "0.9", "--relative-floor", "90%") == expected


@pytest.mark.parametrize(
    ("floor", "message"),
    [
        ("abc", "--quality-floor: expected a quality from 0 to 1 or a percentage like 95%, got the text 'abc'"),
        ("1.5", "--quality-floor: expected a quality from 0 to 1 or a percentage like 95%, got 1.5"),
        ("-0.1", "--quality-floor: expected a quality from 0 to 1 or a percentage like 95%, got -0.1"),
        ("150%", "--quality-floor: expected a percentage from 0% to 100%, got 150%"),
        ("-5%", "--quality-floor: expected a percentage from 0% to 100%, got -5%"),
    ],
)
def test_bad_floors(floor: str, message: str) -> None:
    assert refused("tune", str(five()), "--quality-floor", floor) == message


@pytest.mark.parametrize("option", ["--weak", "--strong"])
def test_an_unknown_model_names_the_models(option: str) -> None:
    message = refused("tune", str(five()), "--quality-floor", "0.9", option, "medium")
    assert message == f"{option}: no model 'medium' in the outcomes (models: small, large)"


def test_weak_and_strong_the_same_model() -> None:
    message = refused("tune", str(five()), "--quality-floor", "0.9", "--weak", "small", "--strong", "small")
    assert message == "--weak and --strong are both small"


def test_cascade_needs_the_weak_models_confidence() -> None:
    jsonl("plain.jsonl", [{"score": score, "outcomes": outcome(small, large)} for _, score, small, large, _ in ROWS])
    message = refused("tune", "plain.jsonl", "--strategy", "cascade", "--quality-floor", "0.9")
    assert message.startswith("plain.jsonl: --strategy cascade needs the weak model's confidence per answer")
    assert "small's answers have none" in message


def test_cascade_with_some_confidence_missing_counts_the_gaps() -> None:
    jsonl(
        "gaps.jsonl",
        [
            {"outcomes": outcome(1, 1, confidence=-0.2)},
            {"outcomes": outcome(0, 1)},
            {"outcomes": outcome(0, 1)},
        ],
    )
    message = refused("tune", "gaps.jsonl", "--strategy", "cascade", "--quality-floor", "0.9")
    assert message == "gaps.jsonl: 2 of small's answers have no confidence (the first: prompt 2)"  # ids: line numbers


def test_an_unknown_strategy() -> None:
    message = refused("tune", str(five()), "--strategy", "chain", "--quality-floor", "0.9")
    assert message == "--strategy: expected one of route, cascade, got 'chain'"


@pytest.mark.parametrize("item", ["small", "small=abc", "=0.1", "small=-1", "small=nan", "small=inf", "small="])
def test_bad_cost_options(item: str) -> None:
    message = refused("tune", str(five()), "--quality-floor", "0.9", "--cost", item)
    assert message == f"--cost: expected MODEL=USD per prompt, like gpt-4o=0.0042; got {item!r}"


def test_cost_for_a_file_with_costs_of_its_own() -> None:
    message = refused("tune", str(five()), "--quality-floor", "0.9", "--cost", "small=0.1")
    assert (
        message
        == "--cost given, but five.jsonl has costs of its own (--cost is for RouteLLM CSV files, which have none)"
    )


def test_cost_prices_a_routellm_file() -> None:
    # RouteLLM CSV: True/False per model and no costs; the prompt text is the only score there is
    assert count_text("Why? Why? Why?") > count_text("Hi.")
    write(Path("routellm.csv"), "prompt,small,large\nHi.,True,True\nWhy? Why? Why?,False,True\n")
    document = ok_json(
        "tune", "routellm.csv", "--cost", "small=0.5", "--cost", "large=2", "--score", "length", "--quality-floor", "1"
    )
    assert document["models"] == {
        "small": {"quality": pytest.approx(0.5), "cost": pytest.approx(1.0)},
        "large": {"quality": pytest.approx(1.0), "cost": pytest.approx(4.0)},
    }
    assert (document["quality"], document["cost"], document["strong_share"]) == approx(1.0, 2.5, 0.5)
    assert "missing: large" in refused("tune", "routellm.csv", "--cost", "small=0.5", "--quality-floor", "1")


# -------------------------------------------------------------------- table, markdown, CSV, chart


def test_table_names_the_choice_and_shows_the_curve() -> None:
    stdout = ok("tune", str(five()), "--quality-floor", "0.75")
    text = words(stdout)
    assert "Tune (route): 5 prompts" in text
    assert "Alone: small quality 0.6000, $5.00; large quality 0.8000, $50.00." in text
    assert "Chosen for the quality floor 0.7500 (0.75): threshold 0.9 — quality 0.8000, cost $14.00" in text
    assert "saving 72.0% against large alone; 20.0% of prompts reach large." in text
    assert "Cost–quality curve" in stdout
    rows = {line.split()[0]: line.split()[1:] for line in stdout.splitlines() if "%" in line and "$" in line}
    rows = {key: value for key, value in rows.items() if key in {"none", "0.9", "0.7", "0.5", "0.2"}}
    assert rows == {
        "none": ["0.0%", "0.6000", "$5.00", "90.0%"],
        "0.9": ["20.0%", "0.8000", "$14.00", "72.0%", "←"],
        "0.7": ["40.0%", "1.0000", "$23.00", "54.0%"],
        "0.5": ["80.0%", "0.8000", "$41.00", "18.0%"],
        "0.2": ["100.0%", "0.8000", "$50.00", "0.0%"],
    }


def test_table_of_a_cascade_says_what_the_threshold_means() -> None:
    stdout = ok("tune", str(five()), "--strategy", "cascade", "--quality-floor", "0.95")
    text = words(stdout)
    assert "small's answers less confident than the threshold go on to large" in text
    assert "threshold -0.3 — quality 1.0000, cost $25.00, saving 50.0%" in text


def test_table_with_holdout_and_skipped_rows() -> None:
    records = [
        {"id": "a", "score": 0.9, "outcomes": outcome(0, 1)},
        {"id": "a", "score": 0.1, "outcomes": outcome(1, 1)},
    ]
    records += [{"id": str(i), "score": i / 10, "outcomes": outcome(i % 2, 1)} for i in range(10)]
    records.append({"id": "lonely", "score": 0.5, "outcomes": {"small": {"quality": 1, "cost": 1.0}}})
    jsonl("mixed.jsonl", records)
    stdout = ok("tune", "mixed.jsonl", "--target-strong-share", "0.5", "--holdout", "0.3", "--seed", "2")
    text = words(stdout)
    assert "Skipped rows: not every model answered 1, repeated id 1." in text
    # 11 prompts kept; round(11 × 0.3) = 3 held out
    assert "Held out (3 prompts, tuned on 8, seed 2)" in text
    assert "(95% bootstrap)" in text


def test_markdown() -> None:
    stdout = ok("tune", str(five()), "--quality-floor", "0.75", "--format", "markdown")
    lines = stdout.splitlines()
    assert lines[0] == "## routecli tune"
    assert "Chosen for the quality floor 0.7500 (0.75): threshold 0.9 — quality 0.8000, cost $14.00" in stdout
    assert "| Threshold | Strong share | Quality | Cost | Saves |  |" in lines
    assert "| 0.9 | 20.0% | 0.8000 | $14.00 | 72.0% | **chosen** |" in lines
    assert "| none | 0.0% | 0.6000 | $5.00 | 90.0% |  |" in lines
    assert sum("**chosen**" in line for line in lines) == 1


def test_csv_has_every_point_of_the_curve() -> None:
    stdout = ok("tune", str(five()), "--quality-floor", "0.75", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert [(row["threshold"], row["chosen"]) for row in rows] == [
        ("inf", ""),  # route: no prompt scores at or above it
        ("0.9", "1"),
        ("0.7", ""),
        ("0.5", ""),
        ("0.2", ""),
    ]
    assert [float(row["cost"]) for row in rows] == [5.0, 14.0, 23.0, 41.0, 50.0]
    assert [float(row["strong_share"]) for row in rows] == pytest.approx([0, 0.2, 0.4, 0.8, 1])
    assert [float(row["savings_pct"]) for row in rows] == pytest.approx([90, 72, 54, 18, 0])


def test_csv_lists_more_points_than_the_table_shows() -> None:
    scores = [(index % 15) / 20 for index in range(40)]  # 15 distinct scores
    jsonl("forty.jsonl", [{"score": score, "outcomes": outcome(score < 0.3, 1)} for score in scores])
    stdout = ok("tune", "forty.jsonl", "--target-strong-share", "0.5", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert len(rows) == len(set(scores)) + 1
    assert [row["chosen"] for row in rows].count("1") == 1
    shares = [float(row["strong_share"]) for row in rows]
    assert shares == sorted(shares)
    assert (shares[0], shares[-1]) == (0.0, 1.0)
    assert (
        len(json.loads(run("tune", "forty.jsonl", "--target-strong-share", "0.5", "-f", "json").stdout)["curve"]) < 16
    )


def test_output_file_and_chart() -> None:
    wrote(
        ["curve.svg", "tune.json"],
        "tune",
        str(five()),
        "--quality-floor",
        "0.75",
        "--chart",
        "curve.svg",
        "-o",
        "tune.json",
    )
    assert json.loads(Path("tune.json").read_text(encoding="utf-8"))["threshold"] == pytest.approx(0.9)
    chart = Path("curve.svg").read_text(encoding="utf-8")
    assert "<svg" in chart
    assert chart.rstrip().endswith("</svg>")


def test_a_chart_of_another_format_is_refused() -> None:
    assert "--chart: expected a .svg or .png file name" in refused(
        "tune", str(five()), "--quality-floor", "0.75", "--chart", "curve.txt"
    )
    assert not Path("curve.txt").exists()


# -------------------------------------------------------------------- --write

ROUTER_HEAD = """\
# Two tiers on one local server.
providers:
  local: {base_url: http://127.0.0.1:8080/v1}   # llama-server
tiers:
  small: {provider: local, model: smollm2, price: gpt-4o-mini}
  large: {provider: local, model: smollm2, price: gpt-4.1}
"""

COMPLEXITY = (
    ROUTER_HEAD
    + """\
routing:
  type: complexity
  # large takes the hard prompts
  thresholds: {small: 0, large: 0.5}   # tuned by hand
  weights: {length: 1, code: 1, reasoning: 1, multi_step: 1, questions: 0.5}
"""
)

CASCADE = (
    ROUTER_HEAD
    + """\
cascade:
  chain: [small, large]
  accept:
    all:
      - {type: hedging}   # no "I'm not sure"
      - type: logprob
        min_mean: -0.5    # mean token logprob
"""
)

HELLO, WHYS, SKY = "Hello there.", "Why? Why? Why?", "Why is the sky blue?"


def complexity_score(text: str, reasoning: int, questions: int) -> float:
    """routecli's complexity score with the default weights (length 1, code 1, reasoning 1, multi_step 1,
    questions 0.5, so 4.5 in all) of a prompt without code or sequencing words."""
    return (count_text(text) / 1000 + min(reasoning / 3, 1) + 0.5 * min(questions / 3, 1)) / 4.5


def complexity_outcomes() -> Path:
    # small is wrong only on the three whys, the highest score: the floor 1 sends just that one to large
    return jsonl(
        "texts.jsonl",
        [
            {"prompt": HELLO, "outcomes": outcome(1, 1)},
            {"prompt": WHYS, "outcomes": outcome(0, 1)},
            {"prompt": SKY, "outcomes": outcome(1, 1)},
        ],
    )


def replaced_scalar(before: str, after: str, old: str, anchor: str) -> str:
    """The text that replaced the scalar ``old`` right after ``anchor``; everything else must be unchanged."""
    start = before.index(anchor) + len(anchor)
    assert before[start : start + len(old)] == old
    head, tail = before[:start], before[start + len(old) :]
    assert after.startswith(head)
    assert after.endswith(tail)
    return after[len(head) : len(after) - len(tail)]


def test_write_sets_the_complexity_routers_threshold_for_the_strong_tier() -> None:
    whys = complexity_score(WHYS, reasoning=3, questions=3)
    assert whys > complexity_score(SKY, reasoning=1, questions=1) > complexity_score(HELLO, 0, 0)
    config = write(Path("router.yaml"), COMPLEXITY)
    result = run(
        "tune", str(complexity_outcomes()), "--score", "complexity", "--quality-floor", "1", "--write", "router.yaml"
    )
    assert result.exit_code == 0, result.output
    after = config.read_text(encoding="utf-8")
    written = replaced_scalar(COMPLEXITY, after, "0.5", "{small: 0, large: ")
    assert float(written) == pytest.approx(whys)
    assert after.count("#") == COMPLEXITY.count("#")  # comments kept (part of the unchanged text, too)
    assert f"router.yaml: routing.thresholds.large set to {written} (was 0.5)" in result.stderr
    assert json.loads(run("tune", "texts.jsonl", "--score", "complexity", "--quality-floor", "1", "-f", "json").stdout)[
        "threshold"
    ] == pytest.approx(whys)
    router = load_router_config(config).router
    assert isinstance(router, ComplexityRouter)
    assert dict(router.thresholds) == {"small": 0.0, "large": pytest.approx(whys)}


def test_write_sets_the_cascades_logprob_threshold() -> None:
    config = write(Path("router.yaml"), CASCADE)
    result = run("tune", str(five()), "--strategy", "cascade", "--quality-floor", "0.95", "--write", "router.yaml")
    assert result.exit_code == 0, result.output
    after = config.read_text(encoding="utf-8")
    assert replaced_scalar(CASCADE, after, "-0.5", "min_mean: ") == "-0.3"
    assert "router.yaml: cascade.accept.all" in result.stderr
    assert "min_mean set to -0.3 (was -0.5)" in result.stderr
    loaded = load_router_config(config)
    assert loaded.accept is not None
    logprob = [item for item in loaded.accept.evaluators if isinstance(item, LogprobEvaluator)]
    assert [item.min_mean for item in logprob] == [-0.3]


def test_write_prints_a_change_the_config_has_no_key_for() -> None:
    lacking = COMPLEXITY.replace("{small: 0, large: 0.5}", "{small: 0}")
    config = write(Path("router.yaml"), lacking)
    result = run(
        "tune", str(complexity_outcomes()), "--score", "complexity", "--quality-floor", "1", "--write", "router.yaml"
    )
    assert result.exit_code == 0, result.output
    assert config.read_text(encoding="utf-8") == lacking
    stderr = result.stderr.strip()
    assert stderr.startswith(
        "router.yaml: no routing.thresholds.large to set; add it by hand: routing.thresholds.large: "
    )
    assert float(stderr.rsplit(" ", 1)[1]) == pytest.approx(complexity_score(WHYS, 3, 3))


def test_write_into_a_cascade_without_a_logprob_evaluator() -> None:
    without = CASCADE.split("      - type: logprob")[0]
    config = write(Path("router.yaml"), without)
    message = refused("tune", str(five()), "--strategy", "cascade", "--quality-floor", "0.95", "--write", "router.yaml")
    assert "router.yaml: --write puts a cascade threshold" in message
    assert "cascade.accept has none" in message
    assert config.read_text(encoding="utf-8") == without


@pytest.mark.parametrize(
    ("config", "score", "lacks"),
    [
        (
            ROUTER_HEAD
            + "routing:\n  type: rules\n  rules: [{tier: large, when: {has_code: true}}]\n  default: small\n",
            "complexity",
            "this config has routing.type rules: give a config with a complexity router, or --strategy cascade",
        ),
        (ROUTER_HEAD, "complexity", "this config has no routing: give a config with a complexity router"),
        (COMPLEXITY, "length", "a threshold tuned on --score length is not one of its scores: tune with --score "),
    ],
)
def test_write_a_route_threshold_into_the_wrong_router(config: str, score: str, lacks: str) -> None:
    path = write(Path("router.yaml"), config)
    message = refused(
        "tune", str(complexity_outcomes()), "--score", score, "--quality-floor", "1", "--write", "router.yaml"
    )
    assert message.startswith("router.yaml: --write puts a route threshold into a complexity router")
    assert lacks in message
    assert path.read_text(encoding="utf-8") == config


def test_write_a_cascade_threshold_into_a_config_without_a_cascade() -> None:
    path = write(Path("router.yaml"), COMPLEXITY)
    message = refused("tune", str(five()), "--strategy", "cascade", "--quality-floor", "0.95", "--write", "router.yaml")
    assert message.endswith(
        "this config has no cascade: add cascade: {chain: [small, large], accept: {all: [{type: logprob, "
        "min_mean: -1}]}}"
    )
    assert path.read_text(encoding="utf-8") == COMPLEXITY


def test_write_nothing_when_no_threshold_reaches_the_floor() -> None:
    config = write(Path("router.yaml"), CASCADE)
    jsonl("hard.jsonl", [{"outcomes": outcome(0, 1, confidence=-1)}, {"outcomes": outcome(0, 0, confidence=-2)}])
    result = run("tune", "hard.jsonl", "--strategy", "cascade", "--quality-floor", "0.9", "--write", "router.yaml")
    assert result.exit_code == 1
    assert config.read_text(encoding="utf-8") == CASCADE


def test_write_a_config_that_is_no_yaml() -> None:
    config = write(Path("router.yaml"), "routing: [unclosed\n")
    message = refused("tune", str(five()), "--strategy", "cascade", "--quality-floor", "0.95", "--write", "router.yaml")
    assert message.startswith("router.yaml")
    assert "YAML" in message
    assert config.read_text(encoding="utf-8") == "routing: [unclosed\n"


def test_write_a_config_that_is_no_yaml_says_where_in_one_line() -> None:
    write(Path("router.yaml"), "routing: [unclosed\n")
    message = refused("tune", str(five()), "--strategy", "cascade", "--quality-floor", "0.95", "--write", "router.yaml")
    assert re.match(r"router\.yaml:\d+: ", message)


def positive_confidence() -> Path:
    """FIVE with confidence as a probability (0 to 1) rather than a logprob: thresholds above 0."""
    return jsonl(
        "probabilities.jsonl",
        [{"outcomes": outcome(small, large, confidence=1 + sure / 2)} for _, _, small, large, sure in ROWS],
    )


@pytest.mark.parametrize(
    ("config", "outcomes", "args"),
    [
        # sending no prompt to large is cheapest at floor 0.5: routing.thresholds.large: .inf
        (COMPLEXITY, complexity_outcomes, ["--score", "complexity", "--quality-floor", "0.5"]),
        # accepting every answer is cheapest at 75% of large's quality: min_mean: -.inf
        (CASCADE, five, ["--strategy", "cascade", "--quality-floor", "75%"]),
        # the cheapest at 0.95 accepts confidence 0.85 and up: min_mean: 0.85, where a logprob is at most 0
        (CASCADE, positive_confidence, ["--strategy", "cascade", "--quality-floor", "0.95"]),
    ],
    ids=["route-none", "cascade-all", "cascade-positive"],
)
def test_write_never_leaves_a_config_that_cannot_load(
    config: str, outcomes: Callable[[], Path], args: list[str]
) -> None:
    path = write(Path("router.yaml"), config)
    result = run("tune", str(outcomes()), *args, "--write", "router.yaml")
    assert result.exit_code in (0, 2), result.output
    load_router_config(path)  # refused (exit 2, the file unchanged) or written with a value the config takes


# -------------------------------------------------------------------- the public benchmarks in ../shared


@pytest.mark.skipif(not ARC.exists(), reason="../shared data is absent")
def test_tune_on_routerbench_arc_challenge_counts_the_skipped_rows() -> None:
    with ARC.open(encoding="utf-8", newline="") as handle:
        csv.field_size_limit(2**31 - 1)
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    models = [name for name in header if f"{name}|total_cost" in header]
    cells = [header.index(name) for name in models] + [header.index(f"{name}|total_cost") for name in models]
    seen: set[str] = set()
    repeated = empty = 0
    kept: list[list[str]] = []
    for row in rows:
        key = row[header.index("sample_id")]
        if key in seen:
            repeated += 1
            continue
        seen.add(key)
        if any(row[at].strip().lower() in ("", "nan") for at in cells):
            empty += 1
            continue
        kept.append(row)
    assert repeated  # the file has both kinds
    assert empty

    stdout = ok("tune", str(ARC), "--score", "length", "--target-strong-share", "0.3", "--format", "json")
    document = json.loads(stdout)
    assert document["skipped"] == {"empty cell": empty, "repeated id": repeated}
    assert document["prompts"] == len(kept) == len(rows) - empty - repeated
    assert document["score"] == "length"
    # the chosen threshold is a prompt's token count; the share at or above it is the closest to 0.3 there is
    counts = [count_text(row[header.index("prompt")]) for row in kept]
    threshold = document["threshold"]
    assert threshold in counts
    share = sum(count >= threshold for count in counts) / len(counts)
    assert document["strong_share"] == pytest.approx(share)
    closest = min(abs(sum(count >= value for count in counts) / len(counts) - 0.3) for value in set(counts))
    assert abs(share - 0.3) == pytest.approx(closest)
    assert document["thresholds_swept"] == len(set(counts)) + 1


def test_write_scores_with_the_configs_own_weights() -> None:
    """With --write, prompts are scored as the config's router will score them, not with the default weights."""
    weighted = COMPLEXITY.replace(
        "weights: {length: 1, code: 1, reasoning: 1, multi_step: 1, questions: 0.5}",
        "weights: {length: 0, code: 0, reasoning: 0, multi_step: 0, questions: 1}",
    )
    path = write(Path("router.yaml"), weighted)
    result = run(
        "tune", str(complexity_outcomes()), "--score", "complexity", "--quality-floor", "1", "--write", "router.yaml"
    )
    assert result.exit_code == 0, result.output
    # questions alone: the three whys score 1, the sky 1/3, hello 0; large must take the whys only: threshold 1.0
    anchor = "thresholds: {small: 0, large: "
    assert replaced_scalar(weighted, path.read_text(encoding="utf-8"), "0.5", anchor) == "1.0"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            COMPLEXITY.replace(
                "thresholds: {small: 0, large: 0.5}", "thresholds: {small: 0, medium: 0.3, large: 0.5}"
            ).replace(
                "  large: {provider",
                "  medium: {provider: local, model: smollm2, price: gpt-4.1-mini}\n  large: {provider",
            ),
            "--write: tune chose between small and large, but this router also sends prompts to medium",
        ),
        (
            CASCADE.replace("chain: [small, large]", "chain: [large, small]"),
            "--write: tune cascaded small to large; this config's cascade.chain is ['large', 'small']",
        ),
    ],
    ids=["a third tier's band", "another chain"],
)
def test_write_refuses_a_config_that_would_not_do_what_was_tuned(config: str, message: str) -> None:
    path = write(Path("router.yaml"), config)
    strategy = "route" if "complexity" in config else "cascade"
    arguments = ["tune", str(complexity_outcomes() if strategy == "route" else five()), "--strategy", strategy]
    arguments += ["--score", "complexity"] if strategy == "route" else []
    result = run(*arguments, "--quality-floor", "0.5", "--write", "router.yaml")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Cost–quality curve" not in result.stdout  # refused before any work
    assert path.read_text(encoding="utf-8") == config


def test_write_refuses_a_strong_model_that_is_no_tier() -> None:
    path = write(Path("router.yaml"), COMPLEXITY)
    jsonl(
        "other.jsonl",
        [{"prompt": HELLO, "outcomes": {"small": {"quality": 1, "cost": 1}, "gpt-4o": {"quality": 1, "cost": 2}}}],
    )
    arguments = ["--weak", "small", "--strong", "gpt-4o", "--score", "complexity", "--quality-floor", "1"]
    message = refused("tune", "other.jsonl", *arguments, "--write", "router.yaml")
    assert "the strong model 'gpt-4o' is not a tier of this config (tiers: small, large)" in message
    assert path.read_text(encoding="utf-8") == COMPLEXITY


def test_write_finds_the_tiers_of_a_config_that_calls_them_models() -> None:
    """A router config may name its tiers under models:, as a scenario does; --write finds them there too."""
    config = write(Path("router.yaml"), COMPLEXITY.replace("\ntiers:", "\nmodels:", 1))
    assert "\nmodels:" in config.read_text(encoding="utf-8")
    result = run(
        "tune", str(complexity_outcomes()), "--score", "complexity", "--quality-floor", "1", "--write", "router.yaml"
    )
    assert result.exit_code == 0, result.output
    assert "router.yaml: routing.thresholds.large set to" in result.stderr
