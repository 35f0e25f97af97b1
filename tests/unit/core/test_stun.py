"""STUN codec: RFC 5389 vectors, every rejection reason, and properties over untrusted bytes."""

from __future__ import annotations

import contextlib
import ipaddress
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import LocalProtocolError, RemoteProtocolError, StunError
from app.core.reach import stun

TID = bytes.fromhex("b7e7a701bc34d686fa87dfae")
COOKIE = struct.pack("!I", stun.MAGIC_COOKIE)


def _reason(data: bytes, tid: bytes = TID) -> str:
    with pytest.raises(StunError) as info:
        stun.parse_binding_response(data, tid)
    return info.value.reason


def _attr(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value + b"\x00" * (-len(value) % 4)


def _message(kind: int, body: bytes, tid: bytes = TID, cookie: bytes = COOKIE) -> bytes:
    return struct.pack("!HH", kind, len(body)) + cookie + tid + body


# RFC 5769 §2.2: a sample IPv4 response (its MESSAGE-INTEGRITY and FINGERPRINT are skipped).
RFC5769_IPV4_RESPONSE = bytes.fromhex(
    "0101003c2112a442b7e7a701bc34d686fa87dfae"
    "8022000b7465737420766563746f7220"
    "002000080001a147e112a643"
    "00080014" + "2b91f599fd9e90c38c7489f92af9ba53f06be7d7"
    "80280004c07d4c96"
)
# RFC 5769 §2.3: the IPv6 response.
RFC5769_IPV6_RESPONSE = bytes.fromhex(
    "010100482112a442b7e7a701bc34d686fa87dfae"
    "8022000b7465737420766563746f7220"
    "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
    "00080014" + "a382954e4be67bf11784c97c8292c275bfe3ed41"
    "80280004c8fb0b4c"
)


def test_binding_request_is_the_rfc_header() -> None:
    assert stun.encode_binding_request(TID) == b"\x00\x01\x00\x00" + COOKIE + TID


@pytest.mark.parametrize("tid", [b"", b"x" * 11, b"x" * 13])
def test_transaction_id_must_be_12_bytes(tid: bytes) -> None:
    with pytest.raises(LocalProtocolError):
        stun.encode_binding_request(tid)
    with pytest.raises(LocalProtocolError):
        stun.parse_binding_response(stun.encode_binding_request(TID), tid)


def test_rfc5769_ipv4_vector() -> None:
    assert stun.parse_binding_response(RFC5769_IPV4_RESPONSE, TID) == ("192.0.2.1", 32853)


def test_rfc5769_ipv6_vector() -> None:
    assert stun.parse_binding_response(RFC5769_IPV6_RESPONSE, TID) == (
        "2001:db8:1234:5678:11:2233:4455:6677",
        32853,
    )


def test_xor_mapped_address_wins_over_mapped_address() -> None:
    body = _attr(stun.ATTR_MAPPED_ADDRESS, stun.mapped_address_value("10.0.0.1", 1111))
    body += _attr(
        stun.ATTR_XOR_MAPPED_ADDRESS, stun.xor_mapped_address_value("198.51.100.7", 2222, TID)
    )
    assert stun.parse_binding_response(_message(0x0101, body), TID) == ("198.51.100.7", 2222)


def test_mapped_address_is_the_fallback() -> None:
    body = _attr(0x8022, b"old server") + _attr(
        stun.ATTR_MAPPED_ADDRESS, stun.mapped_address_value("203.0.113.9", 40000)
    )
    assert stun.parse_binding_response(_message(0x0101, body), TID) == ("203.0.113.9", 40000)


def test_first_xor_mapped_address_counts() -> None:
    first = stun.xor_mapped_address_value("203.0.113.1", 1, TID)
    second = stun.xor_mapped_address_value("203.0.113.2", 2, TID)
    body = _attr(0x0020, first) + _attr(0x0020, second)
    assert stun.parse_binding_response(_message(0x0101, body), TID) == ("203.0.113.1", 1)


def test_unknown_attributes_are_skipped() -> None:
    # RFC 3489 servers (Debian's stund) send SOURCE-ADDRESS and CHANGED-ADDRESS.
    body = _attr(0x0004, stun.mapped_address_value("127.0.0.1", 3478))
    body += _attr(0x7FFF, b"\x01\x02\x03")  # odd length: padding must be honoured
    body += _attr(0x0020, stun.xor_mapped_address_value("127.0.0.1", 5000, TID))
    assert stun.parse_binding_response(_message(0x0101, body), TID) == ("127.0.0.1", 5000)


def test_server_encoder_roundtrip_with_legacy_and_software() -> None:
    data = stun.encode_binding_success(TID, "::1", 9, legacy_mapped=True, software="tést")
    message = stun.decode_message(data)
    assert [k for k, _ in message.attributes] == [0x0020, 0x0001, 0x8022]
    assert stun.parse_binding_response(data, TID) == ("::1", 9)
    assert stun.parse_binding_request(stun.encode_binding_request(TID)) == TID


_GOOD = stun.encode_binding_success(TID, "192.0.2.1", 4242)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "too-short"),
        (_GOOD[:19], "too-short"),
        (b"\x00" * 65536, "too-long"),
        (b"\xc1\x01" + _GOOD[2:], "not-stun"),
        (_GOOD[:4] + b"\x00\x00\x00\x00" + _GOOD[8:], "bad-cookie"),
        (_GOOD[:2] + b"\x00\x0d" + _GOOD[4:], "bad-length"),  # not a multiple of 4
        (_GOOD[:2] + b"\x00\x10" + _GOOD[4:], "bad-length"),  # disagrees with the datagram
        (_GOOD + b"\x00\x00", "bad-length"),
        (_message(0x0101, b"\x00\x20\x00\x08"), "truncated-attribute"),
        (_message(0x0101, b"\x00\x20\x00\x05" + b"\x00" * 4), "truncated-attribute"),
        (_message(0x0101, b"\x00\x20\x00\x09" + b"\x00" * 8), "truncated-attribute"),
        (_message(0x0101, _attr(0x0020, b"")), "bad-address"),
        (_message(0x0101, _attr(0x0020, b"\x00\x03\x00\x01" + b"\x00" * 4)), "bad-address"),
        (_message(0x0101, _attr(0x0020, b"\x00\x01\x00\x01" + b"\x00" * 16)), "bad-address"),
        (_message(0x0101, _attr(0x0001, b"\x00\x02\x00\x01" + b"\x00" * 4)), "bad-address"),
        (_message(0x0101, _attr(0x8022, b"no address")), "no-mapped-address"),
        (stun.encode_binding_request(TID), "not-binding-response"),
        (_message(0x0111, _attr(0x0009, b"\x00\x00\x04\x00Bad Request")), "error-response"),
        (_message(0x0111, b""), "error-response"),
        (stun.encode_binding_success(b"\x01" * 12, "192.0.2.1", 1), "transaction-mismatch"),
    ],
)
def test_each_malformed_response_has_its_reason(data: bytes, reason: str) -> None:
    assert _reason(data) == reason


def test_error_response_names_the_code() -> None:
    data = _message(0x0111, _attr(0x0009, b"\x00\x00\x04\x14Unknown Attribute"))
    with pytest.raises(StunError, match="420 Unknown Attribute"):
        stun.parse_binding_response(data, TID)


def test_stun_error_is_a_remote_protocol_error() -> None:
    with pytest.raises(RemoteProtocolError) as info:
        stun.decode_message(b"nope")
    assert info.value.code == "stun-error"


def test_request_parser_rejects_responses() -> None:
    with pytest.raises(StunError) as info:
        stun.parse_binding_request(_GOOD)
    assert info.value.reason == "not-binding-request"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("not-an-ip", 1), "not an IP"),
        (("192.0.2.1", 70000), "out of range"),
        (("192.0.2.1", -1), "out of range"),
    ],
)
def test_server_encoder_refuses_bad_arguments(args: tuple[str, int], match: str) -> None:
    with pytest.raises(LocalProtocolError, match=match):
        stun.encode_binding_success(TID, *args)


def test_encode_message_bounds() -> None:
    with pytest.raises(LocalProtocolError):
        stun.encode_message(0x4000, TID)
    with pytest.raises(LocalProtocolError):
        stun.encode_message(1, TID, [(0x10000, b"")])
    with pytest.raises(LocalProtocolError):
        stun.encode_message(1, TID, [(1, b"x" * 40000), (2, b"y" * 40000)])


# ---- properties ----------------------------------------------------------------------------------

ips = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
)
tids = st.binary(min_size=12, max_size=12)
ports = st.integers(0, 65535)


@given(tids, ips, ports, st.booleans())
def test_roundtrip_any_address(tid: bytes, ip: str, port: int, legacy: bool) -> None:
    data = stun.encode_binding_success(tid, ip, port, legacy_mapped=legacy)
    assert len(data) % 4 == 0
    assert stun.parse_binding_response(data, tid) == (str(ipaddress.ip_address(ip)), port)


@given(tids, ips, ports)
def test_legacy_only_roundtrip(tid: bytes, ip: str, port: int) -> None:
    data = stun.encode_message(0x0101, tid, [(0x0001, stun.mapped_address_value(ip, port))])
    assert stun.parse_binding_response(data, tid) == (str(ipaddress.ip_address(ip)), port)


@given(st.binary(max_size=300), tids)
def test_arbitrary_bytes_only_raise_stun_error(data: bytes, tid: bytes) -> None:
    try:
        ip, port = stun.parse_binding_response(data, tid)
    except StunError as exc:
        reason = exc.reason
    else:
        reason = ""
        ipaddress.ip_address(ip)
        assert 0 <= port <= 65535
    assert isinstance(reason, str)


@given(tids, st.binary(max_size=120))
def test_arbitrary_bodies_behind_a_valid_header(tid: bytes, body: bytes) -> None:
    body = body[: len(body) - len(body) % 4]
    data = _message(0x0101, body, tid)
    with contextlib.suppress(StunError):
        stun.parse_binding_response(data, tid)
    with contextlib.suppress(StunError):
        stun.parse_binding_request(data)


@given(tids, ips, ports, st.data())
def test_mutations_of_a_valid_response(tid: bytes, ip: str, port: int, data: st.DataObject) -> None:
    good = bytearray(stun.encode_binding_success(tid, ip, port, software="x"))
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = data.draw(st.integers(0, len(good)))
        if op == "flip" and pos < len(good):
            good[pos] ^= data.draw(st.integers(1, 255))
        elif op == "cut":
            del good[pos:]
        else:
            good[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
    with contextlib.suppress(StunError):
        stun.parse_binding_response(bytes(good), tid)


@given(st.lists(st.tuples(st.integers(0, 0xFFFF), st.binary(max_size=40)), max_size=6), tids)
def test_decode_inverts_encode(attributes: list[tuple[int, bytes]], tid: bytes) -> None:
    data = stun.encode_message(0x0101, tid, attributes)
    message = stun.decode_message(data)
    assert message.transaction_id == tid
    assert list(message.attributes) == attributes
