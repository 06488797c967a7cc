"""docs/loop.md, the walkthrough: its console blocks run in order in one folder (a later step reads an earlier
one's files) and show their real output.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.doc_console import check_console_blocks
from tests.helpers.paths import REPO

LOOP_DOC = REPO / "docs" / "loop.md"
RUN_BLOCKS = 10


def test_the_walkthrough_runs_and_shows_real_output(tmp_path: Path) -> None:
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios", target_is_directory=True)
    stale = check_console_blocks(LOOP_DOC, minimum=RUN_BLOCKS)
    assert not stale, "docs/loop.md is stale (ROUTECLI_UPDATE_DOCS=1 rewrites it):\n\n" + "\n\n".join(stale)
    assert (tmp_path / "tuned.yaml").is_file()  # step 5 wrote the scenario step 6 checks
    assert (tmp_path / "calibrated.yaml").is_file()  # step 3 wrote the scenario step 4 simulates
    assert (tmp_path / "sample.jsonl").is_file()  # step 1 wrote a prompt sample
