"""LiteLLM's per-token price list converted into routecli price tables."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.cli.pricing import ImportMode
from routecli.errors import InvalidValueError
from routecli.pricing.litellm import IMPORT_MODES, ImportResult, import_litellm, per_million, price_table_yaml
from routecli.pricing.price_files import load_price_table
from routecli.pricing.prices import LongContext, ModelPrice, TokenRates
from tests.helpers.cli import refused
from tests.helpers.doc_console import check_console_blocks
from tests.helpers.files import write
from tests.helpers.paths import LITELLM, REPO

AS_OF = dt.date(2026, 11, 23)
PRICING_DOC = REPO / "docs" / "pricing.md"

GPT = {
    "litellm_provider": "openai",
    "mode": "chat",
    "input_cost_per_token": 2.5e-06,
    "output_cost_per_token": 1.5e-05,
    "cache_read_input_token_cost": 2.5e-07,
    "cache_creation_input_token_cost": 3.125e-06,
    "input_cost_per_token_batches": 1.25e-06,
    "output_cost_per_token_batches": 7.5e-06,
    "cache_read_input_token_cost_batches": 1.25e-07,
    "input_cost_per_token_above_200k_tokens": 5e-06,
    "output_cost_per_token_above_200k_tokens": 2.25e-05,
    "cache_read_input_token_cost_above_200k_tokens": 5e-07,
    "input_cost_per_token_priority": 5e-06,
    "cache_creation_input_token_cost_above_1hr": 5e-06,
    "max_input_tokens": 1048576,
    "max_output_tokens": 65536.0,
}


def run(document: dict[str, Any], **options: Any) -> ImportResult:
    return import_litellm(document, as_of=AS_OF, source="test", **options)


def only(result: ImportResult) -> ModelPrice:
    ((model,),) = result.tables.values()
    return model


@pytest.mark.parametrize(
    ("per_token", "expected"),
    [(2.5e-06, "2.5"), (1.1e-07, "0.11"), (3e-05, "30"), (1.875e-06, "1.875"), (3.7e-08, "0.037"), (0, "0")],
)
def test_per_million_is_exact(per_token: float, expected: str) -> None:
    """1.1e-07 * 1e6 is 0.10999999999999999 in floats; the import gives 0.11."""
    assert per_million(per_token, ()) == Decimal(expected)
    assert str(per_million(per_token, ())) == str(Decimal(expected).normalize())


@pytest.mark.parametrize(
    ("per_token", "expected"),
    [
        (2.9999900000000002e-06, "2.99999"),
        (1.3200000000000002e-07, "0.132"),
        (3.2857142857142855e-08, "0.0328571428571429"),  # 0.032857142857142855 to 15 digits
    ],
)
def test_float_noise_past_15_digits_is_rounded_off(per_token: float, expected: str) -> None:
    """A YAML number is read as a float, which keeps 15 significant digits exactly."""
    assert per_million(per_token, ()) == Decimal(expected)
    assert Decimal(repr(float(expected))) == Decimal(expected)


def test_every_price_of_an_entry_converts() -> None:
    model = only(run({"gpt-x": GPT}))
    assert model.id == "gpt-x"
    assert model.provider == "openai"
    assert model.aliases == ()
    assert model.standard == TokenRates(Decimal("2.5"), Decimal(15), Decimal("0.25"), Decimal("3.125"))
    assert model.batch == TokenRates(Decimal("1.25"), Decimal("7.5"), Decimal("0.125"), None)
    assert model.long_context == LongContext(200_000, TokenRates(Decimal(5), Decimal("22.5"), Decimal("0.5"), None))
    assert (model.context_window, model.max_output_tokens) == (1048576, 65536)
    assert model.per_request == 0
    assert model.cache_write_1h == Decimal(5)
    assert (model.flex, model.priority, model.reasoning, model.deprecation_date) == (None, None, None, None)
    assert model.source is not None
    assert (model.source.as_of, model.source.source) == ("2026-11-23", "test")


TODAYS_BILLING = {
    # as LiteLLM 1.110.2 lists them, cut to the keys routecli reads and a few it does not
    "gpt-5-mini": {
        "cache_read_input_token_cost": 2.5e-08,
        "cache_read_input_token_cost_batches": 1.25e-08,
        "cache_read_input_token_cost_flex": 1.25e-08,
        "cache_read_input_token_cost_priority": 4.5e-08,
        "deprecation_date": "2026-12-11",
        "deprecation_source": "https://developers.openai.com/api/docs/deprecations",
        "input_cost_per_token": 2.5e-07,
        "input_cost_per_token_batches": 1.25e-07,
        "input_cost_per_token_flex": 1.25e-07,
        "input_cost_per_token_priority": 4.5e-07,
        "litellm_provider": "openai",
        "max_input_tokens": 272000,
        "max_output_tokens": 128000,
        "mode": "chat",
        "output_cost_per_token": 2e-06,
        "output_cost_per_token_batches": 1e-06,
        "output_cost_per_token_flex": 1e-06,
        "output_cost_per_token_priority": 3.6e-06,
        "supports_reasoning": True,
    },
    "claude-opus-4-6": {
        "cache_creation_input_token_cost": 6.25e-06,
        "cache_creation_input_token_cost_above_1hr": 1e-05,
        "cache_read_input_token_cost": 5e-07,
        "input_cost_per_token": 5e-06,
        "litellm_provider": "anthropic",
        "mode": "chat",
        "output_cost_per_token": 2.5e-05,
        "supports_reasoning": True,
    },
    "gemini/gemini-3-flash-preview": {
        "input_cost_per_token": 5e-07,
        "litellm_provider": "gemini",
        "mode": "chat",
        "output_cost_per_token": 3e-06,
        "output_cost_per_reasoning_token": 3e-06,
        "input_cost_per_token_flex": 2.5e-07,
        "output_cost_per_token_flex": 1.5e-06,
    },
}


def test_service_tiers_cache_durations_reasoning_and_deprecation_are_carried() -> None:
    result = run(TODAYS_BILLING)
    mini = result.tables["openai"][0]
    assert mini.flex == TokenRates(Decimal("0.125"), Decimal(1), Decimal("0.0125"), None)
    assert mini.priority == TokenRates(Decimal("0.45"), Decimal("3.6"), Decimal("0.045"), None)
    assert mini.batch == TokenRates(Decimal("0.125"), Decimal(1), Decimal("0.0125"), None)
    assert mini.deprecation_date == "2026-12-11"
    assert (mini.cache_write_1h, mini.reasoning_per_mtok, mini.reasoning) == (None, None, True)
    opus = result.tables["anthropic"][0]
    assert (opus.cache_write_1h, opus.standard.cache_write, opus.flex, opus.priority) == (
        Decimal(10),
        Decimal("6.25"),
        None,
        None,
    )
    gemini = result.tables["gemini"][0]
    assert gemini.reasoning_per_mtok == Decimal(3)
    assert gemini.flex == TokenRates(Decimal("0.25"), Decimal("1.5"))
    assert result.skipped == {}
    assert result.approximated == {}


def test_a_model_retired_after_as_of_keeps_its_date_and_one_before_is_skipped() -> None:
    later = run(TODAYS_BILLING, providers=["openai"])
    assert only(later).deprecation_date == "2026-12-11"
    retired = import_litellm(TODAYS_BILLING, as_of=dt.date(2026, 12, 11), source="t", providers=["openai"])
    assert retired.tables == {}
    kept = import_litellm(
        TODAYS_BILLING, as_of=dt.date(2026, 12, 11), source="t", providers=["openai"], include_retired=True
    )
    assert only(kept).deprecation_date == "2026-12-11"


def test_new_keys_survive_the_yaml_round_trip(tmp_path: Path) -> None:
    models = [model for table in run(TODAYS_BILLING).tables.values() for model in table]
    for model in models:
        text = price_table_yaml(model.provider, [model], as_of="2026-12-08", source="t")
        (loaded,) = load_price_table(write(tmp_path / f"{model.provider}.yaml", text))
        assert (loaded.flex, loaded.priority, loaded.batch) == (model.flex, model.priority, model.batch)
        assert (loaded.cache_write_1h, loaded.reasoning_per_mtok, loaded.reasoning) == (
            model.cache_write_1h,
            model.reasoning_per_mtok,
            model.reasoning,
        )
        assert loaded.deprecation_date == model.deprecation_date


def test_no_batch_or_long_context_keys_mean_none() -> None:
    entry = {"litellm_provider": "groq", "mode": "chat", "input_cost_per_token": 8e-07, "output_cost_per_token": 4e-06}
    model = only(run({"groq/qwen": entry}))
    assert (model.standard, model.batch, model.long_context) == (TokenRates(Decimal("0.8"), Decimal(4)), None, None)
    assert (model.context_window, model.max_output_tokens) == (None, None)


def test_long_context_threshold_is_n_thousand_tokens() -> None:
    entry = {
        **_plain(),
        "input_cost_per_token_above_128k_tokens": 2e-06,
        "output_cost_per_token_above_128k_tokens": 4e-06,
    }
    assert only(run({"m": entry})).long_context == LongContext(128_000, TokenRates(Decimal(2), Decimal(4)))


def test_several_long_context_tiers_keep_the_lowest() -> None:
    entry = {
        **_plain(),
        "input_cost_per_token_above_256k_tokens": 2.7e-07,
        "output_cost_per_token_above_256k_tokens": 1.08e-06,
        "input_cost_per_token_above_32k_tokens": 1.35e-07,
        "output_cost_per_token_above_32k_tokens": 5.4e-07,
    }
    result = run({"m": entry})
    assert only(result).long_context == LongContext(32_000, TokenRates(Decimal("0.135"), Decimal("0.54")))
    assert result.approximated == {"several long-context tiers: only the lowest kept": 1}


def test_long_context_without_an_output_price_is_left_out() -> None:
    result = run({"m": {**_plain(), "input_cost_per_token_above_200k_tokens": 2e-06}})
    assert only(result).long_context is None
    assert list(result.approximated.values()) == [1]
    assert "long-context prices left out" in next(iter(result.approximated))


def test_batch_without_an_output_price_is_left_out_unless_output_is_free() -> None:
    chat = {**_plain(), "input_cost_per_token_batches": 5e-07}
    embedding = {**_plain(), "mode": "embedding", "output_cost_per_token": 0.0, "input_cost_per_token_batches": 1e-08}
    result = run({"chat": chat, "embed": embedding}, modes=["chat", "embedding"])
    chat_model, embed_model = result.tables["openai"]
    assert chat_model.batch is None
    assert embed_model.batch == TokenRates(Decimal("0.01"), Decimal(0))
    assert list(result.approximated.values()) == [1]


def test_an_embedding_without_an_output_price_costs_nothing_per_output_token() -> None:
    entry = {"litellm_provider": "mistral", "mode": "embedding", "input_cost_per_token": 1e-07}
    assert only(run({"mistral/mistral-embed": entry}, modes=["embedding"])).standard == TokenRates(
        Decimal("0.1"), Decimal(0)
    )


def test_long_context_batch_prices_routecli_cannot_derive_are_flagged() -> None:
    """routecli's long-context batch cache read is 0.5 * 0.13 / 0.25 = 0.26; LiteLLM says 0.25."""
    entry = {
        **_plain(),
        "cache_read_input_token_cost": 2.5e-07,
        "input_cost_per_token_batches": 5e-07,
        "output_cost_per_token_batches": 1e-06,
        "cache_read_input_token_cost_batches": 1.3e-07,
        "input_cost_per_token_above_272k_tokens": 2e-06,
        "output_cost_per_token_above_272k_tokens": 4e-06,
        "cache_read_input_token_cost_above_272k_tokens": 5e-07,
        "input_cost_per_token_above_272k_tokens_batches": 1e-06,
        "cache_read_input_token_cost_above_272k_tokens_batches": 2.5e-07,
    }
    result = run({"m": entry})
    assert only(result).rates(long=True, tier="batch").cached_input == Decimal("0.26")
    assert next(iter(result.approximated)).startswith("long-context batch prices differ")
    entry["cache_read_input_token_cost_above_272k_tokens_batches"] = 2.6e-07
    assert run({"m": entry}).approximated == {}


def test_per_request_price() -> None:
    entry = {**_plain(), "input_cost_per_request": 0.005}
    assert only(run({"m": entry})).per_request == Decimal("0.005")


def test_zero_token_limits_mean_unknown() -> None:
    model = only(run({"m": {**_plain(), "max_input_tokens": 0, "max_output_tokens": 0}}))
    assert (model.context_window, model.max_output_tokens) == (None, None)


def _plain(**extra: Any) -> dict[str, Any]:
    return {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 1e-06,
        "output_cost_per_token": 2e-06,
        **extra,
    }


def test_entries_routecli_cannot_price_are_skipped_and_counted() -> None:
    document = {
        "sample_spec": {"litellm_provider": "one of https://docs.litellm.ai/docs/providers", "mode": "one of: chat"},
        "fallback_generalizations": {"rules": []},
        "ok": _plain(),
        "dall-e-3": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.04},
        "gpt-image": {**_plain(), "mode": "image_generation"},
        "tts": {**_plain(), "mode": "audio_speech"},
        "nomode": {"litellm_provider": "openai", "input_cost_per_token": 1e-06},
        "noinput": {"litellm_provider": "openai", "mode": "chat", "output_cost_per_token": 1e-06},
        "nooutput": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06},
        "old": _plain(deprecation_date="2026-11-23"),
        "current": _plain(deprecation_date="2026-11-24"),
        "jais": _plain(input_cost_per_token=0.0032),
        "tiny": _plain(cache_read_input_token_cost=1e-10),
        "OK": _plain(),
    }
    result = run(document)
    assert [model.id for model in result.tables["openai"]] == ["current", "ok"]
    assert result.skipped == {
        "mode image_generation": 2,
        "a price outside routecli's range ($0.001 to $1,000 per 1M tokens, per_request up to $1,000)": 2,
        "not a model (LiteLLM's sample_spec, or no litellm_provider)": 2,
        "mode audio_speech": 1,
        "no mode": 1,
        "no input_cost_per_token": 1,
        "no output_cost_per_token": 1,
        "retired: deprecation_date on or before --as-of": 1,
        "id differs only in case from another entry's": 1,
    }


def test_include_retired_keeps_retired_models() -> None:
    document = {"old": _plain(deprecation_date="2025-01-01")}
    assert run(document).tables == {}
    assert [m.id for m in run(document, include_retired=True).tables["openai"]] == ["old"]


def test_providers_and_modes_filter() -> None:
    document = {
        "a": _plain(),
        "b": _plain(litellm_provider="groq"),
        "c": _plain(litellm_provider="groq", mode="embedding"),
        "d": _plain(litellm_provider="groq", mode="responses"),
    }
    assert list(run(document).tables) == ["groq", "openai"]
    groq = run(document, providers=["groq"], modes=["embedding", "responses"])
    assert [m.id for m in groq.tables["groq"]] == ["c", "d"]
    assert groq.skipped == {"mode chat": 1}


def test_unknown_provider_suggests_the_closest() -> None:
    with pytest.raises(InvalidValueError, match=r"no entry has litellm_provider 'opnai'; did you mean 'openai'\?"):
        run({"a": _plain()}, providers=["opnai"])


def test_a_mode_routecli_cannot_price_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="mode 'image_generation': routecli prices tokens"):
        run({"a": _plain()}, modes=["image_generation"])


def test_cli_modes_are_the_importable_ones() -> None:
    assert tuple(mode.value for mode in ImportMode) == IMPORT_MODES


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            _plain(input_cost_per_token="0.000001"),
            'm.input_cost_per_token: expected a price per token (a number), got "0.000001"',
        ),
        (_plain(output_cost_per_token=-1e-06), "m.output_cost_per_token: expected a price per token of at least 0"),
        (_plain(cache_read_input_token_cost=True), "m.cache_read_input_token_cost: expected a price per token"),
        (
            _plain(output_cost_per_token_batches=None, input_cost_per_token_batches=[1]),
            "m.input_cost_per_token_batches",
        ),
        (_plain(input_cost_per_token_above_200k_tokens="x"), "m.input_cost_per_token_above_200k_tokens: expected"),
        (_plain(max_input_tokens=1000.5), "m.max_input_tokens: expected a whole number of tokens, got 1000.5"),
        (
            _plain(max_output_tokens=float("inf")),
            "m.max_output_tokens: expected a whole number of tokens, got Infinity",
        ),
        (_plain(input_cost_per_token=float("nan")), "m.input_cost_per_token: expected a price per token (a number)"),
        (_plain(deprecation_date="soon"), 'm.deprecation_date: expected a date (YYYY-MM-DD), got "soon"'),
        (_plain(input_cost_per_request="free"), "m.input_cost_per_request: expected USD per request"),
    ],
)
def test_wrong_values_name_the_entry_and_key(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        run({"m": entry})
    assert message in str(caught.value)


def test_a_document_that_is_not_an_object_of_entries_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="expected a JSON object of model entries"):
        import_litellm([1, 2], as_of=AS_OF, source="test")
    with pytest.raises(InvalidValueError, match=r"^m: expected an object of prices"):
        run({"m": 3})


def test_written_yaml_loads_back_to_the_same_models(tmp_path: Path) -> None:
    """Ids YAML would read as numbers, dates, booleans or syntax are quoted."""
    names = ["gpt-x", "1.5", "2024-01-01", "yes", "null", "bedrock/*/1-month/cohere.command:0", "a #b", "x: y", "ü"]
    document = {name: {**GPT, "input_cost_per_request": 0.005} for name in names}
    result = run(document)
    models = result.tables["openai"]
    text = price_table_yaml("openai", models, as_of="2026-11-23", source='LiteLLM "1.109.1"')
    loaded = load_price_table(write(tmp_path / "openai.yaml", text))
    assert [_without_source(m) for m in loaded] == [_without_source(m) for m in models]
    assert "  - id: gpt-x\n    input_per_mtok: 2.5\n    output_per_mtok: 15\n" in text
    assert "    batch: {input_per_mtok: 1.25, output_per_mtok: 7.5, cached_input_per_mtok: 0.125}\n" in text
    assert '  - id: "1.5"\n' in text
    assert loaded[0].source is not None
    assert (loaded[0].source.as_of, loaded[0].source.source) == ("2026-11-23", 'LiteLLM "1.109.1"')


def _without_source(model: ModelPrice) -> ModelPrice:
    from dataclasses import replace

    return replace(model, source=None)


LITELLM_JSON = {
    "gpt-x": GPT,
    "dall-e-3": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.04},
    "claude-x": _plain(litellm_provider="anthropic"),
    "text-embedding-x": _plain(mode="embedding", output_cost_per_token=0.0),
}


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_cli_one_provider_to_stdout_with_counts_on_stderr(tmp_path: Path) -> None:
    source = write(tmp_path / "litellm.json", json.dumps(LITELLM_JSON))
    result = _invoke("pricing", "import", "litellm", str(source), "--provider", "openai", "--as-of", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# openai models for routecli")
    assert 'provider: openai\nas_of: 2026-11-23\nsource: "LiteLLM litellm.json"\n' in result.stdout
    assert "  - id: gpt-x\n" in result.stdout
    assert "text-embedding-x" not in result.stdout
    assert result.stderr == (
        "openai: 1 model\nskipped 2 entries:\n       1  mode image_generation\n       1  mode embedding\n"
        "approximated 1 entry:\n"
        "       1  priority prices left out: input_cost_per_token_priority without output_cost_per_token_priority\n"
    )


def test_cli_several_providers_write_a_folder(tmp_path: Path) -> None:
    source = write(tmp_path / "litellm.json", json.dumps(LITELLM_JSON))
    folder = tmp_path / "tables"
    result = _invoke(
        "pricing", "import", "litellm", str(source), "--mode", "chat", "--mode", "embedding", "-o", str(folder)
    )
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in folder.iterdir()) == ["anthropic.yaml", "openai.yaml"]
    assert [m.id for m in load_price_table(folder / "openai.yaml")] == ["gpt-x", "text-embedding-x"]
    (claude,) = load_price_table(folder / "anthropic.yaml")
    assert claude.source is not None
    assert claude.source.as_of == dt.date.today().isoformat()
    assert "2 tables, 3 models, written to" in result.stderr


def test_cli_one_provider_into_an_existing_folder(tmp_path: Path) -> None:
    source = write(tmp_path / "litellm.json", json.dumps(LITELLM_JSON))
    (tmp_path / "out").mkdir()
    result = _invoke("pricing", "import", "litellm", str(source), "-p", "anthropic", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["anthropic.yaml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--output: several providers make several tables: give -o DIR"),
        (["-p", "openai", "-p", "anthropic"], "--output: several providers make several tables"),
        (["-p", "opnai"], "litellm.json: no entry has litellm_provider 'opnai'; did you mean 'openai'?"),
        (["-p", "openai", "--as-of", "23/11/2026"], "--as-of: expected a date (YYYY-MM-DD), got '23/11/2026'"),
    ],
)
def test_cli_input_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    source = write(tmp_path / "litellm.json", json.dumps(LITELLM_JSON))
    assert message in refused("pricing", "import", "litellm", str(source), *args)


def test_cli_nothing_to_import_exits_2_after_the_skipped_entries(tmp_path: Path) -> None:
    source = write(tmp_path / "litellm.json", json.dumps(LITELLM_JSON))
    result = _invoke("pricing", "import", "litellm", str(source), "-p", "anthropic", "--mode", "embedding")
    assert result.exit_code == 2
    assert "nothing to import with --mode embedding" in result.stderr


def test_cli_names_the_file_and_key_of_a_wrong_value(tmp_path: Path) -> None:
    source = write(tmp_path / "litellm.json", json.dumps({"gpt-x": {**GPT, "output_cost_per_token": "cheap"}}))
    assert refused("pricing", "import", "litellm", str(source), "-p", "openai").startswith(
        f'{source}: gpt-x.output_cost_per_token: expected a price per token (a number), got "cheap"'
    )


def test_cli_names_the_line_of_broken_json(tmp_path: Path) -> None:
    source = write(tmp_path / "litellm.json", '{\n  "gpt-x": {\n    "mode": "chat",\n  }\n}\n')
    assert refused("pricing", "import", "litellm", str(source)).startswith(f"{source}:4: not valid JSON: ")


def test_cli_missing_file(tmp_path: Path) -> None:
    assert "nope.json: file not found" in refused("pricing", "import", "litellm", str(tmp_path / "nope.json"))


def test_cli_refuses_a_mode_it_cannot_price(tmp_path: Path) -> None:
    source = write(tmp_path / "litellm.json", json.dumps(LITELLM_JSON))
    message = refused("pricing", "import", "litellm", str(source), "--mode", "image_generation")
    assert message.startswith("--mode: expected one of chat, ")
    assert message.endswith(", got 'image_generation'")


def test_import_litellm_has_help() -> None:
    """tests/test_docs.py checks commands two levels deep; this one is three."""
    result = CliRunner().invoke(app, ["pricing", "import", "litellm", "--help"], prog_name="routecli")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: routecli pricing import litellm [OPTIONS] {FILE}")
    assert "Turn LiteLLM's per-token price list into routecli price tables" in result.stdout


def test_the_pricing_docs_console_examples_show_real_output(tmp_path: Path) -> None:
    """docs/pricing.md's inputs (``litellm.json``, ``old.yaml``) are written from the doc, then its examples run."""
    text = PRICING_DOC.read_text()
    inputs = re.findall(r"`([\w.]+\.(?:json|yaml))`[^\n`]*:\n\n```(?:json|yaml)\n(.*?)```", text, re.S)
    assert sorted(name for name, _ in inputs) == ["litellm.json", "old.yaml"]
    for name, body in inputs:
        write(tmp_path / name, body)
    stale = check_console_blocks(PRICING_DOC, minimum=4)
    assert not stale, "docs/pricing.md is stale (ROUTECLI_UPDATE_DOCS=1 rewrites it):\n\n" + "\n\n".join(stale)


needs_reference = pytest.mark.skipif(not LITELLM.exists(), reason="../shared reference data is absent")


@needs_reference
def test_a_reference_entry_converts_as_computed_by_hand() -> None:
    """gpt-5.4 in LiteLLM 1.109.1: 2.5e-06 / 1.5e-05 per token, 1.3e-07 batch cache read, long context above 272k."""
    reference = json.loads(LITELLM.read_text())
    result = import_litellm(reference, as_of=AS_OF, source="test", providers=["openai"])
    model = next(m for m in result.tables["openai"] if m.id == "gpt-5.4")
    assert model.standard == TokenRates(Decimal("2.5"), Decimal(15), Decimal("0.25"), None)
    assert model.batch == TokenRates(Decimal("1.25"), Decimal("7.5"), Decimal("0.13"), None)
    assert model.long_context == LongContext(272_000, TokenRates(Decimal(5), Decimal("22.5"), Decimal("0.5"), None))
    assert (model.context_window, model.max_output_tokens) == (1050000, 128000)


@needs_reference
def test_every_reference_provider_imports_into_tables_routecli_loads(tmp_path: Path) -> None:
    modes = [arg for mode in IMPORT_MODES for arg in ("--mode", mode)]
    folder = tmp_path / "tables"
    result = _invoke("pricing", "import", "litellm", str(LITELLM), *modes, "--as-of", "2026-11-23", "-o", str(folder))
    assert result.exit_code == 0, result.output
    expected = import_litellm(
        json.loads(LITELLM.read_text()), as_of=AS_OF, source=f"LiteLLM {LITELLM.name}", modes=IMPORT_MODES
    )
    assert len(expected.tables) >= 100
    assert sorted(path.stem for path in folder.iterdir()) == sorted(expected.tables)
    for provider, models in expected.tables.items():
        loaded = load_price_table(folder / f"{provider}.yaml")
        assert [_without_source(m) for m in loaded] == [_without_source(m) for m in models], provider
        assert {m.provider for m in loaded} == {provider}


def test_supports_reasoning_is_carried_into_the_table_and_read_back(tmp_path: Path) -> None:
    document = {"gpt-r": {**GPT, "supports_reasoning": True}, "gpt-plain": {**GPT, "supports_reasoning": False}}
    models = run(document).tables["openai"]
    assert {model.id: model.reasoning for model in models} == {"gpt-plain": None, "gpt-r": True}
    text = price_table_yaml("openai", models, as_of="2026-11-23", source="test")
    assert text.count("    reasoning: true\n") == 1
    loaded = {model.id: model.reasoning for model in load_price_table(write(tmp_path / "openai.yaml", text))}
    assert loaded == {"gpt-plain": None, "gpt-r": True}
