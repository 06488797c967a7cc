"""docs/analyze.md's examples run against the bundled example log and show their real output."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.doc_console import check_console_blocks
from tests.helpers.paths import REPO

ANALYZE_DOC = REPO / "docs" / "analyze.md"


def test_the_analyze_docs_console_examples_show_real_output(tmp_path: Path) -> None:
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios", target_is_directory=True)
    stale = check_console_blocks(ANALYZE_DOC, minimum=4)
    assert not stale, "docs/analyze.md is stale (ROUTECLI_UPDATE_DOCS=1 rewrites it):\n\n" + "\n\n".join(stale)
