"""The cache of parsed price tables: the same prices as the YAML, exactly, or no cache at all."""

from __future__ import annotations

import hashlib
import marshal
from decimal import Decimal
from pathlib import Path

import pytest

import routecli.pricing.price_files as price_files
from routecli.pricing.price_files import ShippedPrices, load_price_table, shipped_pricing_dir
from routecli.pricing.prices import ModelPrice
from routecli.user_cache import user_cache_dir
from tests.helpers.files import write

TABLE = """\
provider: acme
as_of: 2026-01-02
source: https://example.com/prices
models:
  - id: acme-small
    aliases: [small]
    input_per_mtok: 0.10
    output_per_mtok: 0.400
    cached_input_per_mtok: 0.025
    cache_write_1h_per_mtok: 0.2
    reasoning_per_mtok: 0.5
    batch: {input_per_mtok: 0.05, output_per_mtok: 0.2}
    flex: {input_per_mtok: 0.05, output_per_mtok: 0.2, cached_input_per_mtok: 0.0125}
    priority: {input_per_mtok: 0.18, output_per_mtok: 0.72}
    long_context: {above_tokens: 200000, input_per_mtok: 0.2, output_per_mtok: 0.8}
    per_request: 0.0001
    context_window: 400000
    deprecation_date: 2027-01-14
    reasoning: true
  - {id: acme-large, input_per_mtok: 1.25E+1, output_per_mtok: 100}
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "price-tables"


def _table(directory: Path) -> list[ModelPrice]:
    return sorted(ShippedPrices(directory), key=lambda model: model.id)


def _checksummed(payload: bytes) -> bytes:
    """A cache entry whose checksum is right but whose content is not a table."""
    return hashlib.sha256(payload).digest() + payload


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("parsed the YAML")

    monkeypatch.setattr(price_files, "parse_yaml", refuse)


def test_cached_tables_are_the_yaml_exactly(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shipped price comes back from the cache with the same value and the same digits (repr shows both)."""
    parsed = sorted((m for path in shipped_pricing_dir().glob("*.yaml") for m in load_price_table(path)), key=repr)
    first = sorted(ShippedPrices(shipped_pricing_dir()), key=repr)
    assert len(list(cache.iterdir())) == len(list(shipped_pricing_dir().glob("*.yaml")))
    _no_yaml(monkeypatch)
    again = sorted(ShippedPrices(shipped_pricing_dir()), key=repr)
    assert repr(again) == repr(first) == repr(parsed)


def test_every_field_survives_the_cache(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tables").mkdir()
    write(tmp_path / "tables" / "acme.yaml", TABLE)
    parsed = sorted(load_price_table(tmp_path / "tables" / "acme.yaml"), key=lambda model: model.id)
    assert repr(_table(tmp_path / "tables")) == repr(parsed)
    _no_yaml(monkeypatch)
    cached = _table(tmp_path / "tables")
    assert repr(cached) == repr(parsed)
    small = cached[1]  # every optional field given, so each is round-tripped
    assert None not in (small.batch, small.long_context, small.standard.cached_input, small.context_window)
    assert small.per_request == Decimal("0.0001")
    assert (small.cache_write_1h, small.reasoning_per_mtok, small.deprecation_date) == (
        Decimal("0.2"),
        Decimal("0.5"),
        "2027-01-14",
    )
    assert small.flex is not None
    assert small.priority is not None
    assert (small.flex.cached_input, small.priority.output) == (Decimal("0.0125"), Decimal("0.72"))
    assert (small.reasoning, cached[0].reasoning) == (True, None)


def test_an_edited_table_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    write(tables / "acme.yaml", TABLE)
    assert ShippedPrices(tables).lookup("small").standard.input == Decimal("0.10")
    write(tables / "acme.yaml", TABLE.replace("input_per_mtok: 0.10", "input_per_mtok: 0.11"))
    assert ShippedPrices(tables).lookup("small").standard.input == Decimal("0.11")
    assert len(list(cache.iterdir())) == 2


def test_the_same_text_under_another_name_is_another_table(cache: Path, tmp_path: Path) -> None:
    """A price records the file it came from, so the file's name is part of the key."""
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        write(tmp_path / name / f"{name}.yaml", TABLE)
        assert ShippedPrices(tmp_path / name).lookup("small").source.file == f"{name}.yaml"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-7],
        lambda data: b"",
        lambda data: data[:40] + bytes([data[40] ^ 1]) + data[41:],
        lambda data: _checksummed(b"\x00"),
        lambda data: _checksummed(marshal.dumps([1])),
        lambda data: _checksummed(marshal.dumps([("acme-small",)])),
    ],
    ids=["truncated", "empty", "flipped bit", "garbage", "not rows", "short rows"],
)
def test_a_damaged_entry_is_ignored_and_replaced(cache: Path, tmp_path: Path, damage: object) -> None:
    (tmp_path / "tables").mkdir()
    write(tmp_path / "tables" / "acme.yaml", TABLE)
    expected = repr(_table(tmp_path / "tables"))
    (entry,) = cache.iterdir()
    good = entry.read_bytes()
    entry.write_bytes(damage(good))  # type: ignore[operator]
    assert repr(_table(tmp_path / "tables")) == expected
    assert entry.read_bytes() == good


def test_an_unwritable_cache_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = write(tmp_path / "not-a-folder", "")
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(blocker))
    (tmp_path / "tables").mkdir()
    write(tmp_path / "tables" / "acme.yaml", TABLE)
    assert [model.id for model in _table(tmp_path / "tables")] == ["acme-large", "acme-small"]
    assert blocker.read_text() == ""


def test_a_change_to_the_parser_is_a_new_key(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = price_files._cache_entry("acme.yaml", TABLE)
    price_files._parser_digest.cache_clear()
    monkeypatch.setattr(price_files, "_CACHE_FORMAT", price_files._CACHE_FORMAT + 1)
    try:
        assert price_files._cache_entry("acme.yaml", TABLE) != before
    finally:
        price_files._parser_digest.cache_clear()


def test_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("ROUTECLI_CACHE_DIR")
    assert user_cache_dir() == tmp_path / "xdg" / "routecli"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_cache_dir() == tmp_path / "home" / ".cache" / "routecli"
