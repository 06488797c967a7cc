"""docs/ci.md's CI jobs, played on a throwaway Git repository with a base and a head commit.

The commands are read from the doc's YAML, not copied here, so a workflow that drifts from
the CLI it calls fails this test instead of a user's first pull request.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from routecli.render.diff_report import COMMENT_MARKER
from tests.helpers.paths import EXAMPLE, REPO

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not on PATH")

DOC = REPO / "docs" / "ci.md"


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def _block_with(needle: str) -> str:
    (block,) = [block for block in _yaml_blocks() if needle in block]
    return block


def _github_workflow() -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load(_block_with("actions/github-script"))
    return workflow


def _gitlab_job() -> dict[str, Any]:
    job: dict[str, Any] = yaml.safe_load(_block_with("merge_request_event"))["routecli"]
    return job


def _policy() -> str:
    return _block_with("# routecli-policy.yaml")


def _expand(text: str, context: dict[str, str]) -> str:
    """Resolve GitHub's `${{ expr }}`; an expression the test does not know fails it."""
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda match: context[match.group(1)], text)


@dataclass(frozen=True)
class Script:
    """One shell script a CI job runs, with the variables the job sets for it."""

    text: str
    env: dict[str, str]


def _github_scripts(base_sha: str) -> list[Script]:
    """The workflow's `run:` steps after installing routecli, as the runner would run them."""
    workflow = _github_workflow()
    (job,) = workflow["jobs"].values()
    context = {"github.event.pull_request.base.sha": base_sha}
    scripts = []
    for step in job["steps"]:
        if "run" not in step or "pip install" in step["run"]:
            continue
        env = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
        scripts.append(
            Script(_expand(step["run"], context), {name: _expand(str(value), context) for name, value in env.items()})
        )
    return scripts


def _gitlab_scripts(base_sha: str) -> list[Script]:
    """The job's `routecli` and `git worktree` lines: not the install, not the note's API calls."""
    job = _gitlab_job()
    env = {name: str(value) for name, value in job["variables"].items()}
    env["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = base_sha
    lines = [line for line in job["script"] if line.startswith(("routecli ", "git worktree "))]
    return [Script(line, env) for line in lines]


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits that do not depend on the machine's Git configuration."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "CI test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "ci@example.com")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def _pull_request(tmp_path: Path, change: tuple[str, str]) -> tuple[Path, str]:
    """A repository whose base commit has the example scenario and the doc's policy, and whose head changes it."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    scenario = EXAMPLE.read_text(encoding="utf-8")
    (repo / "scenario.yaml").write_text(scenario, encoding="utf-8")
    (repo / "routecli-policy.yaml").write_text(_policy(), encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    base_sha = _git(repo, "rev-parse", "HEAD")
    old, new = change
    assert scenario.count(old) == 1
    (repo / "scenario.yaml").write_text(scenario.replace(old, new), encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "head")
    return repo, base_sha


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str


def _play(repo: Path, scripts: list[Script], env: dict[str, str]) -> Run:
    """Run the scripts in order as CI would (bash -eo pipefail); all but the last, the check, must succeed."""
    bin_dir = repo.parent / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "routecli"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m routecli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    base_env = {**os.environ, **env, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO)}
    results = [
        subprocess.run(
            ["bash", "-eo", "pipefail", "-c", script.text],
            cwd=repo,
            env={**base_env, **script.env},
            capture_output=True,
            text=True,
        )
        for script in scripts
    ]
    for result in results[:-1]:
        assert result.returncode == 0, result.stderr
    return Run(results[-1].returncode, results[-1].stdout)


SWITCH_LIGHT_MODEL = ("light: {model: gpt-5-nano}", "light: {model: gpt-5.4-nano}")
"""The doc's failing pull request: the dearer nano raises routed and cascade by over 10% (docs/ci.md)."""
LESS_TRAFFIC = ("requests_per_month: 1000000", "requests_per_month: 900000")
"""Every cost is proportional to traffic: 10% fewer requests, 10% less cost, and every rule still holds."""


def test_the_jobs_run_what_the_brief_says() -> None:
    github = "\n".join(script.text for script in _github_scripts("BASE"))
    gitlab = "\n".join(script.text for script in _gitlab_scripts("BASE"))
    for commands in (github, gitlab):
        assert "git worktree add --detach base" in commands
        assert 'routecli simulate "base/$SCENARIO" --format json -o base.json' in commands
        assert "routecli diff base.json head.json --format markdown -o diff.md" in commands
        assert commands.splitlines()[-1].startswith('routecli check head.json --baseline base.json --policy "$POLICY"')
    workflow = _github_workflow()
    assert workflow["permissions"]["pull-requests"] == "write"
    assert _gitlab_job()["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]


@pytest.mark.usefixtures("git_env")
def test_github_workflow_fails_a_pull_request_that_breaks_the_policy(tmp_path: Path) -> None:
    repo, base_sha = _pull_request(tmp_path, SWITCH_LIGHT_MODEL)
    summary = tmp_path / "summary.md"
    run = _play(repo, _github_scripts(base_sha), {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})

    assert run.returncode == 1
    # a check line wraps at the log's width between words, its continuation indented under the message
    logical = re.sub(r"\n +", " ", run.stdout)
    failures = [line for line in logical.splitlines() if line.startswith("FAIL ")]
    assert [line.split(":")[0] for line in failures] == ["FAIL  routed", "FAIL  cascade"]
    assert all("rule 'no cost jump'" in line for line in failures)
    assert run.stdout.count("::error title=routecli check%3A no cost jump::") == 2
    comment = (repo / "diff.md").read_text(encoding="utf-8")
    assert comment.startswith(COMMENT_MARKER + "\n")
    assert comment.count(COMMENT_MARKER) == 1
    assert "**Monthly cost of the baseline (all-heavy) is unchanged at $23,750.00.**" in comment
    assert "gpt-5-nano → gpt-5.4-nano" in comment
    written = summary.read_text(encoding="utf-8")
    assert written.startswith(comment)  # the diff step's, then check's own
    assert "### ❌ routecli check failed" in written


@pytest.mark.usefixtures("git_env")
def test_github_workflow_passes_a_pull_request_within_the_policy(tmp_path: Path) -> None:
    repo, base_sha = _pull_request(tmp_path, LESS_TRAFFIC)
    summary = tmp_path / "summary.md"
    run = _play(repo, _github_scripts(base_sha), {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})

    assert run.returncode == 0, run.stdout
    assert "::error" not in run.stdout
    comment = (repo / "diff.md").read_text(encoding="utf-8")
    assert comment.count(COMMENT_MARKER) == 1
    assert "**Monthly cost of the baseline (all-heavy) falls by $" in comment
    assert "(-10.0%)" in comment
    assert "### ✅ routecli check passed" in summary.read_text(encoding="utf-8")
    base = json.loads((repo / "base.json").read_text(encoding="utf-8"))
    head = json.loads((repo / "head.json").read_text(encoding="utf-8"))
    assert (base["period"]["requests"], head["period"]["requests"]) == ("1000000", "900000")  # base from base


@pytest.mark.usefixtures("git_env")
@pytest.mark.parametrize(
    ("change", "exit_code", "heading"),
    [
        (SWITCH_LIGHT_MODEL, 1, "### ❌ routecli check failed"),
        (LESS_TRAFFIC, 0, "### ✅ routecli check passed"),
    ],
)
def test_gitlab_job(tmp_path: Path, change: tuple[str, str], exit_code: int, heading: str) -> None:
    repo, base_sha = _pull_request(tmp_path, change)
    run = _play(repo, _gitlab_scripts(base_sha), {})

    assert run.returncode == exit_code
    assert (repo / "diff.md").read_text(encoding="utf-8").count(COMMENT_MARKER) == 1
    assert (repo / "check.md").read_text(encoding="utf-8").startswith(heading)


def _gitlab_note_finder() -> str:
    (note_script,) = [line for line in _gitlab_job()["script"] if "python3 -c" in line]
    codes: list[str] = re.findall(r"python3 -c '([^']*)'", note_script)
    (code,) = codes
    return code


@pytest.mark.parametrize(
    ("notes", "found"),
    [
        (
            [
                {"id": 1, "body": f"quoting {COMMENT_MARKER}"},
                {"id": 7, "body": f"{COMMENT_MARKER}\nold"},
                {"id": 9, "body": f"{COMMENT_MARKER}\nnewer"},
            ],
            "7",
        ),
        ([{"id": 1, "body": "LGTM"}], ""),
        ([], ""),
    ],
)
def test_gitlab_finds_its_note_by_the_marker(notes: list[dict[str, Any]], found: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _gitlab_note_finder()],
        input=json.dumps(notes),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == found + "\n"


NODE_HARNESS = """
const fs = require('fs');
const calls = [];
const github = {
  paginate: async (method, params) => { calls.push(['list', method, params]); return JSON.parse(process.argv[1]); },
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (params) => { calls.push(['update', params]); },
    createComment: async (params) => { calls.push(['create', params]); },
  } },
};
const context = { repo: { owner: 'acme', repo: 'bot' }, issue: { number: 5 } };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', fs.readFileSync('script.js', 'utf8'))(require, github, context)
  .then(() => console.log(JSON.stringify(calls)));
"""
"""Runs the github-script step as actions/github-script does: an async function of require, github and context."""

BOT = {"login": "github-actions[bot]"}
LIST = ["list", "listComments", {"owner": "acme", "repo": "bot", "issue_number": 5, "per_page": 100}]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
@pytest.mark.parametrize(
    ("comments", "write"),
    [
        (
            [
                {"id": 3, "user": {"login": "someone"}, "body": f"{COMMENT_MARKER}\nforged"},
                {"id": 4, "user": BOT, "body": "another bot comment"},
                {"id": 42, "user": BOT, "body": f"{COMMENT_MARKER}\nold diff"},
            ],
            ["update", {"owner": "acme", "repo": "bot", "comment_id": 42, "body": "the diff\n"}],
        ),
        (
            [{"id": 3, "user": {"login": "someone"}, "body": "LGTM"}],
            ["create", {"owner": "acme", "repo": "bot", "issue_number": 5, "body": "the diff\n"}],
        ),
    ],
)
def test_github_script_updates_its_own_comment(
    tmp_path: Path, comments: list[dict[str, Any]], write: list[Any]
) -> None:
    (step,) = [step for step in _github_workflow()["jobs"]["cost"]["steps"] if "github-script" in step.get("uses", "")]
    (tmp_path / "script.js").write_text(step["with"]["script"], encoding="utf-8")
    (tmp_path / "diff.md").write_text("the diff\n", encoding="utf-8")
    result = subprocess.run(
        ["node", "-e", NODE_HARNESS, json.dumps(comments)], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == [LIST, write]
