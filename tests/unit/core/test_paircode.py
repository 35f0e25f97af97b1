"""Pairing codes: ours (any relay multiaddr) and the Go peer-up's, with precise errors."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.codes.codetext import CodeKind, decode_text, encode_text
from app.core.codes.paircode import (
    decode_multiaddr,
    decode_pairing_body,
    encode_multiaddr,
    encode_pairing,
    encode_reference_pairing,
    parse_pairing_code,
)
from app.core.errors import InvalidCodeError

RELAY = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
OTHER = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA"
VECTOR = (
    "AIAA-CAQD-AQCQ-MBYI-BEFA-WDAN-BYH4-WADR-GIPG-CJQA-EQEA-CERA-TJDB-ABZL-BLQ4-PP6A-"
    "UN64-6AF7-7THS-KGRL-B6ZG-XGHG-RUBM-E6RZ-XVLQ-A"
)

_ip4 = st.ip_addresses(v=4).map(lambda a: f"/ip4/{a}")
_ip6 = st.ip_addresses(v=6).map(lambda a: f"/ip6/{a}")
_dns = st.from_regex(r"[a-z]([a-z0-9-]{0,18}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True).flatmap(
    lambda h: st.sampled_from([f"/dns/{h}", f"/dns4/{h}", f"/dns6/{h}"])
)
_port = st.integers(1, 65535)
_transport = _port.flatmap(
    lambda p: st.sampled_from(
        [f"/tcp/{p}", f"/udp/{p}/quic-v1", f"/tcp/{p}/ws", f"/tcp/{p}/wss", f"/udp/{p}/quic"]
    )
)
_address = st.tuples(st.one_of(_ip4, _ip6, _dns), _transport).map("".join)
_namespace = st.one_of(
    st.none(), st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
)


def test_reference_vector_decodes() -> None:
    code = parse_pairing_code(VECTOR)
    assert code.kind is CodeKind.REFERENCE_PAIRING
    assert code.token == bytes(range(16))
    assert code.relay_addresses == (f"/ip4/203.0.113.50/tcp/7777/p2p/{RELAY}",)
    assert code.namespace is None
    assert code.expires_at is None
    assert encode_reference_pairing(code.token, code.relay_addresses[0], None) == VECTOR


@given(
    st.binary(min_size=16, max_size=16),
    st.lists(_address, min_size=1, max_size=4),
    _namespace,
    st.integers(0, 2**32 - 1),
)
def test_round_trip(token: bytes, bases: list[str], namespace: str | None, expires: int) -> None:
    addresses = [f"{b}/p2p/{RELAY}" for b in bases]
    text = encode_pairing(token, addresses, namespace, expires)
    code = parse_pairing_code(text)
    assert code.kind is CodeKind.PAIRING
    assert code.token == token
    assert str(code.relay_peer_id) == RELAY
    assert list(code.relay_addresses) == addresses
    assert code.namespace == (namespace or None)
    assert code.expires_at == (expires or None)
    assert parse_pairing_code("peerup://join/" + text.lower()) == code


@given(_address)
def test_multiaddr_round_trip(address: str) -> None:
    decoded = decode_multiaddr(encode_multiaddr(address))
    assert encode_multiaddr(decoded) == encode_multiaddr(address)


@given(st.binary(max_size=200))
def test_any_body_decodes_or_fails_cleanly(data: bytes) -> None:
    for kind in (CodeKind.PAIRING, CodeKind.REFERENCE_PAIRING):
        with contextlib.suppress(InvalidCodeError):
            decode_pairing_body(kind, bytes([kind]) + data)


@given(st.binary(max_size=120))
def test_any_multiaddr_bytes_decode_or_fail_cleanly(data: bytes) -> None:
    with contextlib.suppress(InvalidCodeError):
        decode_multiaddr(data)


def _body(text: str) -> bytes:
    return decode_text(text)[1]


GOOD = encode_pairing(bytes(16), [f"/ip4/1.2.3.4/tcp/7777/p2p/{RELAY}"], "crew", 100)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b[:10], "cut off (in the token)"),
        (lambda b: b + b"\x00", "1 unexpected bytes at its end"),
        (lambda b: b[:21] + b"\x05" + b[22:], "relay peer ID"),
        (lambda b: b[:-10] + b"\x00" + b[-9:], "lists 0 relay addresses"),
        (lambda b: b[:-10] + b"\x09" + b[-9:], "lists 9 relay addresses"),
    ],
)
def test_precise_errors(mutate, message: str) -> None:
    body = mutate(_body(GOOD))
    with pytest.raises(InvalidCodeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_pairing_code(encode_text(body))


def test_reference_code_errors() -> None:
    raw = _body(VECTOR)
    with pytest.raises(InvalidCodeError, match="too short"):
        decode_pairing_body(CodeKind.REFERENCE_PAIRING, raw[:20])
    with pytest.raises(InvalidCodeError, match="2 unexpected bytes"):
        decode_pairing_body(CodeKind.REFERENCE_PAIRING, raw + b"\x00\x00")


@pytest.mark.parametrize(
    ("addresses", "message"),
    [
        ([], "1 to 4"),
        ([f"/ip4/1.2.3.4/tcp/1/p2p/{RELAY}"] * 5, "1 to 4"),
        (["/ip4/1.2.3.4/tcp/1"], "no /p2p/"),
        ([f"/ip4/1.2.3.4/tcp/1/p2p/{RELAY}", f"/ip4/1.2.3.5/tcp/1/p2p/{OTHER}"], "same relay"),
        ([f"/tcp/1/p2p/{RELAY}"], "must start with"),
        ([f"/ip4/1.2.3.4/sctp/1/p2p/{RELAY}"], "unknown protocol"),
        ([f"/ip4/1.2.3.400/tcp/1/p2p/{RELAY}"], "is not an IPv4 address"),
        ([f"/ip4/1.2.3.4/tcp/99999/p2p/{RELAY}"], "is not 0-65535"),
    ],
)
def test_encode_errors(addresses: list[str], message: str) -> None:
    with pytest.raises(InvalidCodeError, match=message):
        encode_pairing(bytes(16), addresses, None, 0)


def test_reference_format_takes_only_ipv4_tcp() -> None:
    with pytest.raises(InvalidCodeError, match="only /ip4/"):
        encode_reference_pairing(bytes(16), f"/ip6/::1/tcp/1/p2p/{RELAY}", None)


def test_invite_code_is_not_a_pairing_code() -> None:
    with pytest.raises(InvalidCodeError, match="not a relay pairing code"):
        parse_pairing_code(encode_text(b"\x03" + bytes(40)))
