"""HTML reports: self-contained and escaped, and — in a real browser — showing the chart.

The browser tests run headless Chromium when it is installed and skip otherwise,
unless ``ROUTECLI_REQUIRE_CHROMIUM=1`` (CI) makes a missing browser a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from matplotlib.image import imread

from routecli.render.charts import BASELINE_COLOUR, STRATEGY_COLOUR
from routecli.render.html import simulation_html, sweep_html
from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.scenario_file import read_scenario
from tests.helpers.charts import colour_pixels, one_axis_sweep, support_result, two_axis_sweep, with_monte_carlo
from tests.helpers.paths import EXAMPLE

BROWSER_TIMEOUT_S = 60
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def full_result() -> SimulationResult:
    """Every optional part filled: Monte Carlo, insights, and (for the forecast) growing traffic."""
    source = read_scenario(EXAMPLE)
    data = dict(source.data)
    data["traffic"] = {**data["traffic"], "growth": {"monthly_pct": 8, "months": 6}}
    result = with_monte_carlo(simulate(source.build(data)))
    return replace(result, insights=("routed breaks even below 40,000 requests a month.",))


def assert_self_contained(page: str) -> None:
    """Nothing a browser would fetch, and no URL at all."""
    assert "http:" not in page
    assert "https:" not in page
    assert "//" not in re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)  # no protocol-relative URLs
    assert not re.search(r"url\((?!#)", page)  # only references to the page's own clip paths
    for marker in (" src=", "<link", "<script", "@import", "<iframe", "<object"):
        assert marker not in page


# ------------------------------------------------------------ the file itself


def test_simulation_page_is_self_contained_and_complete() -> None:
    result = full_result()
    page = simulation_html(result)
    assert_self_contained(page)
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert f"<title>{result.scenario}</title>" in page
    assert '<figure id="cost-quality-chart">\n<svg ' in page
    for heading in ("Strategies", "Monthly spend by model", "Monte Carlo", "Forecast", "Insights", "Warnings"):
        assert f"<h2>{heading}</h2>" in page
    assert "Escalation by hop" in page
    assert '<tr class="baseline"><td>all-heavy</td><td>$23,750.00</td><td>baseline</td>' in page
    assert "$19,175.12 (80.7%)" in page
    assert "<td>3.4 s</td>" in page  # latency P99, as the terminal shows latencies
    assert "Traffic growing 8.0% a month over 6 months." in page
    assert "routed breaks even below 40,000 requests a month." in page
    assert "openai (2026-12-08)" in page


def test_user_text_is_escaped() -> None:
    result = replace(support_result(), scenario='<script>alert("x")</script> & co', warnings=("a <b>bold</b> claim",))
    page = simulation_html(result)
    assert "<script" not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert "a &lt;b&gt;bold&lt;/b&gt; claim" in page


@pytest.mark.parametrize("two_axes", [False, True])
def test_sweep_page_is_self_contained(two_axes: bool) -> None:
    sweep = two_axis_sweep(("cascade", "routed")) if two_axes else one_axis_sweep()
    page = sweep_html(sweep)
    assert_self_contained(page)
    assert '<figure id="sweep-chart">\n<svg ' in page
    for axis in sweep.axes:
        assert axis.path in page
    if two_axes:
        assert "<strong>cascade</strong>" in page
        assert "<strong>routed</strong>" in page
    else:
        assert "<h2>Monthly cost</h2>" in page
        assert "<h2>Expected quality</h2>" in page


# ------------------------------------------------------------ in a browser


@pytest.fixture
def chromium() -> str:
    """The Chromium binary; skip without one, unless this machine is meant to have it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        if os.environ.get("ROUTECLI_REQUIRE_CHROMIUM") == "1":
            pytest.fail("Chromium is required here (ROUTECLI_REQUIRE_CHROMIUM=1) but is not installed")
        pytest.skip("Chromium is not installed")
    return found


def run_chromium(binary: str, profile: Path, *arguments: str) -> str:
    """Headless Chromium, offline and quiet, with a throwaway profile; its standard output."""
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    env = {**os.environ, "HOME": str(profile)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class _ElementTags(HTMLParser):
    """The tags found inside the element with a given id."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.depth = 0
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.tags.append(tag)
            self.depth += tag not in _VOID
        elif ("id", self.element_id) in attrs:
            self.depth = 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1


def tags_inside(dom: str, element_id: str) -> list[str]:
    parser = _ElementTags(element_id)
    parser.feed(dom)
    parser.close()
    return parser.tags


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    path.write_text(simulation_html(full_result()), encoding="utf-8")
    return path


def test_browser_builds_the_chart_and_tables(chromium: str, report: Path, tmp_path: Path) -> None:
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", report.as_uri())
    inside = tags_inside(dom, "cost-quality-chart")
    assert "svg" in inside
    assert inside.count("path") > 50  # axes, markers and every glyph of every label
    assert "figcaption" in inside
    assert "<td>all-heavy</td>" in dom


def test_browser_shows_the_chart(chromium: str, report: Path, tmp_path: Path) -> None:
    screenshot = tmp_path / "report.png"
    run_chromium(
        chromium, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1280,2400", report.as_uri()
    )
    pixels = imread(screenshot)
    assert pixels.shape[:2] == (2400, 1280)
    assert colour_pixels(pixels, STRATEGY_COLOUR) > 200  # the two strategies' markers and the legend's
    assert colour_pixels(pixels, BASELINE_COLOUR) > 50  # the baseline's diamond
