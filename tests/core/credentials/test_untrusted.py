"""Tests of core.credentials.untrusted: bounded JSON parsing and control-character detection."""

from __future__ import annotations

import pytest

from core.credentials.untrusted import find_control_characters, parse_untrusted_json
from core.errors import InputError, PayloadTooLarge


def parse(raw: bytes | str, max_bytes: int = 10_000, max_depth: int = 8) -> object:
    return parse_untrusted_json(raw, max_bytes=max_bytes, max_depth=max_depth)


def test_parses_objects_arrays_and_scalars() -> None:
    expected = {"a": [1, 2.5, "x", True, None, {"b": "[[[{{{"}]}
    assert parse('{"a": [1, 2.5, "x", true, null, {"b": "[[[{{{"}]}') == expected
    assert parse(b'\xef\xbb\xbf{"bom": "ok"}') == {"bom": "ok"}
    assert parse("\ufeff[]") == []


def test_size_limit_counts_utf8_bytes() -> None:
    assert parse('"' + "é" * 4 + '"', max_bytes=10) == "éééé"
    with pytest.raises(PayloadTooLarge):
        parse('"' + "é" * 5 + '"', max_bytes=10)
    with pytest.raises(PayloadTooLarge):
        parse(b" " * 2_000_001, max_bytes=1_000_000)


def test_depth_limit_without_recursion() -> None:
    assert parse("[" * 8 + "]" * 8) == [[[[[[[[]]]]]]]]
    with pytest.raises(PayloadTooLarge, match="nested"):
        parse("[" * 9 + "]" * 9)
    with pytest.raises(PayloadTooLarge):
        parse("[" * 10_000 + "]" * 10_000, max_bytes=100_000)
    with pytest.raises(PayloadTooLarge):
        parse('{"a":' * 100_000 + "1" + "}" * 100_000, max_bytes=1_000_000)


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"a": "' + "[" * 50 + '\\"' + "{" * 50 + '"}'
    assert parse(text) == {"a": "[" * 50 + '"' + "{" * 50}


def test_unterminated_strings_are_scanned_once() -> None:
    # a quote followed by many escaped quotes used to make naive string regexes quadratic
    with pytest.raises(InputError) as caught:
        parse('"' + '\\"' * 400_000, max_bytes=1_000_000)
    assert caught.value.code == "malformed_json"


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [("{", 1, 2), ('{"a": 1,\n  "b": }', 2, 8), ("", 1, 1), ("[1] x", 1, 5)],
)
def test_malformed_json_reports_line_and_column(raw: str, line: int, column: int) -> None:
    with pytest.raises(InputError) as caught:
        parse(raw)
    assert caught.value.code == "malformed_json"
    assert caught.value.problems == [{"line": line, "column": column, "message": "invalid JSON"}]
    assert f"line {line}, column {column}" in caught.value.message


@pytest.mark.parametrize("raw", ["NaN", "[Infinity]", '{"a": -Infinity}', "1e999", "-1e400"])
def test_non_finite_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(raw)
    assert caught.value.code == "malformed_json"


def test_huge_integers_are_refused_not_crashing() -> None:
    with pytest.raises(InputError) as caught:
        parse("1" * 5000)
    assert caught.value.code == "malformed_json"


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse('{"id": "a", "x": {"k": 1, "k": 2}}')
    assert caught.value.code == "malformed_json"
    assert caught.value.problems == [{"path": "k", "message": "duplicate key"}]


def test_invalid_utf8_is_malformed() -> None:
    with pytest.raises(InputError) as caught:
        parse(b'{"a": "\xff"}')
    assert caught.value.code == "malformed_json"
    assert "\\xff" not in caught.value.message


def test_find_control_characters_paths() -> None:
    document = {
        "name": "ok\ttab\nnewline\r",
        "bad": "bell\x07",
        "nested": {"list": ["fine", "nul\x00", {"deep": "esc\x1b"}]},
        "del": "x\x7f",
        "c1": "x\x85",
        "key\x01": "value",
        "number": 5,
    }
    assert find_control_characters(document) == [
        "bad",
        "nested.list[1]",
        "nested.list[2].deep",
        "del",
        "c1",
        "key\x01",
    ]
    assert find_control_characters("top\x02") == ["$"]
    assert find_control_characters({"clean": ["a", {"b": "c"}]}) == []


def test_find_control_characters_is_iterative() -> None:
    deep: object = "x\x01"
    for _ in range(20_000):
        deep = [deep]
    assert find_control_characters(deep) == ["[0]" * 20_000]
