"""Tests of core.encoding: base58btc, multibase and base64url."""

from __future__ import annotations

import base64
import os

import pytest

from core.encoding import (
    b58decode,
    b58encode,
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
)
from core.errors import InputError

# Vectors from the base58 draft (draft-msporny-base58) and bitcoin's test suite.
B58_VECTORS = [
    (b"", ""),
    (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
    (
        b"The quick brown fox jumps over the lazy dog.",
        "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
    ),
    (bytes.fromhex("0000287fb4cd"), "11233QC4"),
    (b"\0", "1"),
    (bytes.fromhex("61"), "2g"),
    (bytes.fromhex("626262"), "a3gV"),
    (
        bytes.fromhex("00eb15231dfceb60925886b67d065299925915aeb172c06647"),
        "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L",
    ),
]


@pytest.mark.parametrize(("raw", "text"), B58_VECTORS)
def test_b58_vectors(raw: bytes, text: str) -> None:
    assert b58encode(raw) == text
    assert b58decode(text) == raw


def test_b58_round_trip_random_with_leading_zeros() -> None:
    for n in range(0, 60):
        raw = b"\0" * (n % 4) + os.urandom(n)
        assert b58decode(b58encode(raw)) == raw


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", "abc+", "z z", "é"])
def test_b58_rejects_bad_characters(bad: str) -> None:
    with pytest.raises(InputError):
        b58decode(bad)


def test_multibase_round_trip_and_prefix() -> None:
    assert multibase_encode(b"Hello World!") == "z2NEpo7TZRRrLZSi2U"
    assert multibase_decode("z2NEpo7TZRRrLZSi2U") == b"Hello World!"


@pytest.mark.parametrize("bad", ["", "u SGVsbG8", "uSGVsbG8", "f68656c6c6f", "2NEpo7", "z0"])
def test_multibase_rejects_other_bases(bad: str) -> None:
    with pytest.raises(InputError):
        multibase_decode(bad)


def test_b64url_no_padding_and_url_alphabet() -> None:
    assert b64url_encode(b"\xfb\xff") == "-_8"
    assert b64url_encode(b"a") == "YQ"
    assert b64url_decode("-_8") == b"\xfb\xff"
    assert b64url_decode("YQ") == b"a"
    assert b64url_decode("YQ==") == b"a"
    assert b64url_decode(b"YQ") == b"a"


def test_b64url_round_trip() -> None:
    for n in range(0, 40):
        raw = os.urandom(n)
        text = b64url_encode(raw)
        assert "=" not in text
        assert text == base64.urlsafe_b64encode(raw).decode().rstrip("=")
        assert b64url_decode(text) == raw


@pytest.mark.parametrize("bad", ["a", "ab+c", "ab/c", "a b", "YQ===", "Y=Q", "é", "abcde"])
def test_b64url_rejects_bad_input(bad: str) -> None:
    with pytest.raises(InputError):
        b64url_decode(bad)
