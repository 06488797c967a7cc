"""The one reader of report documents: one version check, one set of messages, numbers as exact Decimal."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from routecli.ci.documents import STDIN, read_document, report_document
from routecli.errors import InputError
from tests.helpers.files import write


def rejection(data: Any, source: str = "r.json") -> str:
    with pytest.raises(InputError) as caught:
        report_document(data, source)
    return str(caught.value)


def test_kind_and_version_are_checked_once() -> None:
    assert rejection([]) == "r.json: expected a routecli simulate or replay report (a JSON object), got []"
    assert rejection({"kind": "check"}) == (
        "r.json: kind: expected a simulate or replay report (kind 'simulation' or 'replay'), got a 'check' report"
    )
    assert rejection({"kind": "diff"}).startswith("r.json: kind: is the output of routecli diff")
    assert rejection({"kind": "replay"}) == "r.json: schema_version: missing"
    assert rejection({"kind": "replay", "schema_version": 2}) == (
        "r.json: schema_version: this routecli reads replay reports of version 1, got 2; "
        "it was written by a newer routecli: upgrade this one"
    )
    document = report_document({"kind": "replay", "schema_version": 1}, "r.json")
    assert (document.kind, document.source) == ("replay", "r.json")


def test_numbers_are_exact_decimals(tmp_path: Path) -> None:
    path = write(tmp_path / "r.json", '{"kind": "simulation", "schema_version": 1, "quality": 0.91}')
    document = read_document(path)
    assert document.data["quality"] == Decimal("0.91")
    reader = document.reader
    assert reader.number(0.1, ("x",)) == Decimal("0.1")  # a float from a document built in memory
    assert reader.optional_number(None, ("x",)) is None
    with pytest.raises(InputError, match=r"x: expected a number or null, got true"):
        reader.optional_number(True, ("x",))
    with pytest.raises(InputError, match=r'x: expected an amount as a decimal string such as "12.5", got "1e3"'):
        reader.money("1e3", ("x",))


def test_files_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"kind": "replay", "schema_version": 1}'))
    assert read_document(None).source == STDIN
    with pytest.raises(InputError, match="report not found"):
        read_document(tmp_path / "gone.json")
    with pytest.raises(InputError, match="expected a report file, got a directory"):
        read_document(tmp_path)
    (tmp_path / "latin.json").write_bytes(b"\xff{}")
    with pytest.raises(InputError, match=r"not a JSON report: not a text file \(UTF-8\): byte 0xff at offset 0 "):
        read_document(tmp_path / "latin.json")
    with pytest.raises(InputError, match=r"yaml.json:1: not valid JSON: .* \(write a report with routecli simulate"):
        read_document(write(tmp_path / "yaml.json", "name: x\n"))


def test_named_items_are_distinct_and_present() -> None:
    reader = report_document({"kind": "replay", "schema_version": 1}, "r.json").reader
    with pytest.raises(InputError, match=r"tiers\[1\]\.name: tier 'a' appears twice"):
        reader.named([{"name": "a"}, {"name": "a"}], ("tiers",), "tier")
    with pytest.raises(InputError, match="tiers: expected at least one tier"):
        reader.named([], ("tiers",), "tier")
