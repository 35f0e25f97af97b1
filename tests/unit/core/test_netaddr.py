"""Tests for app.core.ids.netaddr: host:port parsing and the multiaddr syntax check."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import InvalidAddressError
from app.core.ids.netaddr import check_multiaddr_syntax, format_host_port, parse_host_port

PEER = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
PEER2 = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2222", ("127.0.0.1", 2222)),
        ("0", ("127.0.0.1", 0)),
        ("127.0.0.1:2222", ("127.0.0.1", 2222)),
        ("localhost:22", ("localhost", 22)),
        ("[::1]:2222", ("::1", 2222)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("example.com:65535", ("example.com", 65535)),
        (" 10.0.0.1:1 ", ("10.0.0.1", 1)),
    ],
)
def test_parse_host_port_good(text: str, expected: tuple[str, int]) -> None:
    assert parse_host_port(text) == expected


def test_default_host() -> None:
    assert parse_host_port("8080", default_host="::1") == ("::1", 8080)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("localhost:99999", "0-65535"),
        ("65536", "0-65535"),
        ("localhost:", "not a number"),
        ("localhost:-1", "not a number"),
        ("localhost:2a", "not a number"),
        ("localhost", "port is missing"),
        (":22", "host is empty"),
        ("::1:22", "brackets"),
        ("[::1]", "ipv6"),
        ("[::1]22", "ipv6"),
        ("[nothex]:22", "not an IPv6"),
        ("1.2.3:22", "not a valid host"),
        ("bad host:22", "not a valid host"),
        ("-x.com:22", "not a valid host"),
        ("x" * 2000, "too long"),
        ("localhost:٣", "not a number"),
    ],
)
def test_parse_host_port_bad(text: str, fragment: str) -> None:
    with pytest.raises(InvalidAddressError, match=fragment):
        parse_host_port(text)


def test_error_message_names_the_input() -> None:
    with pytest.raises(InvalidAddressError) as info:
        parse_host_port("localhost:99999")
    assert "localhost:99999" in info.value.message
    assert "port must be 0-65535" in info.value.message


@pytest.mark.parametrize(
    ("host", "port", "text"),
    [("127.0.0.1", 22, "127.0.0.1:22"), ("::1", 2222, "[::1]:2222"), ("a.b", 0, "a.b:0")],
)
def test_format_host_port(host: str, port: int, text: str) -> None:
    assert format_host_port(host, port) == text
    assert parse_host_port(text) == (host, port)


@settings(max_examples=150)
@given(
    host=st.one_of(
        st.ip_addresses().map(str),
        st.from_regex(r"\A[a-z][a-z0-9-]{0,10}[a-z0-9](\.[a-z]{2,5})?\Z"),
    ),
    port=st.integers(0, 65535),
)
def test_host_port_round_trip(host: str, port: int) -> None:
    assert parse_host_port(format_host_port(host, port)) == (host, port)


@settings(max_examples=500)
@given(text=st.text(max_size=60))
def test_parse_host_port_only_raises_invalid_address(text: str) -> None:
    try:
        host, port = parse_host_port(text)
    except InvalidAddressError:
        return
    assert 0 <= port <= 65535
    assert host


@pytest.mark.parametrize(
    "addr",
    [
        "/ip4/0.0.0.0/tcp/0",
        "/ip6/::/tcp/0",
        "/ip4/1.2.3.4/udp/4001/quic-v1",
        "/ip4/1.2.3.4/udp/4001/quic",
        "/dns4/relay.example.com/tcp/443/wss",
        "/dns/example.com/tcp/80/ws",
        "/dns6/example.com/tcp/80",
        f"/ip4/1.2.3.4/tcp/7777/p2p/{PEER}",
        f"/ip4/1.2.3.4/tcp/7777/p2p/{PEER}/p2p-circuit/p2p/{PEER2}",
        f"/p2p/{PEER}",
        " /ip4/127.0.0.1/tcp/1 ",
    ],
)
def test_multiaddr_good(addr: str) -> None:
    assert check_multiaddr_syntax(addr) == addr.strip()


@pytest.mark.parametrize(
    ("addr", "fragment"),
    [
        ("", "empty"),
        ("ip4/1.2.3.4", "start with"),
        ("/", "no protocols"),
        ("/ip4", "needs a value"),
        ("/ip4/1.2.3.4/tcp", "needs a value"),
        ("/ip4/1.2.3/tcp/1", "not an IPv4"),
        ("/ip4/::1/tcp/1", "not an IPv4"),
        ("/ip6/1.2.3.4/tcp/1", "not an IPv6"),
        ("/ip4/1.2.3.4/tcp/70000", "0-65535"),
        ("/ip4/1.2.3.4/tcp/x", "0-65535"),
        ("/ip4/1.2.3.4//tcp/1", "empty part"),
        ("/ip4/1.2.3.4/sctp/1", "unknown protocol"),
        ("/ip4/1.2.3.4/tcp/1/p2p/not0peer", "not base58"),
        ("/dns4/bad name/tcp/1", "DNS name"),
        ("/" + "ip4/1.2.3.4/" * 200, "too long"),
    ],
)
def test_multiaddr_bad(addr: str, fragment: str) -> None:
    with pytest.raises(InvalidAddressError, match=fragment):
        check_multiaddr_syntax(addr)


_MA_PARTS = ("ip4", "ip6", "tcp", "udp", "p2p", "quic-v1", "1.2.3.4", "::1", "80", PEER, "x", "")


@settings(max_examples=500)
@given(
    text=st.one_of(
        st.text(max_size=80),
        st.lists(
            st.sampled_from(_MA_PARTS),
            max_size=8,
        ).map(lambda parts: "/" + "/".join(parts)),
    )
)
def test_multiaddr_only_raises_invalid_address(text: str) -> None:
    try:
        out = check_multiaddr_syntax(text)
    except InvalidAddressError:
        return
    assert out.startswith("/")
