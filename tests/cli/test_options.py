"""Writing the --chart file: the suffix picks the format, checked before drawing (with the charts extra); write errors
name the file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from routecli.cli.options import save_chart
from routecli.errors import InputFileError, InvalidValueError
from routecli.render.charts import ChartFormat, check_chart_path
from tests.helpers.cli import ok, refused
from tests.helpers.paths import EXAMPLE


@pytest.mark.parametrize(("name", "format"), [("chart.svg", "svg"), ("chart.PNG", "png")])
def test_format_follows_the_suffix(tmp_path: Path, name: str, format: ChartFormat) -> None:
    asked: list[ChartFormat] = []

    def render(kind: ChartFormat) -> bytes:
        asked.append(kind)
        return b"drawn"

    save_chart(tmp_path / name, render)
    assert asked == [format]
    assert (tmp_path / name).read_bytes() == b"drawn"
    assert check_chart_path(Path(name)) == format


@pytest.mark.parametrize("name", ["chart.pdf", "chart", "chart.svg.txt"])
def test_other_suffixes_are_refused_before_drawing(tmp_path: Path, name: str) -> None:
    def render(kind: ChartFormat) -> bytes:
        raise AssertionError("drew a chart for a file it cannot write")

    with pytest.raises(InvalidValueError, match=r"--chart: expected a \.svg or \.png file name, got '.*chart"):
        save_chart(tmp_path / name, render)
    assert not (tmp_path / name).exists()


def test_unwritable_chart_file_is_an_input_file_error(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "chart.svg"
    with pytest.raises(InputFileError, match="cannot write chart") as caught:
        save_chart(target, lambda kind: b"drawn")
    assert caught.value.source == str(target)


def test_charts_without_matplotlib_name_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as on an install without the charts extra
    hint = 'needs matplotlib: pip install "routecli[charts]"'
    assert refused("simulate", str(EXAMPLE), "--chart", "chart.svg") == f"--chart {hint}"
    assert refused("sweep", str(EXAMPLE), "--vary", "traffic.requests_per_month=1000,2000", "--chart", "s.png") == (
        f"--chart {hint}"
    )
    assert refused("simulate", str(EXAMPLE), "--format", "html") == f"--format html {hint}"
    assert not Path("chart.svg").exists()
    assert "all-heavy" in ok("simulate", str(EXAMPLE))  # the README's first command needs no charts
