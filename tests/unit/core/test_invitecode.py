"""Invite codes (kind 3) and their binary multiaddrs: round trips and precise rejection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.codes.codetext import CodeKind, decode_text, encode_text
from app.core.codes.invitecode import InviteCode, decode_invite_body, parse_invite_code
from app.core.codes.maddrbin import decode_multiaddr, encode_multiaddr
from app.core.errors import InvalidAddressError, InvalidCodeError
from app.core.ids.peerid import PeerId

INVITER = PeerId.parse("12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL")
RELAY = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA"

ADDRESSES = (
    f"/ip4/203.0.113.5/tcp/7777/p2p/{RELAY}",
    f"/ip6/2001:db8::1/udp/4001/quic-v1/p2p/{RELAY}",
    f"/dns4/relay.example.com/tcp/443/p2p/{RELAY}",
    f"/dns/relay.example.org/udp/443/quic-v1/p2p/{RELAY}",
    "/ip4/192.168.1.4/tcp/4001",
    f"/ip6/fe80::1/tcp/4001/p2p/{INVITER}",
)


def _code(**changes: object) -> InviteCode:
    fields: dict[str, object] = {
        "invite_id": bytes(range(8)),
        "password": bytes(range(10)),
        "expires_at": 1_800_000_000,
        "inviter": INVITER,
        "namespace": "crew",
        "addresses": ADDRESSES,
    }
    fields.update(changes)
    return InviteCode(**fields)  # type: ignore[arg-type]


def test_round_trip_text_and_link() -> None:
    code = _code()
    assert parse_invite_code(code.text()) == code
    assert parse_invite_code(code.link()) == code
    assert parse_invite_code(code.text().lower().replace("-", " ")) == code


def test_relay_and_direct_addresses() -> None:
    code = _code()
    assert code.relay_addresses == ADDRESSES[:4]
    assert code.direct_addresses == ADDRESSES[4:]
    assert code.dial_addresses()[-1] == ADDRESSES[3] + "/p2p-circuit"


def test_create_has_fresh_secrets() -> None:
    a = InviteCode.create(INVITER, addresses=ADDRESSES[:1], expires_at=10)
    b = InviteCode.create(INVITER, addresses=ADDRESSES[:1], expires_at=10)
    assert a.password != b.password
    assert len(a.password) * 8 >= 64
    assert a.namespace == ""


def test_global_namespace_and_one_relay() -> None:
    code = _code(namespace="", addresses=ADDRESSES[:1])
    assert parse_invite_code(code.text()) == code
    assert len(code.text()) < 240  # the Go peer-up's IPv4-only code: 186


def test_every_truncation_is_a_precise_error() -> None:
    body = _code().to_body()
    for end in range(1, len(body)):
        with pytest.raises(InvalidCodeError):
            decode_invite_body(body[:end])


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda b: b[:1] + b"\x02" + b[2:], "newer"),
        (lambda b: b[:1] + b"\x00" + b[2:], "unsupported invite code layout"),
        (lambda b: b + b"\x00", "trailing"),
        (lambda b: b[: 2 + 8 + 10 + 4] + b"\x41" + b[2 + 8 + 10 + 4 + 1 :], "too long"),
    ],
)
def test_malformed_fields(mutate: object, words: str) -> None:
    body = _code().to_body()
    with pytest.raises(InvalidCodeError, match=words):
        decode_invite_body(mutate(body))  # type: ignore[operator]


def test_other_kinds_are_refused() -> None:
    text = encode_text(bytes([CodeKind.PAIRING]) + bytes(30))
    with pytest.raises(InvalidCodeError, match="not an invite code"):
        parse_invite_code(text)


def test_bounds_on_encode() -> None:
    with pytest.raises(InvalidCodeError):
        _code(addresses=()).to_body()
    with pytest.raises(InvalidCodeError):
        _code(addresses=ADDRESSES + ADDRESSES[:1]).to_body()
    with pytest.raises(InvalidCodeError):
        _code(password=b"short").to_body()
    with pytest.raises(InvalidAddressError):
        _code(addresses=("/ip4/1.2.3.4/sctp/5",)).to_body()


@given(st.binary(max_size=400))
def test_random_bodies_only_raise_invalid_code(data: bytes) -> None:
    try:
        code = decode_invite_body(b"\x03\x01" + data)
    except InvalidCodeError:
        return
    assert decode_invite_body(code.to_body()) == code


@given(st.binary(max_size=300))
def test_random_text_round_trip_or_precise_error(data: bytes) -> None:
    text = encode_text(b"\x03" + data)
    try:
        kind, body = decode_text(text)
        assert kind is CodeKind.INVITE
        decode_invite_body(body)
    except InvalidCodeError as exc:
        message = exc.message
        assert message


ip4 = st.ip_addresses(v=4).map(str)
ip6 = st.ip_addresses(v=6).map(str)
port = st.integers(0, 65535)
dns = st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z][a-z0-9]{0,10}){0,3}", fullmatch=True)


@st.composite
def multiaddrs(draw: st.DrawFn) -> str:
    host = draw(
        st.one_of(
            ip4.map(lambda a: f"/ip4/{a}"),
            ip6.map(lambda a: f"/ip6/{a}"),
            dns.map(lambda d: f"/dns4/{d}"),
            dns.map(lambda d: f"/dns/{d}"),
        )
    )
    transport = draw(st.sampled_from(["tcp", "quic-v1"]))
    p = draw(port)
    tail = f"/tcp/{p}" if transport == "tcp" else f"/udp/{p}/quic-v1"
    peer = draw(st.sampled_from(["", f"/p2p/{RELAY}"]))
    return host + tail + peer


@given(multiaddrs())
def test_binary_multiaddr_round_trip(addr: str) -> None:
    assert decode_multiaddr(encode_multiaddr(addr)) == addr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x80", "an address in the code is cut off"),
        (b"\x04\x01\x02\x03\x04\x86", "an address in the code is cut off"),
        (b"\x35\x81", "an address in the code is cut off"),
        (b"\x86\x00", "an address in the code has a malformed number"),
        (b"\x35\x85\x00abcde", "an address in the code has a malformed number"),
        (b"\x80\x80\x80\x80\x01", "an address in the code has a malformed number"),
        (b"\x80\x80\x80\x01", "an address in the code uses unknown protocol 0x200000"),
    ],
)
def test_binary_multiaddr_bad_numbers(data: bytes, message: str) -> None:
    with pytest.raises(InvalidCodeError) as info:
        decode_multiaddr(data)
    assert info.value.message == message


@given(st.binary(max_size=120))
def test_binary_multiaddr_random_bytes(data: bytes) -> None:
    try:
        text = decode_multiaddr(data)
    except InvalidCodeError:
        return
    assert decode_multiaddr(encode_multiaddr(text)) == text


@given(st.lists(multiaddrs(), min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_code_round_trip_any_addresses(addresses: list[str], expires_at: int) -> None:
    code = _code(addresses=tuple(addresses), expires_at=expires_at)
    assert parse_invite_code(code.link()) == code
