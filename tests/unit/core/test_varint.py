"""app.core.wire.varint: spec vectors, round trips, refusal of cut-off, padded and long numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import PeerupError
from app.core.wire.varint import MAX_UVARINT_BYTES, UvarintProblem, encode_uvarint, read_uvarint

MAX_VALUE = (1 << 63) - 1
values = st.integers(min_value=0, max_value=MAX_VALUE)


class _Refused(PeerupError):
    def __init__(self, problem: UvarintProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _read(data: bytes, pos: int = 0, max_bytes: int = MAX_UVARINT_BYTES) -> tuple[int, int]:
    return read_uvarint(data, pos, error=_Refused, max_bytes=max_bytes)


def _problem(data: bytes, pos: int = 0, max_bytes: int = MAX_UVARINT_BYTES) -> UvarintProblem:
    with pytest.raises(_Refused) as info:
        _read(data, pos, max_bytes)
    return info.value.problem


# The examples of github.com/multiformats/unsigned-varint's README, plus the 9-byte maximum.
@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (1, "01"),
        (127, "7f"),
        (128, "8001"),
        (255, "ff01"),
        (300, "ac02"),
        (16384, "808001"),
        (MAX_VALUE, "ffffffffffffffff7f"),
    ],
)
def test_spec_vectors(value: int, encoded: str) -> None:
    assert encode_uvarint(value) == bytes.fromhex(encoded)
    assert _read(bytes.fromhex(encoded)) == (value, len(encoded) // 2)


@given(values, st.binary(max_size=4), st.binary(max_size=4))
def test_round_trip_anywhere_in_the_data(value: int, before: bytes, after: bytes) -> None:
    encoded = encode_uvarint(value)
    assert len(encoded) == max(1, -(-value.bit_length() // 7))
    assert _read(before + encoded + after, len(before)) == (value, len(before) + len(encoded))


@given(values)
def test_every_cut_is_truncated(value: int) -> None:
    encoded = encode_uvarint(value)
    for end in range(len(encoded)):
        assert _problem(encoded[:end]) is UvarintProblem.TRUNCATED


@given(values, st.integers(min_value=1, max_value=MAX_UVARINT_BYTES))
def test_padding_is_refused(value: int, padding: int) -> None:
    encoded = encode_uvarint(value)
    padded = encoded[:-1] + bytes([encoded[-1] | 0x80]) + b"\x80" * (padding - 1) + b"\x00"
    expected = (
        UvarintProblem.NON_MINIMAL if len(padded) <= MAX_UVARINT_BYTES else UvarintProblem.OVERLONG
    )
    assert _problem(padded) is expected


@given(values, st.integers(min_value=1, max_value=MAX_UVARINT_BYTES))
def test_max_bytes_bounds_the_length(value: int, max_bytes: int) -> None:
    encoded = encode_uvarint(value)
    if len(encoded) <= max_bytes:
        assert _read(encoded, max_bytes=max_bytes) == (value, len(encoded))
    else:
        assert _problem(encoded, max_bytes=max_bytes) is UvarintProblem.OVERLONG


@given(st.binary(max_size=12), st.integers(min_value=1, max_value=MAX_UVARINT_BYTES))
def test_any_bytes_read_as_the_shortest_encoding_or_refused(data: bytes, max_bytes: int) -> None:
    try:
        value, end = _read(data, max_bytes=max_bytes)
    except _Refused:
        return
    assert encode_uvarint(value) == data[:end]
    assert end <= max_bytes


def test_ten_bytes_are_overlong() -> None:
    assert _problem(b"\xff" * 9 + b"\x01") is UvarintProblem.OVERLONG
    assert _problem(b"\x80" * 9) is UvarintProblem.OVERLONG


@pytest.mark.parametrize("value", [-1, 1 << 63])
def test_encoder_refuses_out_of_range(value: int) -> None:
    with pytest.raises(ValueError, match="does not fit"):
        encode_uvarint(value)


@pytest.mark.parametrize("max_bytes", [0, MAX_UVARINT_BYTES + 1])
def test_reader_refuses_bad_bound(max_bytes: int) -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        _read(b"\x01", max_bytes=max_bytes)
