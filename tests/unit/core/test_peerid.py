"""Tests for app.core.ids.peerid: reference vectors, round trips, malformed input."""

from __future__ import annotations

import contextlib

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import InvalidPeerIdError
from app.core.ids.peerid import PeerId, is_peer_id

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

VECTORS = {
    "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL": (
        "9a4610072b0ae1c7bfc0a37dcf00bffccf251a2b0fb26b98e68d02c27a39bd57"
    ),
    "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA": (
        "cecc1507dc1ddd7295951c290888f095adb9044d1b73d68d7ea2c6eaa1dda749"
    ),
}
SHA256_ID = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"


@pytest.mark.parametrize(("text", "pub_hex"), VECTORS.items())
def test_reference_vectors(text: str, pub_hex: str) -> None:
    pid = PeerId.parse(text)
    assert str(pid) == text
    assert len(pid.raw) == 38
    assert pid.raw[:6] == bytes.fromhex("002408011220")
    assert pid.ed25519_public_key() == bytes.fromhex(pub_hex)
    assert PeerId.from_ed25519_public_key(bytes.fromhex(pub_hex)) == pid
    assert PeerId.from_bytes(pid.raw) == pid
    assert pid.short() == text[:16] + "..."
    assert is_peer_id(text)


def test_sha256_peer_id() -> None:
    pid = PeerId.parse(SHA256_ID)
    assert str(pid) == SHA256_ID
    assert pid.raw[:2] == b"\x12\x20"
    assert pid.ed25519_public_key() is None


def test_whitespace_is_stripped() -> None:
    text = next(iter(VECTORS))
    assert PeerId.parse(f"  {text}\n") == PeerId.parse(text)


def test_equality_and_hash() -> None:
    a, b = (PeerId.parse(t) for t in VECTORS)
    assert a != b
    assert len({a, b, PeerId.parse(str(a))}) == 2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("12D3KooW0000", "not base58"),
        ("12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVl", "not base58"),
        ("12D3KooWé", "not base58"),
        ("12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCV", "length"),
        ("12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVLL", "length"),
        ("1" * 200, "length"),
        ("abc", "peer ID"),
    ],
)
def test_malformed_text(text: str, fragment: str) -> None:
    with pytest.raises(InvalidPeerIdError, match=fragment):
        PeerId.parse(text)
    assert not is_peer_id(text)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x12",  # header only
        b"\x12\x20" + b"\x00" * 31,  # digest too short
        b"\x12\x20" + b"\x00" * 33,  # trailing byte
        b"\x12\x10" + b"\x00" * 16,  # sha256 of the wrong size
        b"\x13\x20" + b"\x00" * 32,  # unsupported hash code
        b"\x80",  # unterminated varint
        b"\x92\x00\x20" + b"\x00" * 32,  # non-minimal varint for 0x12
        b"\x00\x00",  # empty identity digest
    ],
)
def test_malformed_bytes(raw: bytes) -> None:
    with pytest.raises(InvalidPeerIdError):
        PeerId.from_bytes(raw)


_TRUNCATED = "peer ID is truncated (incomplete multihash header)"
_NON_MINIMAL = "peer ID has a non-minimal varint in its multihash header"
_OVERLONG = "peer ID has an overlong varint in its multihash header"


@pytest.mark.parametrize("cut", [1, 2, 10])
def test_a_cut_or_padded_ed25519_id_says_so(cut: int) -> None:
    good = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
    for text in (good[:-cut], good + good[1 : cut + 1]):
        with pytest.raises(InvalidPeerIdError) as err:
            PeerId.parse(text)
        assert err.value.message.startswith(
            f"peer ID has the wrong length: {len(text)} characters, where a 12D3KooW… peer ID "
            "has 52"
        )
        assert "bytes" not in err.value.message  # no multihash internals
        assert "peerup whoami" in (err.value.hint or "")


@given(st.text(alphabet=_B58, min_size=0, max_size=60))
def test_any_12d3koow_text_of_another_length_is_named_a_length_error(tail: str) -> None:
    text = "12D3KooW" + tail
    if len(text) == 52:
        return
    with pytest.raises(InvalidPeerIdError, match="wrong length"):
        PeerId.parse(text)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x80", _TRUNCATED),
        (b"\x12", _TRUNCATED),
        (b"\x12\xa0", _TRUNCATED),
        (b"\x92\x00\x20" + b"\x00" * 32, _NON_MINIMAL),
        (b"\x12\xa0\x00" + b"\x00" * 32, _NON_MINIMAL),
        (b"\x80" * 10 + b"\x01", _OVERLONG),
        (b"\x80" * 9 + b"\x01", _OVERLONG),  # the spec's limit is 9 bytes (63 bits)
    ],
)
def test_malformed_varint_messages(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidPeerIdError) as info:
        PeerId.from_bytes(raw)
    assert info.value.message == message


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_from_ed25519_public_key_wrong_size(size: int) -> None:
    with pytest.raises(InvalidPeerIdError):
        PeerId.from_ed25519_public_key(b"\x01" * size)


@settings(max_examples=200)
@given(pub=st.binary(min_size=32, max_size=32))
def test_ed25519_round_trip(pub: bytes) -> None:
    pid = PeerId.from_ed25519_public_key(pub)
    text = str(pid)
    assert text.startswith("12D3KooW")
    again = PeerId.parse(text)
    assert again == pid
    assert again.ed25519_public_key() == pub


@settings(max_examples=200)
@given(digest=st.binary(min_size=32, max_size=32))
def test_sha256_round_trip(digest: bytes) -> None:
    pid = PeerId.from_bytes(b"\x12\x20" + digest)
    assert str(pid).startswith("Qm")
    assert PeerId.parse(str(pid)) == pid


@settings(max_examples=500)
@given(text=st.text(max_size=80))
def test_parse_any_text_only_raises_invalid_peer_id(text: str) -> None:
    try:
        pid = PeerId.parse(text)
    except InvalidPeerIdError:
        return
    assert PeerId.parse(str(pid)) == pid


@settings(max_examples=500)
@given(raw=st.binary(max_size=60))
def test_from_bytes_any_bytes_only_raises_invalid_peer_id(raw: bytes) -> None:
    try:
        pid = PeerId.from_bytes(raw)
    except InvalidPeerIdError:
        return
    assert pid.raw == raw
    assert PeerId.parse(str(pid)) == pid


@settings(max_examples=300)
@given(raw=st.binary(min_size=1, max_size=60))
def test_base58_of_any_bytes_only_raises_invalid_peer_id(raw: bytes) -> None:
    text = base58.b58encode(raw).decode()
    with contextlib.suppress(InvalidPeerIdError):
        PeerId.parse(text)
