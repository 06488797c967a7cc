"""What changed between two sets of model prices, and how ``routecli pricing diff`` shows it."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from routecli.cli import app
from routecli.pricing.price_diff import FieldChange, PriceDiff, diff_prices, price_fields
from routecli.pricing.price_files import load_price_table
from routecli.pricing.prices import LongContext, ModelPrice, TokenRates
from routecli.render.prices import price_diff_json, price_diff_markdown, price_diff_renderable
from tests.helpers.files import write
from tests.helpers.paths import REPO


def price(model_id: str, input: str = "2", output: str = "8", **fields: object) -> ModelPrice:
    return ModelPrice(id=model_id, provider="p", standard=TokenRates(Decimal(input), Decimal(output)), **fields)


@pytest.mark.parametrize(
    ("old", "new", "percent"),
    [
        (Decimal(2), Decimal("2.5"), Decimal(25)),
        (Decimal(8), Decimal(4), Decimal(-50)),
        (200_000, 272_000, Decimal(36)),
        (Decimal(0), Decimal(1), None),
        (None, Decimal(1), None),
        (Decimal(1), None, None),
    ],
)
def test_percent_change_is_relative_to_the_old_value(
    old: Decimal | int | None, new: Decimal | int | None, percent: Decimal | None
) -> None:
    assert FieldChange("input_per_mtok", old, new).percent == percent


def test_price_fields_name_every_compared_field_in_order() -> None:
    full = price(
        "m",
        batch=TokenRates(Decimal(1), Decimal(4)),
        long_context=LongContext(200_000, TokenRates(Decimal(4), Decimal(12), Decimal("0.4"))),
        context_window=1000,
    )
    fields = price_fields(full)
    rates = ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok")
    assert tuple(fields) == (
        *rates,
        "cache_write_1h_per_mtok",
        "reasoning_per_mtok",
        "per_request",
        *(f"batch.{name}" for name in rates),
        *(f"flex.{name}" for name in rates),
        *(f"priority.{name}" for name in rates),
        "long_context.above_tokens",
        *(f"long_context.{name}" for name in rates),
        "context_window",
        "max_output_tokens",
        "deprecation_date",
    )
    assert fields["batch.output_per_mtok"] == Decimal(4)
    assert fields["long_context.above_tokens"] == 200_000
    assert fields["long_context.cached_input_per_mtok"] == Decimal("0.4")
    assert fields["long_context.cache_write_per_mtok"] is None
    assert (fields["context_window"], fields["max_output_tokens"]) == (1000, None)
    assert (fields["flex.input_per_mtok"], fields["deprecation_date"]) == (None, None)


def test_a_deprecation_date_change_has_no_percent() -> None:
    old, new = price("m"), replace(price("m"), deprecation_date="2026-12-11")
    (change,) = diff_prices([old], [new]).changed
    (field,) = change.changes
    assert (field.field, field.old, field.new, field.percent) == ("deprecation_date", None, "2026-12-11", None)


def test_changed_added_removed_and_unchanged() -> None:
    old = [price("a"), price("b"), price("gone")]
    new = [price("b", input="2.5"), price("a"), price("fresh")]
    diff = diff_prices(old, new)
    assert [(change.name, change.changes) for change in diff.changed] == [
        ("b", (FieldChange("input_per_mtok", Decimal(2), Decimal("2.5")),))
    ]
    assert [model.id for model in diff.added] == ["fresh"]
    assert [model.id for model in diff.removed] == ["gone"]
    assert diff.unchanged == 1
    assert diff_prices(old, old) == PriceDiff(changed=(), added=(), removed=(), unchanged=3)


def test_a_field_gained_or_lost_is_a_change() -> None:
    old = [price("m", batch=TokenRates(Decimal(1), Decimal(4)))]
    new = [price("m", context_window=8192)]
    (change,) = diff_prices(old, new).changed
    assert change.changes == (
        FieldChange("batch.input_per_mtok", Decimal(1), None),
        FieldChange("batch.output_per_mtok", Decimal(4), None),
        FieldChange("context_window", None, 8192),
    )


def test_models_pair_up_through_aliases_case_insensitively() -> None:
    """The shipped gemini-2.5-pro (alias gemini/gemini-2.5-pro) pairs with LiteLLM's key gemini/gemini-2.5-pro."""
    old = [price("gemini-2.5-pro", aliases=("gemini/gemini-2.5-pro", "Gemini-2.5-Pro-Latest"))]
    new = [price("gemini/gemini-2.5-pro", output="10"), price("gemini-2.5-pro-latest"), price("gemini-2.5-PRO")]
    diff = diff_prices(old, new)
    assert [change.name for change in diff.changed] == ["gemini-2.5-pro → gemini/gemini-2.5-pro"]
    assert (diff.unchanged, diff.added, diff.removed) == (2, (), ())


def test_a_renamed_model_that_keeps_its_old_id_as_an_alias_is_changed_not_removed() -> None:
    diff = diff_prices([price("old-name", input="1")], [price("new-name", aliases=("old-name",))])
    assert [(c.name, c.changes[0].field) for c in diff.changed] == [("old-name → new-name", "input_per_mtok")]
    assert diff.removed == diff.added == ()


def _diff() -> tuple[list[ModelPrice], list[ModelPrice]]:
    old = [price("gpt-x", context_window=65536), price("gone", input="30", output="60")]
    new = [
        price("gpt-x", input="2.5", output="6", context_window=65535),
        price("fresh", input="0.02", output="0", context_window=8191),
    ]
    return old, new


def test_table_shows_each_change_with_its_percent() -> None:
    old, new = _diff()
    out = io.StringIO()
    Console(file=out, width=80).print(price_diff_renderable(diff_prices(old, new), "old.yaml", "new.yaml"))
    text = out.getvalue()
    assert text.startswith("Prices old.yaml → new.yaml: 1 changed, 1 added, 1 removed, 0 unchanged (USD per \n1M")
    lines = [line.split() for line in text.splitlines()]
    assert ["gpt-x"] in lines
    assert ["input_per_mtok", "2", "2.5", "+25%"] in lines
    assert ["output_per_mtok", "8", "6", "-25%"] in lines
    assert ["context_window", "65,536", "65,535", "-0.0015%"] in lines  # -1/65536 = -0.00153%
    assert ["fresh", "0.02", "0", "8,191"] in lines
    assert ["gone", "30", "60", "—"] in lines


def test_no_differences_say_so() -> None:
    out = io.StringIO()
    same = diff_prices([price("a")], [price("a")])
    Console(file=out, width=120).print(price_diff_renderable(same, "a.yaml", "b.yaml"))
    assert out.getvalue() == "Prices a.yaml → b.yaml: 0 changed, 0 added, 0 removed, 1 unchanged (USD per 1M tokens)\n"


def test_markdown_lists_changed_added_and_removed() -> None:
    text = price_diff_markdown(diff_prices(*_diff()), "old.yaml", "new.yaml")
    assert text.startswith("## Prices `old.yaml` → `new.yaml`\n\n1 changed, 1 added, 1 removed, 0 unchanged")
    assert "| gpt-x | input_per_mtok | 2 | 2.5 | +25% |\n|  | output_per_mtok | 8 | 6 | -25% |\n" in text
    assert "### Added\n" in text
    assert "| p | fresh | 0.02 | 0 | — | — | — | 8,191 |" in text
    assert "### Removed\n" in text


def test_json_keeps_money_exact() -> None:
    document = json.loads(price_diff_json(diff_prices(*_diff()), "old.yaml", "new.yaml"))
    assert (document["old"], document["new"], document["unchanged"]) == ("old.yaml", "new.yaml", 0)
    (changed,) = document["changed"]
    assert (changed["id"], changed["new_id"]) == ("gpt-x", "gpt-x")
    assert changed["changes"][0] == {"field": "input_per_mtok", "old": "2", "new": "2.5", "percent": 25.0}
    assert changed["changes"][2] == {"field": "context_window", "old": 65536, "new": 65535, "percent": -0.0015}
    assert [m["id"] for m in document["added"]] == ["fresh"]
    assert document["added"][0]["input_per_mtok"] == "0.02"
    assert [m["id"] for m in document["removed"]] == ["gone"]


TABLE = """\
provider: mine
as_of: 2026-01-01
source: contract
models:
  - {id: a, input_per_mtok: 1, output_per_mtok: 4}
  - {id: b, aliases: [b-2026], input_per_mtok: 2, output_per_mtok: 8}
"""


def test_cli_differences_exit_0(tmp_path: Path) -> None:
    old = write(tmp_path / "old.yaml", TABLE)
    new = write(tmp_path / "new.yaml", TABLE.replace("input_per_mtok: 1,", "input_per_mtok: 1.5,"))
    result = CliRunner().invoke(app, ["pricing", "diff", str(old), str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    (changed,) = json.loads(result.stdout)["changed"]
    assert changed["changes"] == [{"field": "input_per_mtok", "old": "1", "new": "1.5", "percent": 50.0}]


def test_cli_compares_folders_and_writes_by_suffix(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    write(tmp_path / "old" / "mine.yaml", TABLE)
    write(tmp_path / "new" / "mine.yaml", TABLE.replace("id: a,", "id: a2,"))
    write(
        tmp_path / "new" / "more.yaml", TABLE.replace("id: a,", "id: c,").replace("id: b, aliases: [b-2026]", "id: d")
    )
    result = CliRunner().invoke(app, ["pricing", "diff", "old", "new", "-o", "diff.md"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "diff.md").read_text()
    assert "0 changed, 3 added, 1 removed, 1 unchanged" in text
    assert "| mine | a2 | 1 | 4 |" in text


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "nope.yaml: price table not found"),
        ("empty folder", "empty: no price tables (*.yaml) in this folder"),
        ("twice", "model id or alias 'a' is defined in both"),
        ("bad", "bad.yaml:5: models[0].input_per_mtok: expected a price"),
    ],
)
def test_cli_unreadable_tables_exit_2(tmp_path: Path, setup: str, message: str) -> None:
    good = write(tmp_path / "good.yaml", TABLE)
    (tmp_path / "empty").mkdir()
    (tmp_path / "twice").mkdir()
    write(tmp_path / "twice" / "one.yaml", TABLE)
    write(tmp_path / "twice" / "two.yaml", TABLE.replace("provider: mine", "provider: other"))
    write(tmp_path / "bad.yaml", TABLE.replace("input_per_mtok: 1,", "input_per_mtok: -1,"))
    other = {"missing": "nope.yaml", "empty folder": "empty", "twice": "twice", "bad": "bad.yaml"}[setup]
    result = CliRunner().invoke(app, ["pricing", "diff", str(good), other])
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    old = write(tmp_path / "old.yaml", TABLE)
    result = CliRunner().invoke(app, ["pricing", "diff", str(old), str(old), "-o", str(old)])
    assert result.exit_code == 2
    assert "is an input of this run" in result.stderr


def test_shipped_table_against_itself_is_the_same() -> None:
    path = REPO / "pricing" / "anthropic.yaml"
    result = CliRunner().invoke(app, ["pricing", "diff", str(path), str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert f": 0 changed, 0 added, 0 removed, {len(load_price_table(path))} unchanged" in result.stdout
