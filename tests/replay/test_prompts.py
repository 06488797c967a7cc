"""Reading replay's prompt file: the line format, defaults, and an error naming the line for every mistake."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from routecli.errors import InputFileError, InvalidValueError
from routecli.replay.prompt_file import read_prompts
from routecli.replay.prompts import InvalidLine, Prompt, parse_prompt, select_prompts
from routecli.replay.quality import Expected, MatchMode
from tests.helpers.files import write

ALLOWED = "id, prompt, messages, expected, label, max_tokens, metadata"


def prompt_file(*lines: str) -> Path:
    """``p.jsonl`` in the test's directory, one line per argument."""
    return write(Path("p.jsonl"), "".join(line + "\n" for line in lines))


def only(*lines: str, default_match: MatchMode = "exact") -> Prompt:
    prompts = read_prompts(prompt_file(*lines), default_match=default_match).prompts
    assert len(prompts) == 1
    return prompts[0]


# ----------------------------------------------------------------- the line format


def test_a_plain_prompt_is_one_user_message() -> None:
    assert only('{"prompt": "What is 2+2?"}') == Prompt(
        id="1", line=1, messages=({"role": "user", "content": "What is 2+2?"},), text="What is 2+2?"
    )


def test_messages_are_kept_as_given_and_their_text_joined() -> None:
    line = (
        '{"messages": ['
        '{"role": "system", "content": "Be brief."}, '
        '{"role": "user", "content": [{"type": "text", "text": "Look:"}, '
        '{"type": "image_url", "image_url": {"url": "https://x/y.png"}}, {"type": "text", "text": "What is it?"}]}, '
        '{"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "see", "arguments": "{}"}}]}, '
        '{"role": "tool", "tool_call_id": "c1", "content": "a cat"}, '
        '{"role": "developer", "content": ""}'
        "]}"
    )
    prompt = only(line)
    assert prompt.text == "Be brief.\n\nLook:\n\nWhat is it?\n\na cat"
    assert len(prompt.messages) == 5
    assert prompt.messages[1]["content"][1] == {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
    assert prompt.messages[2]["tool_calls"][0]["function"]["name"] == "see"
    assert prompt.messages[3] == {"role": "tool", "tool_call_id": "c1", "content": "a cat"}


def test_every_optional_key() -> None:
    prompt = only(
        '{"id": "q-7", "prompt": "Hi", "expected": "Hello", "label": "light", "max_tokens": 64, '
        '"metadata": {"source": "gsm8k", "n": 3}}'
    )
    assert prompt.id == "q-7"
    assert prompt.expected == Expected("Hello", "exact")
    assert prompt.label == "light"
    assert prompt.max_tokens == 64
    assert prompt.metadata == {"source": "gsm8k", "n": 3}


def test_null_counts_as_absent() -> None:
    prompt = only(
        '{"id": null, "prompt": "Hi", "messages": null, "expected": null, "label": null, '
        '"max_tokens": null, "metadata": null}'
    )
    assert prompt == Prompt(id="1", line=1, messages=({"role": "user", "content": "Hi"},), text="Hi")


def test_ids_default_to_line_numbers_and_integers_become_text() -> None:
    path = prompt_file('{"prompt": "a"}', "", "   ", '{"prompt": "b", "id": 70}', '{"prompt": "c"}')
    prompts = read_prompts(path).prompts
    assert [(p.id, p.line, p.text) for p in prompts] == [("1", 1, "a"), ("70", 4, "b"), ("5", 5, "c")]


def test_max_tokens_may_be_written_as_a_whole_float() -> None:
    assert only('{"prompt": "a", "max_tokens": 100.0}').max_tokens == 100


@pytest.mark.parametrize(
    ("expected", "default_match", "result"),
    [
        ('"Paris"', "exact", Expected("Paris", "exact")),
        ('"Paris"', "contains", Expected("Paris", "contains")),
        ("18", "exact", Expected("18", "number")),
        ("-2.5", "exact", Expected("-2.5", "number")),
        ("1e20", "exact", Expected("100000000000000000000", "number")),
        ('{"answer": "Paris", "match": "contains"}', "exact", Expected("Paris", "contains")),
        ('{"answer": "Paris"}', "regex", Expected("Paris", "regex")),
        ('{"answer": 42}', "exact", Expected("42", "number")),
        ('{"answer": 42, "match": "exact"}', "number", Expected("42", "exact")),
        ('{"answer": "#### 18", "match": null}', "number", Expected("#### 18", "number")),
    ],
)
def test_expected_forms(expected: str, default_match: MatchMode, result: Expected) -> None:
    assert only(f'{{"prompt": "a", "expected": {expected}}}', default_match=default_match).expected == result


def test_a_byte_order_mark_on_the_first_line_is_tolerated() -> None:
    path = Path("bom.jsonl")
    path.write_bytes(b'\xef\xbb\xbf{"prompt": "a"}\n{"prompt": "b"}\n')
    assert [p.text for p in read_prompts(path).prompts] == ["a", "b"]


def test_windows_line_endings() -> None:
    path = Path("crlf.jsonl")
    path.write_bytes(b'{"prompt": "a"}\r\n\r\n{"prompt": "b"}\r\n')
    assert [(p.id, p.text) for p in read_prompts(path).prompts] == [("1", "a"), ("3", "b")]


def test_a_line_separator_inside_a_string_does_not_end_the_line() -> None:
    # JSON allows U+2028 raw inside strings; str.splitlines would cut the line there.
    assert only('{"prompt": "a\u2028b"}').text == "a\u2028b"


def test_the_file_without_a_final_newline() -> None:
    path = write(Path("p.jsonl"), '{"prompt": "a"}\n{"prompt": "b"}')
    assert [p.id for p in read_prompts(path).prompts] == ["1", "2"]


def test_prompt_file_holds_its_path() -> None:
    path = prompt_file('{"prompt": "a"}')
    assert read_prompts(path).path == path
    assert read_prompts(path).invalid == []


# ----------------------------------------------------------------- errors, each with its line


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"prompt": "a" "id": 1}', "not valid JSON: Expecting ',' delimiter (column 16)"),
        ('{"prompt": "a",', "not valid JSON: Expecting property name enclosed in double quotes (column 16)"),
        ('["a"]', "expected a JSON object, got a list"),
        ('"What is 2+2?"', "expected a JSON object, got the text 'What is 2+2?'"),
        ('{"id": 1}', 'expected "prompt" (text) or "messages" (a list of chat messages)'),
        (
            '{"prompt": "a", "messages": [{"role": "user", "content": "b"}]}',
            'expected "prompt" or "messages", not both',
        ),
        ('{"promt": "a"}', f"unknown key 'promt' (did you mean 'prompt'?); allowed keys: {ALLOWED}"),
        ('{"prompt": "a", "zzz": 1}', f"unknown key 'zzz'; allowed keys: {ALLOWED}"),
        ('{"prompt": " "}', "prompt: expected non-empty text, got the text ' '"),
        ('{"prompt": 5}', "prompt: expected non-empty text, got the number 5"),
        ('{"messages": "hi"}', "messages: expected a non-empty list of chat messages, got the text 'hi'"),
        ('{"messages": []}', "messages: expected a non-empty list of chat messages, got an empty list"),
        (
            '{"messages": ["hi"]}',
            'messages[0]: expected a chat message (an object with "role" and "content"), got the text \'hi\'',
        ),
        (
            '{"messages": [{"role": "user", "content": "a"}, {"role": "robot", "content": "b"}]}',
            "messages[1].role: expected one of system, user, assistant, tool, developer, got the text 'robot'",
        ),
        (
            '{"messages": [{"role": "user"}]}',
            "messages[0].content: expected text or a list of content parts, got nothing (null)",
        ),
        (
            '{"messages": [{"role": "user", "content": 3}]}',
            "messages[0].content: expected text or a list of content parts, got the number 3",
        ),
        (
            '{"messages": [{"role": "assistant", "content": null}]}',
            "messages[0].content: expected text or a list of content parts (null only with tool_calls), "
            "got nothing (null)",
        ),
        (
            '{"messages": [{"role": "user", "content": [{"text": "x"}]}]}',
            'messages[0].content[0]: expected a content part (an object with a "type"), got an object',
        ),
        (
            '{"messages": [{"role": "user", "content": [{"type": "text"}]}]}',
            "messages[0].content[0].text: expected text, got nothing (null)",
        ),
        ('{"prompt": "a", "id": true}', "id: expected non-empty text or a whole number, got a boolean (true)"),
        ('{"prompt": "a", "id": 1.5}', "id: expected non-empty text or a whole number, got the number 1.5"),
        ('{"prompt": "a", "id": ""}', "id: expected non-empty text or a whole number, got the text ''"),
        ('{"prompt": "a", "label": " "}', "label: expected a tier's name (non-empty text), got the text ' '"),
        ('{"prompt": "a", "label": 2}', "label: expected a tier's name (non-empty text), got the number 2"),
        ('{"prompt": "a", "max_tokens": 0}', "max_tokens: expected a whole number ≥ 1, got the number 0"),
        ('{"prompt": "a", "max_tokens": 2.5}', "max_tokens: expected a whole number ≥ 1, got the number 2.5"),
        ('{"prompt": "a", "max_tokens": "100"}', "max_tokens: expected a whole number ≥ 1, got the text '100'"),
        ('{"prompt": "a", "max_tokens": true}', "max_tokens: expected a whole number ≥ 1, got a boolean (true)"),
        ('{"prompt": "a", "metadata": []}', "metadata: expected a JSON object, got an empty list"),
        ('{"prompt": "a", "metadata": "x"}', "metadata: expected a JSON object, got the text 'x'"),
        (
            '{"prompt": "a", "expected": true}',
            'expected: expected the reference answer as text, a number or {"answer": ..., "match": ...}, '
            "got a boolean (true)",
        ),
        ('{"prompt": "a", "expected": ""}', "expected: expected a non-empty reference answer, got the text ''"),
        (
            '{"prompt": "a", "expected": {"answer": [1]}}',
            "expected.answer: expected the reference answer as text or a number, got a list",
        ),
        (
            '{"prompt": "a", "expected": {"match": "exact"}}',
            'expected: missing "answer" (the reference answer: text or a number)',
        ),
        (
            '{"prompt": "a", "expected": {"answer": "x", "matc": "exact"}}',
            "expected: unknown key 'matc' (did you mean 'match'?); allowed keys: answer, match",
        ),
        (
            '{"prompt": "a", "expected": {"answer": "x", "match": "regx"}}',
            "expected.match: expected one of exact, contains, regex, number, got the text 'regx'; "
            "did you mean 'regex'?",
        ),
        (
            '{"prompt": "a", "expected": {"answer": "(a|b", "match": "regex"}}',
            "expected.answer: the regular expression '(a|b' is invalid: missing ), unterminated subpattern "
            "(at position 0)",
        ),
        (
            '{"prompt": "a", "expected": {"answer": "eighteen", "match": "number"}}',
            "expected.answer: expected a number in the reference answer, got the text 'eighteen'",
        ),
    ],
)
def test_errors_name_the_file_and_line(line: str, message: str) -> None:
    path = prompt_file('{"prompt": "fine"}', "", line, '{"prompt": "after"}')
    with pytest.raises(InvalidValueError) as caught:
        read_prompts(path)
    assert str(caught.value) == f"p.jsonl:3: {message}"
    assert (caught.value.source, caught.value.line) == ("p.jsonl", 3)


def test_a_plain_reference_without_a_number_under_default_match_number() -> None:
    with pytest.raises(InvalidValueError) as caught:
        read_prompts(prompt_file('{"prompt": "a", "expected": "eighteen"}'), default_match="number")
    assert (
        str(caught.value) == "p.jsonl:1: expected: expected a number in the reference answer, got the text 'eighteen'"
    )


def test_parse_prompt_leaves_the_file_to_its_caller() -> None:
    with pytest.raises(InvalidValueError) as caught:
        parse_prompt('{"prompt": 5}', 12)
    assert (caught.value.source, caught.value.line, caught.value.path) == (None, 12, ("prompt",))
    assert str(caught.value) == "prompt: expected non-empty text, got the number 5"


def test_parse_prompt_default_match() -> None:
    prompt = parse_prompt('{"prompt": "a", "expected": "b"}', 4, default_match="contains")
    assert (prompt.id, prompt.line, prompt.expected) == ("4", 4, Expected("b", "contains"))


# ----------------------------------------------------------------- duplicate ids


def test_a_duplicate_id_names_the_first_line() -> None:
    path = prompt_file('{"id": "a", "prompt": "x"}', '{"id": "b", "prompt": "y"}', '{"id": "a", "prompt": "z"}')
    with pytest.raises(InvalidValueError) as caught:
        read_prompts(path)
    assert str(caught.value) == "p.jsonl:3: id: duplicate id 'a', first used on line 1"


def test_an_explicit_id_can_collide_with_a_default_one() -> None:
    path = prompt_file('{"id": 2, "prompt": "x"}', '{"prompt": "y"}')
    with pytest.raises(InvalidValueError) as caught:
        read_prompts(path)
    assert str(caught.value) == "p.jsonl:2: id: duplicate id '2', first used on line 1"


# ----------------------------------------------------------------- skip_invalid


def test_skip_invalid_collects_bad_lines() -> None:
    path = prompt_file(
        '{"id": "a", "prompt": "x"}',
        "{not json",
        '{"id": "a", "prompt": "again"}',
        "",
        '{"prompt": "y", "max_tokens": -1}',
        '{"id": "b", "prompt": "z"}',
    )
    result = read_prompts(path, skip_invalid=True)
    assert [(p.id, p.line) for p in result.prompts] == [("a", 1), ("b", 6)]
    assert result.invalid == [
        InvalidLine(2, "not valid JSON: Expecting property name enclosed in double quotes (column 2)"),
        InvalidLine(3, "id: duplicate id 'a', first used on line 1"),
        InvalidLine(5, "max_tokens: expected a whole number ≥ 1, got the number -1"),
    ]


def test_skip_invalid_still_fails_when_nothing_is_valid() -> None:
    path = prompt_file("[]", '{"prompt": ""}')
    with pytest.raises(InvalidValueError) as caught:
        read_prompts(path, skip_invalid=True)
    assert str(caught.value) == (
        "p.jsonl: no valid prompts in the file: all 2 lines are invalid "
        "(the first, on line 1: expected a JSON object, got an empty list)"
    )


def test_a_line_skipped_as_invalid_does_not_claim_its_id() -> None:
    path = prompt_file('{"id": "a", "prompt": ""}', '{"id": "a", "prompt": "x"}')
    result = read_prompts(path, skip_invalid=True)
    assert [(p.id, p.line) for p in result.prompts] == [("a", 2)]
    assert [bad.line for bad in result.invalid] == [1]


# ----------------------------------------------------------------- the file itself


@pytest.mark.parametrize("text", ["", "\n\n", "  \n\t\n"])
def test_a_file_without_prompts(text: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        read_prompts(write(Path("p.jsonl"), text))
    assert str(caught.value) == "p.jsonl: no prompts in the file"


def test_a_missing_file() -> None:
    with pytest.raises(InputFileError) as caught:
        read_prompts(Path("missing.jsonl"))
    assert str(caught.value) == "missing.jsonl: prompt file not found"


def test_a_directory() -> None:
    Path("folder").mkdir()
    with pytest.raises(InputFileError) as caught:
        read_prompts(Path("folder"))
    assert str(caught.value) == "folder: cannot read the prompt file: Is a directory"


def test_a_file_that_is_not_utf8() -> None:
    path = Path("latin1.jsonl")
    path.write_bytes('{"prompt": "café"}\n'.encode("latin-1"))
    with pytest.raises(InputFileError) as caught:
        read_prompts(path)
    # "café" in Latin-1: é is the byte 0xE9 at offset 15, which cannot start a UTF-8 sequence followed by '"'.
    assert str(caught.value) == "latin1.jsonl: not a text file (UTF-8): byte 0xe9 at offset 15 is not UTF-8"


def test_garbage_collection_is_back_on_after_reading() -> None:
    assert gc.isenabled()
    read_prompts(prompt_file('{"prompt": "a"}'))
    assert gc.isenabled()
    with pytest.raises(InvalidValueError):
        read_prompts(prompt_file("[]"))
    assert gc.isenabled()


# ----------------------------------------------------------------- choosing prompts


def test_a_seeded_sample_keeps_file_order_and_repeats_with_its_seed() -> None:
    prompts = [parse_prompt(f'{{"prompt": "p{index}"}}', index) for index in range(1, 21)]
    first = select_prompts(prompts, limit=None, sample=5, seed=7)
    assert first == select_prompts(prompts, limit=None, sample=5, seed=7)
    assert [prompt.line for prompt in first] == sorted(prompt.line for prompt in first)
    assert len(first) == 5
    assert select_prompts(prompts, limit=None, sample=5, seed=8) != first
    assert select_prompts(prompts, limit=2, sample=5, seed=7) == first[:2]  # the sample, then the limit
    assert select_prompts(prompts, limit=3, sample=None, seed=0) == prompts[:3]
    assert select_prompts(prompts, limit=None, sample=50, seed=0) == prompts  # a sample of all is all
