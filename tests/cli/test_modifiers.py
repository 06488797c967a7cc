"""What a strategy's cost assumes: the semantic cache, prompt caching and batch modifiers, and who set them.

Issue 14: with ``prompt_caching: {cached_share: 0.5}`` neither the table nor the JSON said a modifier applied.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema

from routecli.render.simulate_json import REPORT_SCHEMA
from routecli.simulate.costmodel import AppliedModifier, simulate
from routecli.simulate.scenario_file import read_scenario
from tests.helpers.cli import ok, ok_json
from tests.helpers.files import write
from tests.helpers.paths import EXAMPLE

CACHED = """\
name: cached
traffic:
  requests_per_month: 1000
  segments:
    - {name: easy, share: 0.5, input_tokens: 1000, output_tokens: 100}
    - {name: hard, share: 0.5, input_tokens: 1000, output_tokens: 100}
prompt_caching: {cached_share: 0.5}
models:
  big:
    price: {input_per_mtok: 10, output_per_mtok: 40, cached_input_per_mtok: 1,
            batch: {input_per_mtok: 5, output_per_mtok: 20}}
strategies:
  - {name: shared, type: single, model: big}
  - {name: own, type: single, model: big, prompt_caching: {cached_share: 0.8, write_share: 0.1}, batch: true}
  - {name: faq, type: single, model: big, prompt_caching: false, semantic_cache: {hit_rate: {easy: 0.4, hard: 0.2}}}
  - {name: plain, type: single, model: big, prompt_caching: false}
baseline: shared
"""


def _scenario(tmp_path: Path) -> Path:
    return write(tmp_path / "cached.yaml", CACHED)


def test_the_result_carries_each_strategys_modifiers_and_their_scope(tmp_path: Path) -> None:
    result = simulate(read_scenario(_scenario(tmp_path)).build())  # the cost model fills them, not a renderer
    modifiers = {strategy.name: strategy.modifiers for strategy in result.strategies}
    half = Decimal("0.5")
    assert modifiers["shared"] == (AppliedModifier("prompt_caching", "scenario", cached_share=half, write_share=0),)
    assert modifiers["own"] == (
        AppliedModifier("prompt_caching", "strategy", cached_share=Decimal("0.8"), write_share=Decimal("0.1")),
        AppliedModifier("batch", "strategy"),
    )
    # 0.5 × 0.4 + 0.5 × 0.2 of all requests hit the cache
    (cache,) = modifiers["faq"]
    assert (cache.kind, cache.scope, cache.hit_rate) == ("semantic_cache", "strategy", Decimal("0.3"))
    assert cache.hit_rate_by_segment == {"easy": Decimal("0.4"), "hard": Decimal("0.2")}
    assert modifiers["plain"] == ()  # false turned the scenario's off: nothing assumed


def test_the_table_lists_the_modifiers_under_it(tmp_path: Path) -> None:
    table = ok("simulate", str(_scenario(tmp_path)))
    lines = table.splitlines()
    at = lines.index("Modifiers assumed (scenario: set at the top level; own: set by the strategy):")
    assert [line.rstrip() for line in lines[at + 1 : at + 5]] == [
        "  shared  prompt caching: 50.0% of input cached (scenario)",
        "  own     prompt caching: 80.0% of input cached, 10.0% written (own)",
        "          batch prices (own)",
        "  faq     semantic cache: 30.0% hit rate (own)",
    ]
    assert lines[at + 5] == ""  # plain assumes nothing: no line
    assert at < lines.index("Monthly cost")  # right under the table, above the cost bars


def test_a_scenario_without_modifiers_shows_no_modifier_lines() -> None:
    assert "Modifiers assumed" not in ok("simulate", str(EXAMPLE))
    assert all(strategy["modifiers"] == [] for strategy in ok_json("simulate", str(EXAMPLE))["strategies"])


def test_json_csv_markdown_and_html_say_it_too(tmp_path: Path) -> None:
    scenario = str(_scenario(tmp_path))
    report = ok_json("simulate", scenario)
    jsonschema.validate(report, REPORT_SCHEMA)
    modifiers = {strategy["name"]: strategy["modifiers"] for strategy in report["strategies"]}
    assert modifiers["shared"] == [
        {"kind": "prompt_caching", "scope": "scenario", "cached_share": 0.5, "write_share": 0.0}
    ]
    assert modifiers["own"] == [
        {"kind": "prompt_caching", "scope": "strategy", "cached_share": 0.8, "write_share": 0.1},
        {"kind": "batch", "scope": "strategy"},
    ]
    assert modifiers["faq"] == [
        {
            "kind": "semantic_cache",
            "scope": "strategy",
            "hit_rate": 0.3,
            "hit_rate_by_segment": {"easy": 0.4, "hard": 0.2},
        }
    ]
    assert modifiers["plain"] == []

    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(ok("simulate", scenario, "-f", "csv")))}
    assert rows["own"]["modifiers"] == "prompt caching: 80.0% of input cached, 10.0% written (own); batch prices (own)"
    assert rows["plain"]["modifiers"] == ""

    markdown = ok("simulate", scenario, "-f", "markdown")
    assert "- faq: semantic cache: 30.0% hit rate (own)\n" in markdown
    html = ok("simulate", scenario, "-f", "html")
    assert "<li>shared: prompt caching: 50.0% of input cached (scenario)</li>" in html


def test_diff_and_check_read_new_reports_and_old_ones(tmp_path: Path) -> None:
    new = tmp_path / "new.json"
    ok("simulate", str(_scenario(tmp_path)), "-f", "json", "-o", str(new))
    document: dict[str, Any] = json.loads(new.read_text())
    for strategy in document["strategies"]:
        del strategy["modifiers"]  # as routecli wrote reports before modifiers were listed
    old = write(tmp_path / "old.json", json.dumps(document))
    jsonschema.validate(document, REPORT_SCHEMA)  # the key is optional: old reports still match
    assert ok_json("diff", str(old), str(new))["verdict"].startswith("Monthly cost of the baseline (shared)")
    ok("check", str(new), "--max-monthly", "1000")
    ok("check", str(old), "--max-monthly", "1000")
