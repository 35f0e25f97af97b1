"""Tests for app.core.wire.refusal: the record a service sends instead of its bytes to refuse."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.core.wire.refusal import (
    MAX_REFUSAL,
    REFUSAL_MAGIC,
    decode_refusal,
    encode_refusal,
    may_be_refusal,
)


def test_round_trip() -> None:
    record = encode_refusal("not-verified", "service 'ssh' admits verified peers only")
    assert decode_refusal(record) == ("not-verified", "service 'ssh' admits verified peers only")
    assert may_be_refusal(record[:3])
    assert len(encode_refusal("x", "y" * 5000)) <= MAX_REFUSAL


def test_real_service_bytes_are_not_refusals() -> None:
    for first in (b"SSH-2.0-OpenSSH_9.6\r\n", b"GET / HTTP/1.1\r\n", b"\x16\x03\x01", b"\x00"):
        assert decode_refusal(first) is None
    assert not may_be_refusal(b"SSH-2.0")
    assert not may_be_refusal(b"")


@given(st.binary(max_size=2000))
def test_any_bytes_decode_safely(data: bytes) -> None:
    result = decode_refusal(data)
    if result is not None:
        assert data.startswith(REFUSAL_MAGIC)
    decode_refusal(REFUSAL_MAGIC + data)


@given(st.from_regex(r"[a-z][a-z-]{0,20}", fullmatch=True), st.text(max_size=300))
def test_encode_decode_property(code: str, message: str) -> None:
    decoded = decode_refusal(encode_refusal(code, message))
    assert decoded is not None
    assert decoded[0] == code
