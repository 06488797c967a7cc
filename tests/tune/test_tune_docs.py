"""docs/tune.md's examples run against the bundled example outcomes and show their real output."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.doc_console import check_console_blocks
from tests.helpers.paths import REPO

TUNE_DOC = REPO / "docs" / "tune.md"


def test_the_tune_docs_console_examples_show_real_output(tmp_path: Path) -> None:
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios", target_is_directory=True)
    stale = check_console_blocks(TUNE_DOC, minimum=3)
    assert not stale, "docs/tune.md is stale (ROUTECLI_UPDATE_DOCS=1 rewrites it):\n\n" + "\n\n".join(stale)


def test_the_example_outcomes_are_what_the_doc_says() -> None:
    from routecli.tune.readers import read_outcomes

    outcomes = read_outcomes([REPO / "scenarios" / "outcomes" / "example.jsonl"])
    assert (outcomes.prompts, outcomes.models) == (60, ("gpt-4o-mini", "gpt-4o"))
    assert outcomes.confidence is not None
    assert "60 prompts\nanswered by gpt-4o-mini and gpt-4o" in TUNE_DOC.read_text()
