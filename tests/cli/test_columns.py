"""Every command's table at 80 and 120 columns: no line wider, no id or name broken across lines, no trailing spaces.

The names are long on purpose: support-chatbot's ``all-flagship-no-prompt-cache``, RouterBench's eleven model ids
(``meta/code-llama-instruct-34b-chat``) and the shipped price tables' ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from routecli.cli import app
from tests.helpers.cli import fails, ok, ok_json
from tests.helpers.files import write
from tests.helpers.paths import SCENARIOS, SHARED

WIDTHS = (80, 120)
SUPPORT = SCENARIOS / "support-chatbot.yaml"
SUPPORT_STRATEGIES = ("all-flagship", "all-flagship-no-prompt-cache", "routed", "cascade", "hybrid-cached")
SUPPORT_MODELS = ("claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-6")
ROUTERBENCH = SHARED / "data" / "routerbench" / "mbpp_test.csv"
ELEVEN = (
    "WizardLM/WizardLM-13B-V1.2",
    "claude-instant-v1",
    "claude-v1",
    "claude-v2",
    "gpt-3.5-turbo-1106",
    "gpt-4-1106-preview",
    "meta/code-llama-instruct-34b-chat",
    "meta/llama-2-70b-chat",
    "mistralai/mistral-7b-chat",
    "mistralai/mixtral-8x7b-chat",
    "zero-one-ai/Yi-34B-Chat",
)
"""RouterBench's eleven models, as its CSV files name them."""


@pytest.fixture(params=WIDTHS)
def width(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    columns: int = request.param
    monkeypatch.setenv("COLUMNS", str(columns))
    return columns


def assert_fits(stdout: str, width: int, names: Iterable[str]) -> None:
    """No line wider than ``width`` or ending in a space; each name whole on some line (not next to more id)."""
    lines = stdout.splitlines()
    assert lines
    for line in lines:
        assert cell_len(line) <= width, line
        assert line == line.rstrip(), repr(line)
    for name in names:
        whole = re.compile(rf"(?<![\w./-]){re.escape(name)}(?![\w./-])")
        assert any(whole.search(line) for line in lines), name


def eleven_models(path: Path) -> Path:
    """Twelve prompts over the eleven RouterBench model ids: cheapest first, the dearer ones right more often."""
    records = []
    for prompt in range(12):
        outcomes = {
            model: {"quality": float((prompt + rank) % 12 >= 6 - rank // 2), "cost": 0.0001 * (rank + 1)}
            for rank, model in enumerate(ELEVEN)
        }
        records.append({"id": f"p{prompt}", "prompt": f"Question {prompt} " * (prompt + 1), "outcomes": outcomes})
    return write(path, "".join(json.dumps(record) + "\n" for record in records))


def test_simulate(width: int) -> None:
    assert_fits(ok("simulate", str(SUPPORT)), width, SUPPORT_STRATEGIES + SUPPORT_MODELS)


def test_sweep(width: int) -> None:
    out = ok("sweep", str(SUPPORT), "--vary", "strategies.cascade.evaluator.tpr=0.8,0.9")
    assert_fits(out, width, SUPPORT_STRATEGIES)
    grid = ok(
        "sweep",
        str(SUPPORT),
        "--vary",
        "strategies.cascade.evaluator.tpr=0.8,0.9",
        "--vary",
        "traffic.requests_per_month=1000,1000000",
        "--strategy",
        "all-flagship-no-prompt-cache",
    )
    assert_fits(grid, width, ["all-flagship-no-prompt-cache"])


def test_breakeven(width: int) -> None:
    out = ok(
        "breakeven",
        str(SUPPORT),
        "--strategy",
        "cascade",
        "--against",
        "all-flagship-no-prompt-cache",
        "--param",
        "strategies.cascade.evaluator.tpr",
    )
    assert_fits(out, width, ["all-flagship-no-prompt-cache"])


def test_check_and_diff(width: int, tmp_path: Path) -> None:
    assert_fits(ok("check", str(SUPPORT), "--max-monthly", "100000", "-v"), width, ["all-flagship"])
    assert_fits(fails("check", str(SUPPORT), "--max-monthly", "100"), width, ["all-flagship"])
    base = write(tmp_path / "base.json", ok("simulate", str(SUPPORT), "-f", "json"))
    bigger = SUPPORT.read_text(encoding="utf-8").replace("requests_per_month: 1500000", "requests_per_month: 1700000")
    head_scenario = write(tmp_path / "head.yaml", bigger)
    head = write(tmp_path / "head.json", ok("simulate", str(head_scenario), "-f", "json"))
    assert_fits(ok("diff", str(base), str(head)), width, SUPPORT_STRATEGIES + SUPPORT_MODELS)


def test_pricing(width: int) -> None:
    ids = [model["id"] for model in ok_json("pricing", "list")["models"]]
    assert "gemini-2.5-flash-lite" in ids
    assert_fits(ok("pricing", "list"), width, ids)
    assert_fits(ok("pricing", "show", "gemini-2.5-flash-lite"), width, ["gemini-2.5-flash-lite"])


def test_pricing_diff(width: int, tmp_path: Path) -> None:
    shipped = SCENARIOS.parent / "pricing" / "gemini.yaml"
    text = shipped.read_text(encoding="utf-8")
    first = re.search(r"  - id: (\S+)", text)
    assert first is not None
    changed = write(tmp_path / "gemini.yaml", text.replace("input_per_mtok: 2\n", "input_per_mtok: 2.5\n", 1))
    renamed = write(tmp_path / "renamed.yaml", text.replace(first[1], "gemini-9.9-flash-lite-preview"))  # aliases too
    assert_fits(ok("pricing", "diff", str(shipped), str(changed)), width, [first[1]])
    out = ok("pricing", "diff", str(shipped), str(renamed))
    assert_fits(out, width, [first[1], "gemini-9.9-flash-lite-preview"])


def test_replay_dry_run_and_report(width: int, tmp_path: Path) -> None:
    config = write(
        tmp_path / "router.yaml",
        """\
providers:
  local: {base_url: "http://127.0.0.1:9/v1"}
tiers:
  small: {provider: local, model: meta/code-llama-instruct-34b-chat, price: {input_per_mtok: 1, output_per_mtok: 2}}
  large: {provider: local, model: zero-one-ai/Yi-34B-Chat, price: {input_per_mtok: 10, output_per_mtok: 20}}
routing: {type: rules, default: small, rules: [{tier: large, when: {keywords: [prove]}, name: maths}]}
""",
    )
    prompts = write(tmp_path / "prompts.jsonl", '{"id": "a", "prompt": "hi"}\n{"id": "b", "prompt": "prove it"}\n')
    log = tmp_path / "dry.jsonl"
    models = ["meta/code-llama-instruct-34b-chat", "zero-one-ai/Yi-34B-Chat"]
    replayed = CliRunner().invoke(app, ["replay", str(prompts), "-c", str(config), "--dry-run", "--log", str(log)])
    assert replayed.exit_code == 0, replayed.output
    assert_fits(replayed.stdout, width, models)
    assert_fits(ok("report", str(log)), width, models)


def test_tune_and_evaluate_on_eleven_models(width: int, tmp_path: Path) -> None:
    outcomes = eleven_models(tmp_path / "eleven.jsonl")
    assert_fits(ok("evaluate", str(outcomes)), width, ELEVEN)
    tuned = ok("tune", str(outcomes), "--target-strong-share", "0.5", "--score", "length")
    assert_fits(tuned, width, [])


@pytest.mark.skipif(not ROUTERBENCH.is_file(), reason="RouterBench's files are not beside the repository")
def test_evaluate_routerbench(width: int) -> None:
    out = ok("evaluate", str(ROUTERBENCH))
    assert_fits(out, width, ELEVEN)
    assert len(out.splitlines()) < 60  # the chain once, not in every cascade row


def test_fit_router(width: int, tmp_path: Path) -> None:
    config = write(
        tmp_path / "router.yaml",
        """\
providers:
  local: {base_url: http://127.0.0.1:8080/v1}
tiers:
  mistralai/mistral-7b-chat:
    {provider: local, model: mistralai/mistral-7b-chat, price: {input_per_mtok: 0.1, output_per_mtok: 0.2}}
  meta/code-llama-instruct-34b-chat:
    {provider: local, model: meta/code-llama-instruct-34b-chat, price: {input_per_mtok: 1, output_per_mtok: 2}}
routing:
  type: embedding
  exemplars:
    meta/code-llama-instruct-34b-chat: ['Write a Python function that parses a date.']
  thresholds: {meta/code-llama-instruct-34b-chat: 1.5}
  default: mistralai/mistral-7b-chat
""",
    )
    prompts = write(
        tmp_path / "labelled.jsonl",
        '{"id": "a", "prompt": "Write a Python function that parses a date.", '
        '"label": "meta/code-llama-instruct-34b-chat"}\n'
        '{"id": "b", "prompt": "Say hello.", "label": "mistralai/mistral-7b-chat"}\n',
    )
    out = ok("fit-router", str(prompts), "-c", str(config))
    assert_fits(out, width, ["mistralai/mistral-7b-chat", "meta/code-llama-instruct-34b-chat"])


def test_coloured_lines_end_without_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = ok("simulate", str(SUPPORT))
    assert "\x1b[" in out
    assert not [line for line in out.splitlines() if re.search(r" (\x1b\[[0-9;]*m)*$", line)]
