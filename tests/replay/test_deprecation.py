"""A router config naming a model that is retired or retires within 30 days warns, before a run starts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.pricing.price_files import load_price_files
from routecli.replay.config_file import build_router_config
from tests.helpers.files import write

CONFIG = {
    "providers": {"api": {"base_url": "http://127.0.0.1:9/v1"}},
    "tiers": {
        "small": {"provider": "api", "model": "gpt-5-mini"},
        "large": {"provider": "api", "model": "claude-opus-4-6"},
    },
    "routing": {"type": "fixed", "tier": "small"},
}
NOTE = " (its deprecation_date in the price table)"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-12-31", ("model 'gpt-5-mini' (tier 'small') was retired on 2026-12-11" + NOTE,)),
        ("2026-11-20", ("model 'gpt-5-mini' (tier 'small') retires on 2026-12-11, in 21 days" + NOTE,)),
        ("2026-11-10", ()),
    ],
)
def test_router_config_warns_of_its_tiers_deprecation(day: str, expected: tuple[str, ...]) -> None:
    config = build_router_config(CONFIG, load_price_files(), today=dt.date.fromisoformat(day))
    assert config.warnings == expected


def test_replay_says_so_on_stderr_before_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTECLI_TODAY", "2026-12-08")
    router = write(tmp_path / "router.yaml", json.dumps(CONFIG))
    prompts = write(tmp_path / "prompts.jsonl", json.dumps({"id": "a", "prompt": "hi"}) + "\n")
    result = CliRunner().invoke(app, ["replay", str(prompts), "-c", str(router), "--dry-run", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "warning: model 'gpt-5-mini' (tier 'small') retires on 2026-12-11, in 3 days" + NOTE
    )
    assert json.loads(result.stdout)["dry_run"] is True
