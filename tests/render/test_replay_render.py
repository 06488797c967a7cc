"""The replay report's renderers: the JSON contract, the terminal and Markdown tables, CSV.

The reports are the hand-worked ones of tests/helpers/decisions.py; figures here are
those numbers as people read them (``money``: cents from $1, four significant digits below).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from routecli.render.replay_json import REPLAY_REPORT_SCHEMA, REPLAY_SCHEMA_VERSION, replay_document, replay_json
from routecli.render.replay_report import CSV_COLUMNS, replay_csv, replay_markdown, replay_renderable
from routecli.replay.records import RunInfo
from routecli.replay.report import ReplayReport, build_report, with_projection
from tests.helpers.decisions import (
    CASCADE_RUN,
    HEAVY,
    LIGHT,
    ROUTE_RUN,
    answer,
    cascade_decisions,
    decision,
    failure,
    route_decisions,
)
from tests.helpers.paths import REPO

D = Decimal
VALIDATOR = jsonschema.Draft202012Validator(REPLAY_REPORT_SCHEMA)
DRY_RUN = replace(CASCADE_RUN, dry_run=True, output_tokens_assumed=256)


@pytest.fixture
def cascade() -> ReplayReport:
    return build_report(CASCADE_RUN, cascade_decisions())


@pytest.fixture
def routed() -> ReplayReport:
    return build_report(ROUTE_RUN, route_decisions())


def dry_run_report() -> ReplayReport:
    """Prompt 1 only, estimated: light (1000 in, 200 out) at 0.0014; on heavy 16000 → 0.016."""
    estimated = answer("light", (1000, 200, 0), "0.0014", 0, estimated=True)
    return build_report(DRY_RUN, [decision("1", [estimated], "light", 0)])


def text(report: ReplayReport, width: int = 100) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(replay_renderable(report))
    return console.export_text()


# ---------------------------------------------------------------- JSON


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(REPLAY_REPORT_SCHEMA)


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(lambda: build_report(CASCADE_RUN, cascade_decisions()), id="cascade"),
        pytest.param(lambda: build_report(ROUTE_RUN, route_decisions()), id="routed-with-labels"),
        pytest.param(lambda: build_report(CASCADE_RUN, []), id="nothing-replayed"),
        pytest.param(lambda: build_report(CASCADE_RUN, cascade_decisions()[-1:]), id="nothing-answered"),
        pytest.param(dry_run_report, id="dry-run"),
    ],
)
def test_every_report_validates(report: Any) -> None:
    VALIDATOR.validate(json.loads(replay_json(report())))


def test_schema_rejects_unknown_and_missing_keys(cascade: ReplayReport) -> None:
    document = replay_document(cascade)
    VALIDATOR.validate(document)
    assert not VALIDATOR.is_valid({**document, "surprise": 1})
    assert not VALIDATOR.is_valid({**document, "tiers": [{**document["tiers"][0], "surprise": 1}]})
    assert not VALIDATOR.is_valid({key: value for key, value in document.items() if key != "routing"})
    assert not VALIDATOR.is_valid({**document, "total_spend": 0.035475})  # money is a string


def test_json_text_is_the_document(cascade: ReplayReport) -> None:
    written = replay_json(cascade)
    assert written.endswith("}\n")
    assert written.startswith('{\n  "schema_version": 1,')
    assert json.loads(written) == replay_document(cascade)


def test_document_top_level(cascade: ReplayReport) -> None:
    document = replay_document(cascade)
    assert (document["schema_version"], REPLAY_SCHEMA_VERSION, document["kind"]) == (1, 1, "replay")
    assert (document["setup"], document["config"], document["prompts"]) == ("cascade", "router.yaml", "prompts.jsonl")
    assert (document["started"], document["dry_run"], document["currency"]) == ("2026-01-02T03:04:05Z", False, "USD")
    assert (document["requests"], document["answered"], document["failed"]) == (6, 4, 2)
    assert (document["invalid_lines"], document["estimated_token_requests"]) == (1, 1)
    assert document["total_spend"] == "0.035475"
    assert document["escalated"] == 4
    assert document["escalation_rate"] == pytest.approx(4 / 6)
    assert document["errors"] == {"by_kind": {"server": 3, "timeout": 2, "rate_limit": 1}, "failed_ids": ["9", "10"]}
    assert document["quality"] == {"checked": 3, "correct": 2, "accuracy": pytest.approx(2 / 3)}
    assert document["latency_ms"] == pytest.approx({"p50": 285, "p95": 24092.5, "p99": 28890.5, "mean": 6141})
    assert document["routing"] is None


def test_document_tiers(cascade: ReplayReport) -> None:
    light, mid, heavy = replay_document(cascade)["tiers"]
    assert light == {
        "name": "light",
        "model": "small-1",
        "requests": 6,
        "answered": 2,
        "answer_share": 0.5,
        "input_tokens": 3500,
        "output_tokens": 350,
        "reasoning_tokens": 0,
        "cached_tokens": 1000,
        "estimated_requests": 1,
        "spend": "0.0037",
        "spend_share": pytest.approx(0.0037 / 0.035475),
        "errors": 2,
        "latency_ms": pytest.approx({"p50": 90, "p95": 3780, "p99": 120 + 4880 * 0.95, "mean": 5351 / 6}),
        "quality": {"checked": 1, "correct": 1, "accuracy": 1.0},
    }
    assert (mid["name"], mid["spend"], mid["quality"]) == (
        "mid",
        "0.016275",
        {"checked": 1, "correct": 0, "accuracy": 0.0},
    )
    assert (heavy["name"], heavy["spend"], heavy["cached_tokens"]) == ("heavy", "0.0155", 600)


def test_document_hops_and_counterfactual(cascade: ReplayReport) -> None:
    document = replay_document(cascade)
    first, second = document["hops"]
    assert first == {
        "from": "light",
        "to": "mid",
        "attempted": 6,
        "escalated": 4,
        "rate": pytest.approx(4 / 6),
        "reasons": {"judge": 2, "error": 2, "logprob": 1},
    }
    assert second == {
        "from": "mid",
        "to": "heavy",
        "attempted": 4,
        "escalated": 3,
        "rate": 0.75,
        "reasons": {"error": 2, "length": 1},
    }
    assert document["counterfactual"] == {
        "top": {
            "tier": "heavy",
            "model": "big-1",
            "spend": "0.0657",
            "compared_spend": "0.03438",
            "savings": "0.03132",
            "savings_pct": pytest.approx(0.03132 / 0.0657 * 100),
        },
        "bottom": {
            "tier": "light",
            "model": "small-1",
            "spend": "0.00578",
            "compared_spend": "0.03438",
            "savings": "-0.0286",
            "savings_pct": pytest.approx(-0.0286 / 0.00578 * 100),
        },
    }


def test_document_routing(routed: ReplayReport) -> None:
    assert replay_document(routed)["routing"] == {
        "distribution": {"light": 3, "heavy": 2},
        "labelled": 4,
        "agreed": 3,
        "accuracy": 0.75,
        "confusion": {"heavy": {"heavy": 1, "light": 1}, "light": {"light": 2}},
    }


def test_nulls_when_nothing_was_replayed() -> None:
    document = replay_document(build_report(CASCADE_RUN, []))
    assert (document["requests"], document["total_spend"], document["escalation_rate"]) == (0, "0", None)
    assert document["latency_ms"] is None
    assert document["quality"] is None
    assert document["routing"] is None
    assert document["counterfactual"] == {"top": None, "bottom": None}
    assert [hop["rate"] for hop in document["hops"]] == [None, None]
    for tier in document["tiers"]:
        assert (tier["answer_share"], tier["spend_share"], tier["latency_ms"], tier["quality"]) == (None,) * 4


def test_dry_run_document_times_nothing() -> None:
    document = replay_document(dry_run_report())
    assert document["dry_run"] is True
    assert document["estimated_token_requests"] == 1
    assert document["latency_ms"] is None
    assert [tier["latency_ms"] for tier in document["tiers"]] == [None, None, None]
    assert document["counterfactual"]["top"]["spend"] == "0.016"


def test_money_stays_exact() -> None:
    run = RunInfo(tiers=(LIGHT, HEAVY), setup="single")
    tiny = answer("light", (100, 12, 0), "0.000123456", 5)
    document = replay_document(build_report(run, [decision("1", [tiny], "light", 5)]))
    assert document["tiers"][0]["spend"] == "0.000123456"
    assert document["total_spend"] == "0.000123456"
    assert document["tiers"][1]["spend"] == "0"


# ------------------------------------------------------------- terminal


def test_table_has_the_figures(cascade: ReplayReport) -> None:
    shown = text(cascade)
    assert "Replay (cascade): 6 prompts, 4 answered, 2 failed; spend $0.03548, which saves $0.03132 (47.7%)" in (
        " ".join(shown.split())
    )
    for row in (
        ("light (small-1)", "6", "2 (50.0%)", "$0.0037 (10.4%)", "100.0% (1/1)", "3,500", "350", "90 ms", "3.8 s"),
        ("mid (mid-1)", "6", "1 (25.0%)", "$0.01628 (45.9%)", "0.0% (0/1)", "3,600", "365", "35 ms", "275 ms"),
        ("heavy (big-1)", "3", "1 (25.0%)", "$0.0155 (43.7%)", "100.0% (1/1)", "800", "400", "900 ms", "27.1 s"),
    ):
        tier = row[0].split()[0]  # the label wraps at its space when the table is narrow
        lines = [line for line in shown.splitlines() if line.strip().startswith(tier)]
        cells = " ".join(lines)  # a narrow table is split in two, the tier repeated
        for cell in row[1:]:
            assert cell in cells, (row[0], cell)
    assert "Escalated: 4 of 6 prompts (66.7%)" in shown
    assert "Latency per prompt: p50 285 ms, p95 24.1 s, p99 28.9 s, mean 6.1 s" in shown
    assert "Quality: 2 of 3 checked answers correct (66.7%)" in shown


def test_table_shows_hops_counterfactuals_and_errors(cascade: ReplayReport) -> None:
    shown = text(cascade)
    hop_lines = [line.split() for line in shown.splitlines() if "→" in line]
    assert hop_lines[0][:6] == ["light", "→", "mid", "6", "4", "66.7%"]
    assert {"judge", "error", "logprob"} <= set(hop_lines[0])
    assert hop_lines[1][:6] == ["mid", "→", "heavy", "4", "3", "75.0%"]
    assert "All on heavy (big-1): $0.0657 — this setup saves $0.03132 (47.7%)" in shown
    assert "All on light (small-1): $0.00578 — this setup costs $0.0286 more (494.8% more)" in shown
    assert "Errors: server 3, timeout 2, rate_limit 1" in shown
    assert "No answer for 2 prompts: 9, 10" in shown
    assert "Skipped 1 invalid prompt line." in shown
    assert "Token counts of 1 of 15 calls are tiktoken estimates" in shown


def test_table_fits_80_columns(cascade: ReplayReport, routed: ReplayReport) -> None:
    for report in (cascade, routed):
        assert max(len(line.rstrip()) for line in text(report, width=80).splitlines()) <= 80


def test_routing_and_confusion_matrix(routed: ReplayReport) -> None:
    shown = text(routed)
    assert "Routed: light 3 (60.0%), heavy 2 (40.0%)" in shown
    assert "Router accuracy: 75.0% (3 of 4 labelled prompts)" in shown
    lines = shown.splitlines()
    header = next(index for index, line in enumerate(lines) if "Label \\ decided" in line)
    assert lines[header].split() == ["Label", "\\", "decided", "light", "heavy"]
    assert [line.split() for line in lines[header + 2 : header + 4]] == [["light", "2", "0"], ["heavy", "1", "1"]]
    assert "Escalat" not in shown  # no chain, nothing to escalate


def test_only_the_first_ten_failed_ids() -> None:
    run = RunInfo(tiers=(LIGHT,), setup="single")
    decisions = [decision(str(n), [failure("light", "server", 1)], None, 1) for n in range(12, 0, -1)]
    shown = text(build_report(run, decisions))
    assert "No answer for 12 prompts: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more" in " ".join(shown.split())
    assert "11" not in shown


def test_dry_run_banner_and_no_measurements() -> None:
    report = dry_run_report()
    shown = " ".join(text(report).split())
    assert (
        "Dry run: no model was called. Costs are estimates: tiktoken input counts and 256 assumed output tokens "
        "per answer; escalations are not estimated." in shown
    )
    assert "Latency" not in shown
    assert "Escalat" not in shown.replace("escalations are not estimated", "")
    assert "tiktoken estimates (" not in shown  # the banner says so already
    assert "All on heavy (big-1): $0.016 — this setup saves $0.0146 (91.3%)" in shown
    assert "All on light (small-1): $0.0014 — this setup costs the same" in shown


def test_nothing_replayed_renders() -> None:
    report = build_report(CASCADE_RUN, [])
    shown = text(report)
    assert "Replay (cascade): 0 prompts, 0 answered, 0 failed; spend $0.00" in shown
    assert "All on" not in shown
    assert "## Replay: cascade" in replay_markdown(report)


# ------------------------------------------------------------- Markdown


def test_markdown_tables(cascade: ReplayReport) -> None:
    markdown = replay_markdown(cascade)
    assert markdown.startswith("## Replay: cascade\n\n")
    assert "| Tier | Calls | Served | Spend | Quality | Input tokens | Output tokens | P50 | P95 |" in markdown
    assert (
        "| light (small-1) | 6 | 2 (50.0%) | $0.0037 (10.4%) | 100.0% (1/1) | 3,500 | 350 | 90 ms | 3.8 s |" in markdown
    )
    assert (
        "| heavy (big-1) | 3 | 1 (25.0%) | $0.0155 (43.7%) | 100.0% (1/1) | 800 | 400 | 900 ms | 27.1 s |" in markdown
    )
    assert "| mid → heavy | 4 | 3 | 75.0% | error 2, length 1 |" in markdown
    assert "- All on heavy (big-1): $0.0657 — this setup saves $0.03132 (47.7%)" in markdown
    assert "- All on light (small-1): $0.00578 — this setup costs $0.0286 more (494.8% more)" in markdown
    assert "- No answer for 2 prompts: 9, 10" in markdown
    assert "\n\n\n" not in markdown


def test_markdown_routing_and_dry_run(routed: ReplayReport) -> None:
    markdown = replay_markdown(routed)
    assert "- Router accuracy: 75.0% (3 of 4 labelled prompts)" in markdown
    assert (
        "| Label \\ decided | light | heavy |\n| --- | ---: | ---: |\n| light | 2 | 0 |\n| heavy | 1 | 1 |" in markdown
    )
    dry = replay_markdown(dry_run_report())
    assert "> **Dry run:** no model was called. Costs are estimates: tiktoken input counts and 256 assumed" in dry


# ------------------------------------------------------------------ CSV


def read_csv(report: ReplayReport) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(replay_csv(report)))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


def test_csv_rows_and_total(cascade: ReplayReport) -> None:
    rows = read_csv(cascade)
    assert [row["tier"] for row in rows] == ["light", "mid", "heavy", "total"]
    *tiers, total = rows
    assert [row["spend"] for row in tiers] == ["0.0037", "0.016275", "0.0155"]
    assert total["spend"] == "0.035475"
    assert sum(D(row["spend"]) for row in tiers) == D(total["spend"])
    for column in ("requests", "answered", "input_tokens", "output_tokens", "cached_tokens", "errors"):
        assert sum(int(row[column]) for row in tiers) == int(total[column]), column
    for column in ("quality_checked", "quality_correct"):
        assert sum(int(row[column]) for row in tiers) == int(total[column]), column
    assert (total["requests"], total["answered"], total["quality_checked"], total["quality_correct"]) == (
        "15",
        "4",
        "3",
        "2",
    )
    assert sum(float(row["answer_share"]) for row in tiers) == pytest.approx(float(total["answer_share"])) == 1
    assert float(tiers[0]["latency_p50_ms"]) == 90
    assert float(total["latency_p50_ms"]) == 285  # per prompt, end to end


def test_csv_money_is_exact_and_empty_cells_are_blank() -> None:
    run = RunInfo(tiers=(LIGHT, HEAVY), setup="single")
    tiny = answer("light", (100, 12, 0), "0.000123456", 5)
    light, heavy, total = read_csv(build_report(run, [decision("1", [tiny], "light", 5)]))
    assert (light["spend"], heavy["spend"], total["spend"]) == ("0.000123456", "0", "0.000123456")
    assert (heavy["latency_p50_ms"], heavy["spend_share"], heavy["quality_checked"]) == ("", "0.0", "0")


def test_csv_of_a_dry_run_has_no_latency() -> None:
    rows = read_csv(dry_run_report())
    assert [row["latency_p50_ms"] for row in rows] == ["", "", "", ""]


def _failed_with_expected(number: int) -> Any:
    return decision(str(number), [failure("light", "connect", 3)], None, 3)._replace(expected="42")


def test_no_answer_to_check_is_not_read_as_a_wrong_model() -> None:
    """Five prompts with expected answers, none answered: nothing was checked against them."""
    report = build_report(RunInfo(tiers=(LIGHT,), setup="single"), [_failed_with_expected(n) for n in range(5)])
    assert "Quality: no answers to check (5 prompts failed)" in text(report)
    assert "Quality: no answers to check (5 prompts failed)" in replay_markdown(report)
    assert "0.0%" not in text(report)
    assert replay_document(report)["quality"] == {"checked": 5, "correct": 0, "accuracy": 0.0}  # as docs say


def test_quality_says_how_many_unanswered_prompts_it_counts_as_wrong() -> None:
    answered = decision("9", [answer("light", (10, 1, 0), "0.000012", 5)], "light", 5, correct=True)
    one = build_report(RunInfo(tiers=(LIGHT,), setup="single"), [answered, _failed_with_expected(1)])
    assert "Quality: 1 of 2 checked prompts correct (50.0%; the one with no answer counts as wrong)" in text(one)
    two = build_report(
        RunInfo(tiers=(LIGHT,), setup="single"), [answered, _failed_with_expected(1), _failed_with_expected(2)]
    )
    assert "Quality: 1 of 3 checked prompts correct (33.3%; the 2 with no answer count as wrong)" in text(two)


# ---------------------------------------------------------- --project


def test_a_projection_is_written_exactly_and_validates(cascade: ReplayReport) -> None:
    """The six prompts spent 0.035475: 0.0059125 a prompt, × 1,000 requests = 5.9125."""
    document = replay_document(with_projection(cascade, D(1000)))
    VALIDATOR.validate(document)
    projection = document["projection"]
    assert (projection["requests_per_month"], projection["prompts"], projection["monthly_spend"]) == (
        "1000",
        6,
        "5.9125",
    )
    assert D(projection["low"]) < D("5.9125") < D(projection["high"])
    assert replay_document(cascade)["projection"] is None


def test_the_table_and_markdown_say_what_a_projection_rests_on(cascade: ReplayReport) -> None:
    projected = with_projection(cascade, D(3_000_000))
    shown = " ".join(text(projected, width=200).split())
    assert "Projected at 3,000,000 requests a month: $17,737.50 a month (95% interval $" in shown
    assert "Rests on 6 prompts: $0.005913 a prompt on average (measured)" in shown
    markdown = replay_markdown(projected)
    assert "### Projection\n\n- Projected at 3,000,000 requests a month: $17,737.50 a month" in markdown
    assert "Rests on 6 prompts" in markdown
    assert "Projected" not in text(cascade)
    assert "Projection" not in replay_markdown(cascade)


def test_a_dry_runs_projection_says_it_is_estimated() -> None:
    shown = " ".join(text(with_projection(dry_run_report(), D(10)), width=200).split())
    assert "Projected at 10 requests a month: $0.014 a month" in shown  # 0.0014 × 10
    assert "Rests on 1 prompt: $0.0014 a prompt on average (estimated)" in shown


def test_the_docs_projection_example_is_the_hand_worked_cascades(cascade: ReplayReport) -> None:
    """docs/replay-report.md shows the cascade (the page's example run) projected to 3M requests a month."""
    doc = (REPO / "docs" / "replay-report.md").read_text()
    shown = doc.split("### Projecting to a monthly volume", 1)[1].split("```")[1].strip().splitlines()
    markdown = replay_markdown(with_projection(cascade, D(3_000_000)))
    assert [f"- {line}" for line in shown] == markdown.split("### Projection\n\n", 1)[1].split("\n\n", 1)[
        0
    ].splitlines()
