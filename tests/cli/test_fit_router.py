"""``routecli fit-router``: an embedding router's thresholds fitted to labelled prompts, in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from routecli.cli import app
from routecli.replay.config_file import load_router_config
from routecli.replay.prompt_file import read_prompts
from routecli.replay.routing.prompt_embedding import EmbeddingRouter
from tests.helpers.files import write
from tests.helpers.paths import REPO
from tests.helpers.routing import route

PROOF = "Prove that the square root of 2 is irrational."
CODE = "Write a Python function that parses an ISO date."
CAPITAL = "What is the capital of France?"
GREETING = "Say hello in Spanish."

HEAD = """\
providers:
  local: {base_url: http://127.0.0.1:8080/v1}
tiers:
  small: {provider: local, model: gpt-4o-mini}
  large: {provider: local, model: gpt-4.1}
"""

UNREACHABLE = (
    HEAD + "routing:\n  type: embedding\n"
    f"  exemplars:\n    large: ['{PROOF}', '{CODE}']\n"
    "  k: 1\n  aggregate: max\n  thresholds: {large: 1.5}\n  default: small\n"
)
"""Only large has exemplars, and its threshold is above any cosine: before fitting every prompt goes to small."""

LABELLED = [
    {"id": "proof", "prompt": PROOF, "label": "large"},
    {"id": "unlabelled", "prompt": "Tell me a joke."},
    {"id": "code", "prompt": CODE, "label": "large"},
    {"id": "capital", "prompt": CAPITAL, "label": "small"},
    {"id": "greeting", "prompt": GREETING, "label": "small"},
]
"""The large-labelled prompts are large's exemplars themselves (score 1, k=1 and max); the small-labelled ones share
a few common words at most, so some threshold between their scores and 1 routes all four as labelled."""


def prompts_file(records: list[dict[str, str]] = LABELLED) -> Path:
    return write(Path("prompts.jsonl"), "".join(json.dumps(record) + "\n" for record in records))


def fit(*args: str, config: str = UNREACHABLE, prompts: Path | None = None) -> tuple[int, str, str]:
    write(Path("router.yaml"), config)
    chosen = prompts if prompts is not None else prompts_file()
    result = CliRunner().invoke(app, ["fit-router", str(chosen), "-c", "router.yaml", *args])
    return result.exit_code, result.stdout, result.stderr


def test_fitting_makes_the_unreachable_tier_reachable_json_contract() -> None:
    code, out, err = fit("--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert set(document) == {
        "prompts",
        "labelled",
        "accuracy_before",
        "accuracy_after",
        "thresholds_before",
        "thresholds",
        "confusion_before",
        "confusion_after",
    }
    assert (document["prompts"], document["labelled"]) == (5, 4)  # the unlabelled prompt is left out
    assert (document["accuracy_before"], document["accuracy_after"]) == (0.5, 1.0)
    assert document["thresholds_before"] == {"large": 1.5}
    assert set(document["thresholds"]) == {"large"}
    assert 0 < document["thresholds"]["large"] <= 1
    # labels down, decided tier across, every tier a column, zeros kept; in the order under tiers
    assert document["confusion_before"] == {"small": {"small": 2, "large": 0}, "large": {"small": 2, "large": 0}}
    assert document["confusion_after"] == {"small": {"small": 2, "large": 0}, "large": {"small": 0, "large": 2}}
    assert list(document["confusion_after"]) == ["small", "large"]


def test_the_pasted_thresholds_route_every_labelled_prompt_as_labelled() -> None:
    code, out, err = fit()
    assert code == 0, err
    assert "Accuracy: 50.0% → 100.0% (2 → 4 of 4 decided as labelled)." in out
    assert "1 without a label left out" in out
    snippet = next(line.strip() for line in out.splitlines() if line.strip().startswith("thresholds: {"))
    _, document, _ = fit("--format", "json")
    assert yaml.safe_load(snippet) == {"thresholds": json.loads(document)["thresholds"]}  # exact, not rounded

    write(Path("fitted.yaml"), UNREACHABLE.replace("thresholds: {large: 1.5}", snippet))
    router = load_router_config(Path("fitted.yaml")).router
    assert isinstance(router, EmbeddingRouter)
    for prompt in read_prompts(Path("prompts.jsonl")).prompts:
        if prompt.label is not None:
            assert route(router, prompt).tier == prompt.label, prompt.id


def test_markdown_and_csv_show_both_matrices() -> None:
    code, markdown, err = fit("--format", "markdown")
    assert code == 0, err
    assert "### Before (thresholds: large 1.5)" in markdown
    assert "| small | 2 | 0 |\n| large | 2 | 0 |" in markdown
    assert "| small | 2 | 0 |\n| large | 0 | 2 |" in markdown
    assert "```yaml\nthresholds: {large: " in markdown

    code, csv, err = fit("--format", "csv")
    assert code == 0, err
    assert csv.splitlines() == [
        "when,label,small,large,prompts,right",
        "before,small,2,0,2,2",
        "before,large,2,0,2,0",
        "after,small,2,0,2,2",
        "after,large,0,2,2,2",
    ]


def test_output_file_takes_its_format_from_the_suffix() -> None:
    code, out, err = fit("-o", "fit.json")
    assert (code, out) == (0, ""), err
    assert json.loads(Path("fit.json").read_text())["accuracy_after"] == 1.0


def test_thresholds_already_best_are_kept() -> None:
    """Each prompt is an exemplar of its own tier (score 1 there, below 1 on the other): all right at 0 already."""
    config = (
        HEAD + "routing:\n  type: embedding\n"
        f"  exemplars:\n    small: ['{CAPITAL}']\n    large: ['{PROOF}']\n  default: small\n"
    )
    records = [{"prompt": CAPITAL, "label": "small"}, {"prompt": PROOF, "label": "large"}]
    code, out, err = fit("--format", "json", config=config, prompts=prompts_file(records))
    assert code == 0, err
    document = json.loads(out)
    assert (document["accuracy_before"], document["accuracy_after"]) == (1.0, 1.0)
    assert document["thresholds"] == document["thresholds_before"] == {"small": 0.0, "large": 0.0}


def test_other_routing_types_are_refused_naming_routing_type() -> None:
    config = HEAD + "routing: {type: fixed, tier: large}\n"
    code, _, err = fit(config=config)
    assert code == 2
    assert err == "Error: router.yaml: routing.type: fit-router fits the thresholds of type embedding, not fixed\n"


def test_prompts_without_labels_are_refused() -> None:
    records = [{"prompt": PROOF}, {"prompt": CAPITAL}]
    code, _, err = fit(prompts=prompts_file(records))
    assert code == 2
    assert err.startswith('Error: prompts.jsonl: no prompt has a "label"')


def test_a_label_that_is_no_tier_is_refused_naming_its_line() -> None:
    records = [{"prompt": PROOF, "label": "large"}, {"prompt": CAPITAL, "label": "medium"}]
    code, _, err = fit(prompts=prompts_file(records))
    assert code == 2
    assert err == ("Error: prompts.jsonl:2: label: label 'medium' is not a tier of router.yaml (tiers: small, large)\n")


EXAMPLES = REPO / "scenarios" / "replay"


@pytest.mark.parametrize("target", ["prompts", "config"])
def test_the_output_cannot_overwrite_an_input(tmp_path: Path, target: str) -> None:
    """-o naming the labelled prompts or the config would replace an input with the report."""
    paths = {"prompts": EXAMPLES / "prompts.jsonl", "config": EXAMPLES / "embedding.yaml"}
    copies = {name: tmp_path / path.name for name, path in paths.items()}
    for name, path in paths.items():
        copies[name].write_bytes(path.read_bytes())
    (tmp_path / "exemplars.jsonl").write_bytes((EXAMPLES / "exemplars.jsonl").read_bytes())
    before = copies[target].read_bytes()
    result = CliRunner().invoke(
        app, ["fit-router", str(copies["prompts"]), "-c", str(copies["config"]), "-o", str(copies[target])]
    )
    assert result.exit_code == 2
    assert result.stderr == f"Error: {copies[target]}: is an input of this run; write the output elsewhere\n"
    assert copies[target].read_bytes() == before
