"""Tests of core.status.bitstring: encoding, decoding and the GZIP-bomb guard."""

from __future__ import annotations

import base64
import gzip
import random
import zlib

import pytest

from core.encoding import b64url_encode
from core.errors import InputError, StatusListError
from core.status.bitstring import MIN_LIST_SIZE, bit_at, decode_status_list, encode_status_list

# The encodedList of the examples of Bitstring Status List v1.0: 16 KiB, no bit set.
SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_min_list_size_is_16_kib() -> None:
    assert MIN_LIST_SIZE == 131_072 == 16 * 1024 * 8


def test_spec_example_decodes_to_an_empty_16_kib_list() -> None:
    bits = decode_status_list(SPEC_EMPTY_LIST)
    assert bits == bytes(16384)
    assert not bit_at(bits, 94567)  # the index of the spec's example credential
    assert encode_status_list([], MIN_LIST_SIZE).startswith("uH4sI")
    assert decode_status_list(encode_status_list([], MIN_LIST_SIZE)) == bits


def test_bit_order_is_most_significant_bit_first() -> None:
    bits = decode_status_list(encode_status_list([0, 9, 15, 94567], MIN_LIST_SIZE))
    assert bits[0] == 0x80
    assert bits[1] == 0x41
    assert bits[94567 // 8] == 0x80 >> (94567 % 8)
    assert sum(bin(b).count("1") for b in bits) == 4
    assert [i for i in range(16) if bit_at(bits, i)] == [0, 9, 15]
    assert bit_at(bits, 94567) and not bit_at(bits, 94566) and not bit_at(bits, 94568)


def test_encoding_is_deterministic_multibase_base64url() -> None:
    first = encode_status_list({5, 77}, 1024)
    assert first == encode_status_list([77, 5, 5], 1024)
    assert first.startswith("u") and "=" not in first
    assert not set(first[1:]) - set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


def test_random_sets_round_trip() -> None:
    rng = random.Random(20250115)
    for size in (8, 1024, MIN_LIST_SIZE, 4 * MIN_LIST_SIZE):
        chosen = set(rng.sample(range(size), min(size // 2, 500)))
        bits = decode_status_list(encode_status_list(chosen, size))
        assert len(bits) * 8 == size
        assert {i for i in range(size) if bit_at(bits, i)} == chosen


def test_lenient_plain_base64url_and_standard_base64() -> None:
    payload = gzip.compress(b"\x80" + bytes(15))
    assert decode_status_list(b64url_encode(payload))[0] == 0x80
    assert decode_status_list(base64.b64encode(payload).decode())[0] == 0x80
    assert decode_status_list("  u" + b64url_encode(payload) + "\n")[0] == 0x80


def test_gzip_bomb_is_stopped() -> None:
    bomb = gzip.compress(bytes(50 * 1024 * 1024))  # 50 MiB of zeros, ~50 KiB compressed
    encoded = "u" + b64url_encode(bomb)
    with pytest.raises(StatusListError):
        decode_status_list(encoded)
    with pytest.raises(StatusListError):
        decode_status_list(encode_status_list([], 8 * 1024 + 8), max_bytes=1024)
    assert len(decode_status_list(encode_status_list([], 8 * 1024), max_bytes=1024)) == 1024


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "u",
        "u!!!!",
        "u" + b64url_encode(b"not gzip at all"),
        "u" + b64url_encode(zlib.compress(bytes(64))),  # zlib, not GZIP
        "u" + b64url_encode(gzip.compress(bytes(64))[:-6]),  # truncated
        "u" + b64url_encode(gzip.compress(bytes(64)) + b"trailing"),
        "u" + b64url_encode(gzip.compress(b"")),  # empty list
        "z" + b64url_encode(gzip.compress(bytes(64))),
    ],
)
def test_decode_rejects(bad: str) -> None:
    with pytest.raises(StatusListError):
        decode_status_list(bad)


def test_decode_rejects_overlong_input_before_decoding() -> None:
    with pytest.raises(StatusListError):
        decode_status_list("u" + "A" * 10_000, max_bytes=1024)


def test_bit_at_range() -> None:
    bits = bytes(2)
    assert not bit_at(bits, 15)
    for index in (-1, 16, 10**9):
        with pytest.raises(StatusListError):
            bit_at(bits, index)
    with pytest.raises(StatusListError):
        bit_at(bits, True)


@pytest.mark.parametrize(("indexes", "size"), [([], 0), ([], 12), ([], -8), ([8], 8), ([-1], 8)])
def test_encode_rejects_bad_arguments(indexes: list[int], size: int) -> None:
    with pytest.raises(InputError):
        encode_status_list(indexes, size)
