"""Tests of core.credentials.untrusted: bounded JSON parsing and control-character detection."""

from __future__ import annotations

import json

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


@pytest.mark.parametrize(
    "raw",
    [
        '"Ma\\ud800tre"',
        '"\\udfff"',
        '"\\uD800"',
        '"\\ude00\\ud83d"',
        '"\\ud83d"',
        '{"Ma\\ud800tre": 1}',
        '{"a": [1, {"b": ["ok", "\\udbff"]}]}',
        '{"\\ud800": 1, "\\ud800": 2}',
        '\ufeff["\\ud800"]',
    ],
)
def test_lone_surrogates_are_malformed(raw: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(raw)
    assert caught.value.code == "malformed_json"
    # the error itself must be encodable: it is sent back to the client as UTF-8
    assert json.dumps(caught.value.problems, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    "raw",
    # the str cases hold a raw surrogate code point, with no escape in the text
    [b'{"name": "Ma\\ud800tre"}', '{"name": "Ma\ud800tre"}', '{"Ma\udc00tre": 1}'],
    ids=["escape-in-bytes", "code-point-in-str", "code-point-in-str-key"],
)
def test_lone_surrogates_in_bytes_and_in_str_input(raw: bytes | str) -> None:
    with pytest.raises(InputError) as caught:
        parse(raw)
    assert caught.value.code == "malformed_json"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"smile": "\\ud83d\\ude00"}', {"smile": "😀"}),
        ('{"\\uD83D\\uDE00": "key"}', {"😀": "key"}),
        # an escaped backslash followed by "ud800" is text, not an escape
        ('"\\\\ud800"', "\\ud800"),
        ('"\\u00e9\\u20ac"', "é€"),
    ],
    ids=["pair", "pair-in-key", "escaped-backslash", "bmp-escapes"],
)
def test_surrogate_pairs_and_look_alikes_are_accepted(raw: str, expected: object) -> None:
    assert parse(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2.0", 2),
        ("1e2", 100),
        ("1E2", 100),
        ("-0.0", 0),
        ("1.0E3", 1000),
        ("2.50e1", 25),
        ("-7.0", -7),
        ("1e20", 100_000_000_000_000_000_000),
        ("9.99e20", 999_000_000_000_000_000_000),
        ("12345678901234567.0", 12345678901234568),
    ],
)
def test_integral_fractions_and_exponents_read_as_javascript_integers(
    raw: str, expected: int
) -> None:
    value = parse(raw)
    assert type(value) is int and value == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2.5", 2.5),
        ("1e-7", 1e-7),
        ("-0.5", -0.5),
        ("1e21", 1e21),
        ("-1e21", -1e21),
        ("1.5e300", 1.5e300),
    ],
)
def test_non_integral_or_huge_numbers_stay_floats(raw: str, expected: float) -> None:
    value = parse(raw)
    assert type(value) is float and value == expected


def test_integer_literals_stay_integers() -> None:
    value = parse("[123456789012345678901234567890, -0, 7]")
    assert isinstance(value, list) and [(v, type(v)) for v in value] == [
        (123456789012345678901234567890, int),
        (0, int),
        (7, int),
    ]
