"""``routecli evaluate``: baselines and router metrics of a tiny hand-written outcomes file, in every format.

``FOUR``: two models, ``small`` ($1 a prompt) and ``large`` ($4 a prompt), and a router score per prompt.

| prompt | small | large | score |
|--------|-------|-------|-------|
| p1     | 1     | 1     | 0.2   |
| p2     | 0     | 1     | 0.8   |
| p3     | 1     | 0     | 0.6   |
| p4     | 0     | 1     | 0.4   |

Worked by hand as docs/metrics.md does:

- small alone: quality 0.5, $4; large alone: 0.75, $16. The default pair: weak small, strong large.
- The oracle: p1 and p3 small (right and cheapest), p2 and p4 large: quality 1, cost $10, picks 2 and 2.
- The router's route sweep (p2, p3, p4, p1 go to large in that order):

  | strong share | 0   | 0.25 | 0.5 | 0.75 | 1    |
  |--------------|-----|------|-----|------|------|
  | quality      | 0.5 | 0.75 | 0.5 | 0.75 | 0.75 |
  | cost         | 4   | 7    | 10  | 13   | 16   |
  | PGR          | 0   | 1    | 0   | 1    | 1    |

  AIQ: the hull rises from (4, 0.5) to (7, 0.75) and stays flat to 16: (3 · 0.625 + 9 · 0.75) / 12 = 0.71875.
  APGR: 0.25 · (0.5 + 0.5 + 0.5 + 1) = 0.625. CPT(50%): halfway to share 0.25, 0.125; CPT(80%): 0.2.
- Random routing: quality 0.5 + 0.25·x, cost 4 + 12·x; AIQ 0.625, APGR 0.5.
- The cascade small → large, judge error ε: a prompt reaches large with probability q·ε + (1 − q)·(1 − ε) where q is
  small's quality. ε = 0: p2 and p4 reach it; quality 1, cost 4 + 2 · 4 = $12. ε = 0.1: reach 0.1, 0.9, 0.1, 0.9;
  quality (0.9 + 0.1, 0.9, 0.9, 0.9) / 4 = 0.925; cost 4 + 2 · 4 = $12. ε = 0.5: every prompt reaches it with
  probability 0.5; quality (0.5·small + 0.5·large) = (1, 0.5, 0.5, 0.5) / 4 = 0.625; cost 4 + 8 = $12.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from routecli.cli import app
from tests.helpers.cli import ok, ok_json, refused, wrote
from tests.helpers.files import write
from tests.helpers.paths import SHARED

ROWS = [("p1", 1, 1, 0.2), ("p2", 0, 1, 0.8), ("p3", 1, 0, 0.6), ("p4", 0, 1, 0.4)]

MMLU = SHARED / "data" / "routellm" / "mmlu"
GPT4, MIXTRAL = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"


def record(small: float, large: float, **extra: Any) -> dict[str, Any]:
    return {"outcomes": {"small": {"quality": small, "cost": 1.0}, "large": {"quality": large, "cost": 4.0}}, **extra}


def jsonl(path: str, records: list[dict[str, Any]]) -> Path:
    return write(Path(path), "".join(json.dumps(item) + "\n" for item in records))


def four(*, scores: bool = True, texts: bool = False) -> Path:
    records = []
    for key, small, large, score in ROWS:
        extra: dict[str, Any] = {"id": key}
        if scores:
            extra["score"] = score
        if texts:
            extra["prompt"] = f"Prompt {key}?"
        records.append(record(small, large, **extra))
    return jsonl("four.jsonl", records)


def run(*args: str) -> Result:
    """The whole result, for click's own usage errors: a usage line comes before their ``Error:``."""
    return CliRunner().invoke(app, list(args))


def words(text: str) -> str:
    return " ".join(text.split())


# -------------------------------------------------------------------- the JSON contract


def test_json_models_oracle_and_router_metrics() -> None:
    document = ok_json("evaluate", str(four()))
    assert (document["kind"], document["prompts"], document["skipped"]) == ("evaluate", 4, {})
    assert document["source"] == "four.jsonl"
    assert document["models"] == [
        {"name": "small", "quality": 0.5, "cost": 4.0, "cost_per_prompt": 1.0},
        {"name": "large", "quality": 0.75, "cost": 16.0, "cost_per_prompt": 4.0},
    ]
    assert document["oracle"] == {
        "quality": 1.0,
        "cost": 10.0,
        "cost_per_prompt": 2.5,
        "picks": {"small": 2, "large": 2},
    }
    assert document["aiq"] == pytest.approx(0.71875)
    assert document["apgr"] == pytest.approx(0.625)
    assert document["cpt_50"] == pytest.approx(0.125)
    assert document["cpt_80"] == pytest.approx(0.2)
    router = document["router"]
    assert (router["score"], router["weak"], router["strong"], router["thresholds"]) == ("data", "small", "large", 5)
    assert (router["aiq"], router["apgr"]) == (document["aiq"], document["apgr"])
    assert router["undefined_reason"] is None
    curve = [(p["threshold"], p["strong_share"], p["quality"], p["cost"]) for p in router["curve"]]
    assert curve == [
        (None, 0.0, 0.5, 4.0),
        (0.8, 0.25, 0.75, 7.0),
        (0.6, 0.5, 0.5, 10.0),
        (0.4, 0.75, 0.75, 13.0),
        (0.2, 1.0, 0.75, 16.0),
    ]
    # the models alone: (4, 0.5) and (16, 0.75), a straight line; random routing is the same line
    assert document["models_aiq"] == pytest.approx(0.625)
    random = document["random"]
    assert (random["weak"], random["strong"]) == ("small", "large")
    assert random["aiq"] == pytest.approx(0.625)
    assert random["apgr"] == pytest.approx(0.5)
    assert [(p["strong_share"], p["quality"], p["cost"]) for p in random["points"]] == [
        (0.0, 0.5, 4.0),
        (0.25, 0.5625, 7.0),
        (0.5, 0.625, 10.0),
        (0.75, 0.6875, 13.0),
        (1.0, 0.75, 16.0),
    ]


def test_json_cascades_at_the_default_judge_errors() -> None:
    cascades = ok_json("evaluate", str(four()))["cascades"]
    assert [(c["epsilon"], c["chain"]) for c in cascades] == [
        (0.0, ["small", "large"]),
        (0.1, ["small", "large"]),
        (0.2, ["small", "large"]),
    ]
    assert [c["quality"] for c in cascades[:2]] == pytest.approx([1.0, 0.925])
    assert [c["cost"] for c in cascades] == pytest.approx([12.0, 12.0, 12.0])
    assert cascades[0]["calls"] == [1.0, 0.5]
    assert cascades[1]["calls"] == pytest.approx([1.0, 0.5])  # (0.1 + 0.9 + 0.1 + 0.9) / 4


def test_judge_error_given() -> None:
    cascades = ok_json("evaluate", str(four()), "--judge-error", "0.5")["cascades"]
    assert len(cascades) == 1
    cascade = cascades[0]
    assert (cascade["epsilon"], cascade["chain"]) == (0.5, ["small", "large"])
    assert (cascade["quality"], cascade["cost"], cascade["cost_per_prompt"]) == pytest.approx((0.625, 12.0, 3.0))
    assert cascade["calls"] == pytest.approx([1.0, 0.5])
    # its prefixes: small alone (4, 0.5) and the chain (12, 0.625), flat on to the report's dearest point (16):
    # (8 · (0.5 + 0.625) / 2 + 4 · 0.625) / 12 = 7 / 12
    assert cascade["aiq"] == pytest.approx(7 / 12)
    assert [
        c["epsilon"] for c in ok_json("evaluate", str(four()), "--judge-error", "0", "--judge-error", "0.5")["cascades"]
    ] == [
        0.0,
        0.5,
    ]


def test_chain_given() -> None:
    # large first: wrong only on p3, where small (right) answers after it; ε = 0: quality 1, $16 + $1
    cascade = ok_json("evaluate", str(four()), "--chain", "large, small", "--judge-error", "0")["cascades"][0]
    assert cascade["chain"] == ["large", "small"]
    assert (cascade["quality"], cascade["cost"]) == pytest.approx((1.0, 17.0))
    assert cascade["calls"] == pytest.approx([1.0, 0.25])


def test_score_none_without_scores_has_no_router() -> None:
    document = ok_json("evaluate", str(four(scores=False, texts=True)), "--score", "none")
    assert document["router"] is None
    assert (document["aiq"], document["apgr"], document["cpt_50"], document["cpt_80"]) == (None, None, None, None)
    assert document["oracle"]["quality"] == 1.0  # the rest is still there


def test_score_none_with_scores_has_no_router() -> None:
    document = ok_json("evaluate", str(four()), "--score", "none")
    assert document["router"] is None
    assert (document["aiq"], document["apgr"]) == (None, None)


def test_score_auto_without_scores_nor_texts_has_no_router() -> None:
    document = ok_json("evaluate", str(four(scores=False)))
    assert document["router"] is None
    assert document["aiq"] is None


def test_score_auto_scores_the_texts_by_complexity() -> None:
    router = ok_json("evaluate", str(four(scores=False, texts=True)))["router"]
    assert router["score"] == "complexity"
    assert router["weak"] == "small"


def test_score_data_without_scores_suggests_complexity() -> None:
    message = refused("evaluate", str(four(scores=False, texts=True)), "--score", "data")
    assert message.startswith("four.jsonl: no router score for every prompt")
    assert "--score complexity" in message


def test_same_quality_leaves_pgr_undefined() -> None:
    jsonl("even.jsonl", [record(1, 0, score=0.1), record(0, 1, score=0.9)])
    document = ok_json("evaluate", "even.jsonl")
    assert document["apgr"] is None
    assert document["router"]["undefined_reason"].startswith("the weak and strong models have the same quality")
    assert document["aiq"] is not None


# -------------------------------------------------------------------- usage errors


def test_chain_with_an_unknown_model() -> None:
    message = refused("evaluate", str(four()), "--chain", "small,medium")
    assert message == "--chain: no model 'medium' in the outcomes (models: small, large)"


def test_chain_with_a_model_twice() -> None:
    message = refused("evaluate", str(four()), "--chain", "small,small")
    assert message.startswith("four.jsonl: a model appears twice in the cascade")


@pytest.mark.parametrize("option", ["--weak", "--strong"])
def test_an_unknown_model(option: str) -> None:
    assert refused("evaluate", str(four()), option, "medium") == (
        f"{option}: no model 'medium' in the outcomes (models: small, large)"
    )


def test_judge_error_out_of_range() -> None:
    result = run("evaluate", str(four()), "--judge-error", "1.5")
    assert result.exit_code == 2
    assert "--judge-error" in result.stderr


def test_one_model_is_not_enough() -> None:
    jsonl("one.jsonl", [{"outcomes": {"small": {"quality": 1, "cost": 1.0}}}])
    assert refused("evaluate", "one.jsonl") == "one.jsonl: a weak and a strong model are needed; the outcomes have 1"


def test_missing_file() -> None:
    assert refused("evaluate", "nowhere.jsonl") == "nowhere.jsonl: outcome file not found"


# -------------------------------------------------------------------- table, markdown, CSV, chart


def test_table() -> None:
    stdout = ok("evaluate", str(four()))
    text = words(stdout)
    assert "Evaluate: 4 prompts from four.jsonl." in text
    assert "Oracle: quality 1.0000, cost $10.00 (picks: small 2, large 2)." in text
    assert "Router (data score) small → large: AIQ 0.7188, APGR 0.625, CPT(50%) 12.5%, CPT(80%) 20.0%" in text
    cells = [line.split() for line in stdout.splitlines()]
    rows = {row[0]: row[1:] for row in cells if len(row) == 4}
    assert rows["small"] == ["0.5000", "$4.00", "$1.00"]
    assert rows["large"] == ["0.7500", "$16.00", "$4.00"]
    assert rows["oracle"] == ["1.0000", "$10.00", "$2.50"]
    assert "Cascade small → large, with a simulated judge" in text
    assert rows["0.1"][:2] == ["0.9250", "$12.00"]


def test_markdown() -> None:
    stdout = ok("evaluate", str(four()), "--format", "markdown")
    lines = stdout.splitlines()
    assert lines[0] == "## routecli evaluate"
    assert "| small | 0.5000 | $4.00 | $1.00 |" in lines
    assert "| large | 0.7500 | $16.00 | $4.00 |" in lines
    assert "| oracle | 1.0000 | $10.00 | $2.50 |" in lines
    # the cascade's prefixes (4, 0.5), (12, 1), flat on to 16: AIQ (8 · 0.75 + 4 · 1) / 12 = 10 / 12
    assert "| small → large (0) | 1.0000 | $12.00 | 0.8333 |" in lines


def test_csv() -> None:
    stdout = ok("evaluate", str(four()), "--format", "csv", "--judge-error", "0")
    rows = [(row["kind"], row["name"], row["quality"], row["cost"]) for row in csv.DictReader(io.StringIO(stdout))]
    assert rows[:3] == [
        ("model", "small", "0.5", "4.0"),
        ("model", "large", "0.75", "16.0"),
        ("oracle", "oracle", "1.0", "10.0"),
    ]
    assert rows[3] == ("cascade", "small > large (judge error 0)", "1.0", "12.0")
    table = {row["kind"]: row for row in csv.DictReader(io.StringIO(stdout))}
    assert float(table["router"]["aiq"]) == pytest.approx(0.71875)
    assert float(table["router"]["apgr"]) == pytest.approx(0.625)
    assert float(table["random"]["apgr"]) == pytest.approx(0.5)
    assert table["router"]["name"] == "data: small > large"


def test_chart_and_output_file() -> None:
    stdout = wrote(
        ["evaluate.svg", "evaluate.md"], "evaluate", str(four()), "--chart", "evaluate.svg", "-o", "evaluate.md"
    )
    assert stdout == ""
    assert Path("evaluate.md").read_text(encoding="utf-8").startswith("## routecli evaluate")
    chart = Path("evaluate.svg").read_text(encoding="utf-8")
    assert "<svg" in chart
    assert chart.rstrip().endswith("</svg>")


def test_output_over_the_input_is_refused() -> None:
    path = four()
    before = path.read_text(encoding="utf-8")
    assert refused("evaluate", str(path), "-o", str(path)).endswith(
        "is an input of this run; write the output elsewhere"
    )
    assert path.read_text(encoding="utf-8") == before


# -------------------------------------------------------------------- RouteLLM's MMLU in ../shared


@pytest.mark.skipif(not MMLU.is_dir(), reason="../shared data is absent")
def test_routellm_mmlu_counted_independently() -> None:
    prompts = 0
    right = {GPT4: 0, MIXTRAL: 0}
    either = 0
    for path in sorted(MMLU.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                prompts += 1
                marks = {model: row[model] == "True" for model in right}
                for model, mark in marks.items():
                    right[model] += mark
                either += any(marks.values())
    assert prompts == 14_042

    document = ok_json("evaluate", str(MMLU), "--cost", f"{GPT4}=0.005", "--cost", f"{MIXTRAL}=0.0003")
    assert document["prompts"] == prompts
    assert document["skipped"] == {}
    models = {model["name"]: model for model in document["models"]}
    assert set(models) == {GPT4, MIXTRAL}
    for model, count in right.items():
        assert models[model]["quality"] == pytest.approx(count / prompts, abs=1e-12)
    assert models[GPT4]["cost"] == pytest.approx(0.005 * prompts)
    assert models[MIXTRAL]["cost"] == pytest.approx(0.0003 * prompts)
    oracle = document["oracle"]
    assert oracle["quality"] == pytest.approx(either / prompts, abs=1e-12)
    # the oracle pays GPT-4 only where it alone is right; Mixtral everywhere else (right, or nobody is)
    only_gpt4 = either - right[MIXTRAL]
    assert oracle["picks"] == {MIXTRAL: prompts - only_gpt4, GPT4: only_gpt4}
    assert oracle["cost"] == pytest.approx(0.005 * only_gpt4 + 0.0003 * (prompts - only_gpt4))


def test_no_usable_prompts_says_which_rows_were_skipped() -> None:
    only_small = {"id": "a", "outcomes": {"small": {"quality": 1, "cost": 0.1}}}
    only_large = {"id": "b", "outcomes": {"large": {"quality": 1, "cost": 0.1}}}
    jsonl("none.jsonl", [only_small, only_large])
    message = refused("evaluate", "none.jsonl")
    assert message == "none.jsonl: no prompts to evaluate (rows skipped: not every model answered 2)"


@pytest.mark.parametrize("command", [["evaluate"], ["tune", "--quality-floor", "0.9"]])
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("replay", "this is a replay report; give the decision log (decisions.jsonl in the run's folder)"),
        ("simulation", "this is a simulate report; tune and evaluate read logged outcomes (docs/outcomes.md)"),
        (None, "a JSON document spread over lines; outcome files hold one JSON object per line (JSON Lines)"),
    ],
)
def test_a_pretty_printed_report_is_named_not_a_json_syntax_error(
    command: list[str], kind: str | None, message: str
) -> None:
    write(Path("report.json"), json.dumps({"schema_version": 1, "kind": kind, "tiers": []}, indent=2))
    assert refused(command[0], "report.json", *command[1:]).startswith(f"report.json: {message}")


# -------------------------------------------------------------------- --compat and --exclude


def test_default_json_says_routecli_made_it_and_has_no_compat_section() -> None:
    document = ok_json("evaluate", str(four()))
    assert (document["procedure"], document["compat"], document["excluded"]) == ("routecli", None, 0)


def test_compat_routellm_points_at_qcut_edges() -> None:
    document = ok_json("evaluate", str(four()), "--compat", "routellm")
    assert document["apgr"] == pytest.approx(0.625)  # routecli's own figures stay as they were
    compat = document["compat"]
    assert (compat["procedure"], compat["weak"], compat["strong"]) == ("routellm", "small", "large")
    assert (compat["weak_quality"], compat["strong_quality"]) == pytest.approx((0.5, 0.75))
    router = compat["router"]
    # scores 0.2, 0.4, 0.6, 0.8: edges every 0.06 from 0.2 to 0.8; >= 0.2 sends all 4 strong, >= 0.26 to 0.38
    # three, >= 0.44 to 0.56 two, >= 0.62 to 0.74 one, > 0.8 none
    shares = [point["strong_share"] for point in router["points"]]
    assert shares == pytest.approx([0, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.75, 0.75, 0.75, 1])
    assert [point["threshold"] for point in router["points"]][::5] == pytest.approx([0.8, 0.5, 0.2])
    # PGR 0, 1 (x3), 0 (x3), 1 (x4) over those shares: 0.125 + 0.125 + 0.125 + 0.25
    assert router["apgr"] == pytest.approx(0.625)
    random = compat["random"]
    assert (random["runs"], random["seed"]) == (10, 0)
    points = random["points"]
    # four distinct draws: 4, 3, 3, 3, 2, 2, 2, 1, 1, 1, 0 strong at the edges; the five shares averaged over runs
    assert [p["strong_share"] for p in points] == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert (points[0]["quality"], points[-1]["quality"]) == pytest.approx((0.5, 0.75))


def test_compat_routellm_table_lines() -> None:
    text = words(ok("evaluate", str(four()), "--compat", "routellm", "--seed", "3"))
    assert "RouteLLM's procedure (--compat routellm: 10 qcut bins, 11 thresholds): small 0.5000, large 0.7500." in text
    assert "Random (10 runs, seed 3): APGR" in text
    assert "Router (data score): APGR 0.625, CPT(20%)" in text


def test_compat_routellm_refuses_tied_edges_as_qcut_does() -> None:
    jsonl("tied.jsonl", [record(1, 0, score=0.5)] * 3 + [record(0, 1, score=0.9)])
    message = refused("evaluate", "tied.jsonl", "--compat", "routellm")
    assert "pandas.qcut, which RouteLLM's evaluation calls, stops there ('Bin edges must be unique')" in message


def test_compat_routerbench_aiqs_oracle_and_chain() -> None:
    options = ("--compat", "routerbench", "--chain", "small,large", "--judge-error", "0")
    document = ok_json("evaluate", str(four()), *options)
    compat = document["compat"]
    assert compat["procedure"] == "routerbench"
    # every hull ends at $16 (the router's and the models' at large alone), and starts at its own cheapest point
    assert compat["aiq_cost"] == 16.0
    assert compat["models_aiq"] == pytest.approx(12 * (0.5 + 0.75) / 2 / 16)
    assert compat["router_aiq"] == pytest.approx((3 * (0.5 + 0.75) / 2 + 9 * 0.75) / 16)
    (cascade,) = compat["cascades"]
    # small alone (4, 0.5), the chain (12, 1): 8 under the rise, 4 flat at 1
    assert cascade["aiq"] == pytest.approx((8 * (0.5 + 1) / 2 + 4 * 1) / 16)
    assert compat["chain_by_price"] is False
    assert compat["oracle"] == {"cost": 10.0, "unsolved": 0}


def test_compat_routerbench_oracle_charges_nothing_for_unsolved_prompts() -> None:
    jsonl("unsolved.jsonl", [record(1, 1), record(0, 1), record(0, 0)])
    compat = ok_json("evaluate", "unsolved.jsonl", "--compat", "routerbench", "--chain", "small,large")["compat"]
    assert compat["oracle"] == {"cost": 1.0 + 4.0, "unsolved": 1}  # routecli's oracle: 1 + 4 + 1


def test_compat_routerbench_without_list_prices_asks_for_a_chain() -> None:
    message = refused("evaluate", str(four()), "--compat", "routerbench")
    assert message == (
        "--compat: RouterBench orders its cascade by list price per token, and has none for small, large; "
        "give the chain with --chain"
    )


def test_exclude_leaves_the_listed_prompts_out() -> None:
    write(Path("out.txt"), "# contaminated\np2\n\n  p3  \n")
    document = ok_json("evaluate", str(four()), "--exclude", "out.txt")
    assert (document["prompts"], document["excluded"]) == (2, 2)
    # p1 (both right) and p4 (large only): small 0.5, large 1
    assert [m["quality"] for m in document["models"]] == pytest.approx([0.5, 1.0])
    assert "Excluded: 2 prompts (--exclude)." in words(ok("evaluate", str(four()), "--exclude", "out.txt"))


def test_exclude_names_the_line_of_an_unknown_id() -> None:
    write(Path("out.txt"), "p2\np9\np8\n")
    assert refused("evaluate", str(four()), "--exclude", "out.txt") == (
        "out.txt:2: no prompt 'p9' in the outcomes (ids look like 'p1') (and 1 more unknown id)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p1\np2\np1\n", "out.txt:3: prompt id 'p1' is listed twice (first on line 1)"),
        ("# nothing\n\n", "out.txt: no prompt ids in the exclude file (one a line)"),
    ],
)
def test_exclude_file_errors(text: str, message: str) -> None:
    write(Path("out.txt"), text)
    assert refused("evaluate", str(four()), "--exclude", "out.txt") == message


def test_exclude_file_missing() -> None:
    assert refused("evaluate", str(four()), "--exclude", "none.txt") == "none.txt: exclude file not found"


# -------------------------------------------------------------------- three models


def three_models() -> Path:
    """a ($1), b ($2), c ($4): a right on p1 and p2, b on p1 to p3, c on all; scores rise p1 to p4."""
    rows = [("p1", 1, 1, 1, 0.1), ("p2", 1, 1, 1, 0.2), ("p3", 0, 1, 1, 0.3), ("p4", 0, 0, 1, 0.4)]
    records = [
        {
            "id": key,
            "score": score,
            "outcomes": {
                name: {"quality": right, "cost": price}
                for name, right, price in zip("abc", (a, b, c), (1.0, 2.0, 4.0), strict=True)
            },
        }
        for key, a, b, c, score in rows
    ]
    return jsonl("three.jsonl", records)


def test_three_models_frontier_tier_router_and_cascade() -> None:
    document = ok_json("evaluate", str(three_models()), "--judge-error", "0")
    assert document["models_frontier"] == ["a", "b", "c"]  # 0.5 for $4, 0.75 for $8, 1 for $16
    tiered = document["tier_router"]
    assert (tiered["score"], tiered["tiers"], tiered["steps"], tiered["points"]) == ("data", ["a", "b", "c"], 10, 66)
    # the cheapest choice: every prompt on a; the best for least: the top quarter on c, the rest on a
    assert (tiered["frontier"][0]["cost"], tiered["frontier"][0]["quality"]) == pytest.approx((4.0, 0.5))
    assert tiered["frontier"][-1]["quality"] == 1.0
    # a perfect judge down a, b, c: p1, p2 stop at a ($1), p3 at b ($3), p4 at c ($7)
    (cascade,) = document["cascades"]
    assert (cascade["chain"], cascade["quality"], cascade["cost"]) == (["a", "b", "c"], 1.0, 12.0)
    assert "3-tier router (data score) a → b → c: AIQ" in words(ok("evaluate", "three.jsonl"))


def test_tiers_given_and_their_errors() -> None:
    path = str(three_models())
    assert ok_json("evaluate", path, "--tiers", "c,a")["tier_router"]["tiers"] == ["a", "c"]
    assert refused("evaluate", path, "--tiers", "a,z") == "--tiers: no model 'z' in the outcomes (models: a, b, c)"
    assert refused("evaluate", path, "--tiers", "a,b", "--score", "none") == (
        "--tiers: an N-tier router needs a router score: the outcomes' own, or --score complexity or length"
    )


def test_csv_rows_of_the_compat_figures_and_the_tier_router() -> None:
    stdout = ok("evaluate", str(four()), "--format", "csv", "--compat", "routellm")
    table = {row["kind"]: row for row in csv.DictReader(io.StringIO(stdout))}
    assert table["routellm-router"]["name"] == "data: small > large"
    assert float(table["routellm-router"]["apgr"]) == pytest.approx(0.625)
    assert table["routellm-random"]["name"] == "small > large"
    stdout = ok("evaluate", str(four()), "--format", "csv", "--compat", "routerbench", "--chain", "small,large")
    table = {row["kind"]: row for row in csv.DictReader(io.StringIO(stdout))}
    assert float(table["routerbench-models"]["aiq"]) == pytest.approx(12 * 0.625 / 16)
    assert float(table["routerbench-oracle"]["cost"]) == 10.0
    stdout = ok("evaluate", str(three_models()), "--format", "csv")
    table = {row["kind"]: row for row in csv.DictReader(io.StringIO(stdout))}
    assert table["tier-router"]["name"] == "data: a > b > c"


def test_chart_draws_the_tier_router() -> None:
    wrote(["tiers.svg"], "evaluate", str(three_models()), "--chart", "tiers.svg")
    assert "3-tier router" in Path("tiers.svg").read_text(encoding="utf-8")


def test_compat_routerbench_means_each_model_over_its_own_cells() -> None:
    # m1 has no score for q3, m2 no cost for q4: routecli's figures keep q1, q2 and q5; RouterBench's means
    # take each model over its own non-empty cells
    write(
        Path("gaps.csv"),
        "sample_id,prompt,m1,m2,m1|total_cost,m2|total_cost\n"
        "q1,a,1,0,0.25,0.5\n"
        "q2,b,0,1,0.25,0.5\n"
        "q3,c,,1,0.25,0.5\n"
        "q4,d,1,1,0.25,\n"
        "q5,e,1,1,0.25,0.5\n",
    )
    document = ok_json("evaluate", "gaps.csv", "--compat", "routerbench", "--chain", "m1,m2")
    assert [(m["name"], m["quality"], m["cost"]) for m in document["models"]] == [
        ("m1", 2 / 3, 0.75),
        ("m2", 2 / 3, 1.5),
    ]
    assert document["compat"]["models"] == [
        # m1's q3 has a cost though no score: pandas' sum counts it, as its mean skips the score
        {"name": "m1", "prompts": 4, "quality": 0.75, "cost": 1.25},
        {"name": "m2", "prompts": 5, "quality": 0.8, "cost": 2.0},
    ]
