"""The shipped price tables and user price files."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from routecli.errors import InvalidValueError
from routecli.pricing.litellm import import_litellm
from routecli.pricing.price_diff import diff_prices
from routecli.pricing.price_files import ShippedPrices, load_price_files, load_price_table, shipped_pricing_dir
from routecli.pricing.prices import decimal_text
from tests.helpers.files import write
from tests.helpers.paths import LITELLM, REPO

PROVIDERS = {"openai", "anthropic", "gemini", "mistral", "deepseek", "xai", "groq", "together"}


def test_shipped_tables_cover_the_providers() -> None:
    models = list(load_price_files())
    assert len(models) >= 60
    assert {model.provider for model in models} == PROVIDERS
    assert {"gpt-5-nano", "gpt-5-mini", "claude-opus-4-6"} <= {model.id for model in models}


def test_shipped_tables_have_dates_and_sources() -> None:
    for model in load_price_files():
        assert model.source is not None
        assert model.source.as_of
        assert "LiteLLM" in model.source.source


def test_shipped_ids_and_aliases_are_unique() -> None:
    names = [name.lower() for model in load_price_files() for name in (model.id, *model.aliases)]
    assert len(names) == len(set(names))


def test_shipped_tables_parse_lazily() -> None:
    shipped = ShippedPrices(shipped_pricing_dir())
    assert shipped.lookup("claude-opus-4-6").provider == "anthropic"
    assert len(shipped._unparsed) == len(list(shipped_pricing_dir().glob("*.yaml"))) - 1


def _deliberate_differences() -> list[tuple[str, str, str, str]]:
    """docs/pricing.md's allowlist: (models pattern, field, shipped value, LiteLLM value) per row."""
    text = (REPO / "docs" / "pricing.md").read_text()
    section = text.split("### Deliberate differences from LiteLLM\n", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # below the header
    cells = [[cell.strip().strip("`") for cell in row.strip("|").split("|")] for row in rows]
    return [(models, field, shipped, litellm) for models, field, shipped, litellm, _why in cells]


def _shown(value: object) -> str:
    return "—" if value is None else decimal_text(value) if isinstance(value, Decimal) else str(value)


@pytest.mark.skipif(not LITELLM.exists(), reason="../shared reference data is absent")
def test_shipped_prices_match_litellm_reference() -> None:
    """Each shipped table against an import of its LiteLLM provider: any difference must be on the allowlist.

    Retired models are imported too: the shipped tables keep a model LiteLLM retires, with its
    deprecation_date, so that a scenario naming it warns rather than fails; every shipped model must pair
    with an imported one, by id or alias.
    """
    reference = json.loads(LITELLM.read_text())
    allowed = _deliberate_differences()
    renamed = {shipped: litellm for _, field, shipped, litellm in allowed if field == "provider"}
    found: list[tuple[str, str, str, str]] = []
    checked = 0
    for provider in sorted(PROVIDERS):
        shipped = [model for model in load_price_files() if model.provider == provider]
        assert shipped[0].source is not None
        litellm = renamed.get(provider, provider)
        imported = import_litellm(
            reference,
            as_of=dt.date.fromisoformat(shipped[0].source.as_of or ""),
            source="reference",
            providers=[litellm],
            modes=["chat", "embedding"],
            include_retired=True,
        )
        diff = diff_prices(shipped, imported.tables[litellm])
        assert not diff.removed, f"not in the LiteLLM reference: {[model.id for model in diff.removed]}"
        found += [(model.id, "provider", provider, litellm) for model in shipped if litellm != provider]
        found += [
            (change.old.id, field.field, _shown(field.old), _shown(field.new))
            for change in diff.changed
            for field in change.changes
        ]
        checked += len(shipped)

    def allows(row: tuple[str, str, str, str], difference: tuple[str, str, str, str]) -> bool:
        return fnmatch.fnmatchcase(difference[0], row[0]) and row[1:] == difference[1:]

    unexplained = [difference for difference in found if not any(allows(row, difference) for row in allowed)]
    stale = [row for row in allowed if not any(allows(row, difference) for difference in found)]
    assert not unexplained, "differences from LiteLLM not listed in docs/pricing.md: " + repr(unexplained)
    assert not stale, "docs/pricing.md lists differences that no longer exist: " + repr(stale)
    assert checked >= 60


TABLE = """\
provider: mine
as_of: 2026-01-01
source: negotiated contract
models:
  - id: my-model
    aliases: [mine]
    input_per_mtok: 1.5
    output_per_mtok: 6
"""


def test_user_file_overrides_shipped_prices(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", TABLE.replace("my-model", "gpt-5-mini"))
    table = load_price_files([path])
    model = table.lookup("gpt-5-mini")
    assert (model.provider, model.standard.input) == ("mine", Decimal("1.5"))
    assert table.lookup("gpt-5-mini-2025-08-07") is model


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("output_per_mtok: 6", "output_per_mtok: -6", "models[0].output_per_mtok: expected a price"),
        (
            "input_per_mtok: 1.5",
            "input_per_mtok: 0.0000015",
            "looks like a price per token; prices here are per 1M tokens (write 1.5 for 0.0000015 per token)",
        ),
        ("output_per_mtok: 6", "output_per_mtok: 6000000", "implausibly high for a price per 1M tokens"),
        ("output_per_mtok: 6", "output_per_mtok: 6\n    context: 8000", "unknown key 'context'; did you mean"),
        ("aliases: [mine]", "aliases: [mine, my-model]", "duplicate model id or alias 'my-model'"),
        ("as_of: 2026-01-01", "as_of: yesterday", "as_of: expected a date (YYYY-MM-DD)"),
    ],
)
def test_bad_price_table(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = write(tmp_path / "p.yaml", TABLE.replace(old, new))
    with pytest.raises(InvalidValueError) as caught:
        load_price_table(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:")


def test_duplicate_between_entries_names_both(tmp_path: Path) -> None:
    twice = TABLE + "  - {id: other, aliases: [mine], input_per_mtok: 1, output_per_mtok: 1}\n"
    with pytest.raises(InvalidValueError, match=r"models\[1\].aliases\[0\]: duplicate .* models\[0\] has it too"):
        load_price_table(write(tmp_path / "p.yaml", twice))


def test_tables_ship_inside_the_wheel(tmp_path: Path) -> None:
    """pip install . from a clean tree, run outside the repo, must find the tables."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)],
        check=True,
    )
    target = tmp_path / "site"
    (wheel,) = wheels.glob("routecli-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    probe = (
        "import routecli.pricing.price_files as p; "
        "print(p.shipped_pricing_dir()); print(len(list(p.load_price_files())))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=outside,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "ROUTECLI_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        check=True,
    )
    directory, count = result.stdout.split()
    assert Path(directory) == target / "routecli" / "_pricing"
    assert int(count) >= 60
