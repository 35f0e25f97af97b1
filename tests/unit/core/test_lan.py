"""LAN addresses: what a node tells its peers, and which of a peer's it dials."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import RemoteProtocolError
from app.core.reach.interfaces import InterfaceAddress, InterfaceSummary
from app.core.reach.lan import (
    MAX_LAN_ADDRESSES,
    announced_subnets,
    lan_address,
    lan_addresses,
    lan_dial_candidates,
    on_subnets,
    parse_lan_address,
)

HOME = InterfaceSummary.of(
    [
        InterfaceAddress("lo", "127.0.0.1", True, 8),
        InterfaceAddress("wlan0", "192.168.1.20", False, 24),
        InterfaceAddress("wlan0", "fd12:3456:789a:1::20", False, 64),
        InterfaceAddress("wlan0", "fe80::1", False, 64),
        InterfaceAddress("tailscale0", "100.101.102.103", False, 32),
        InterfaceAddress("eth1", "203.0.113.9", False, 24),
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        "/ip4/192.168.1.5/tcp/4001",
        "/ip4/10.0.0.1/tcp/1",
        "/ip4/172.31.255.254/tcp/65535",
        "/ip6/fd00::1/tcp/4001",
    ],
)
def test_parses_private_tcp_addresses(text: str) -> None:
    ip, port = parse_lan_address(text)
    assert lan_address(str(ip), port) == text


@pytest.mark.parametrize(
    "text",
    [
        "/ip4/203.0.113.5/tcp/4001",  # public: identify carries those
        "/ip4/127.0.0.1/tcp/4001",
        "/ip4/169.254.1.1/tcp/4001",
        "/ip4/100.64.0.1/tcp/4001",  # CGNAT or an overlay
        "/ip4/172.32.0.1/tcp/4001",  # just outside 172.16/12
        "/ip6/fe80::1/tcp/4001",
        "/ip6/2001:db8::1/tcp/4001",
        "/ip6/192.168.1.5/tcp/4001",  # family and address disagree
        "/ip4/fd00::1/tcp/4001",
        "/ip4/192.168.1.5/udp/4001",
        "/ip4/192.168.1.5/tcp/0",
        "/ip4/192.168.1.5/tcp/65536",
        "/ip4/192.168.1.5/tcp/４００１",  # non-ASCII digits
        "/ip4/192.168.1.5/tcp/4001/p2p/x",
        "ip4/192.168.1.5/tcp/4001",
        "",
    ],
)
def test_rejects_everything_else(text: str) -> None:
    with pytest.raises(RemoteProtocolError):
        parse_lan_address(text)


def test_lan_addresses_cover_private_interfaces_only() -> None:
    assert lan_addresses(HOME, [("0.0.0.0", 4001), ("::", 4002)]) == (
        "/ip4/192.168.1.20/tcp/4001",
        "/ip6/fd12:3456:789a:1::20/tcp/4002",
    )
    assert lan_addresses(HOME, [("192.168.1.20", 4001), ("10.9.9.9", 4003)]) == (
        "/ip4/192.168.1.20/tcp/4001",
    )
    assert lan_addresses(HOME, []) == ()


def test_lan_addresses_are_bounded() -> None:
    many = InterfaceSummary.of(
        InterfaceAddress("eth0", f"10.0.0.{i}", False, 24) for i in range(1, 40)
    )
    found = lan_addresses(many, [("0.0.0.0", 4001)])
    assert len(found) == MAX_LAN_ADDRESSES
    for text in found:
        parse_lan_address(text)


def test_candidates_are_on_one_of_our_subnets() -> None:
    peer = (
        "/ip4/192.168.1.30/tcp/4001",  # same /24: dial
        "/ip4/192.168.2.30/tcp/4001",  # another network that looks alike
        "/ip4/192.168.1.20/tcp/4001",  # that is us
        "/ip6/fd12:3456:789a:1::30/tcp/4001",  # same /64
        "/ip6/fd12:3456:789a:2::30/tcp/4001",
        "/ip4/203.0.113.10/tcp/4001",  # not a LAN address: ignored
        "/ip4/192.168.1.30/tcp/4001",  # repeated
        "garbage",
    )
    assert lan_dial_candidates(peer, HOME) == [
        "/ip4/192.168.1.30/tcp/4001",
        "/ip6/fd12:3456:789a:1::30/tcp/4001",
    ]


def test_no_candidates_without_a_known_prefix() -> None:
    unknown = InterfaceSummary.of([InterfaceAddress("eth0", "192.168.1.20", False, None)])
    assert lan_dial_candidates(("/ip4/192.168.1.30/tcp/4001",), unknown) == []


_private_v4 = st.one_of(
    st.integers(
        int(ipaddress.IPv4Address("10.0.0.0")), int(ipaddress.IPv4Address("10.255.255.255"))
    ),
    st.integers(
        int(ipaddress.IPv4Address("172.16.0.0")), int(ipaddress.IPv4Address("172.31.255.255"))
    ),
    st.integers(
        int(ipaddress.IPv4Address("192.168.0.0")), int(ipaddress.IPv4Address("192.168.255.255"))
    ),
).map(lambda n: str(ipaddress.IPv4Address(n)))


@given(_private_v4, st.integers(1, 65535))
def test_round_trip(ip: str, port: int) -> None:
    parsed_ip, parsed_port = parse_lan_address(lan_address(ip, port))
    assert (str(parsed_ip), parsed_port) == (ip, port)


@given(_private_v4, _private_v4, st.integers(8, 30))
def test_candidate_exactly_when_on_our_subnet(ours: str, theirs: str, prefix: int) -> None:
    summary = InterfaceSummary.of([InterfaceAddress("eth0", ours, False, prefix)])
    network = ipaddress.ip_interface(f"{ours}/{prefix}").network
    expected = ipaddress.IPv4Address(theirs) in network and theirs != ours
    address = lan_address(theirs, 4001)
    assert (lan_dial_candidates((address,), summary) == [address]) == expected


@given(st.lists(st.text(max_size=60), max_size=40))
def test_candidates_never_crash(texts: list[str]) -> None:
    for text in lan_dial_candidates(texts, HOME):
        parse_lan_address(text)


def test_a_short_code_announced_on_a_lan_is_for_that_lan_only() -> None:
    ours = InterfaceSummary.of(
        [
            InterfaceAddress("lo", "127.0.0.1", True, 8),
            InterfaceAddress("eth0", "192.168.1.5", False, 24),
            InterfaceAddress("eth0", "fd00::5", False, 64),
            InterfaceAddress("wlan0", "10.0.0.7", False, None),
        ]
    )
    subnets = announced_subnets(["192.168.1.5", "fd00::5", "10.0.0.7", "junk"], ours)
    assert [str(n) for n in subnets] == ["192.168.1.0/24", "fd00::/64", "10.0.0.7/32"]
    assert on_subnets("192.168.1.77", subnets)
    assert on_subnets("::ffff:192.168.1.77", subnets)  # an IPv4-mapped source
    assert on_subnets("fd00::99", subnets)
    assert on_subnets("10.0.0.7", subnets)
    # Another LAN, the internet, our loopback (not announced), or no address at all: not ours.
    for source in ("192.168.2.1", "10.0.0.8", "203.0.113.9", "127.0.0.1", "fd01::1", "", None):
        assert not on_subnets(source, subnets), source
    assert [str(n) for n in announced_subnets(["127.0.0.1"], ours)] == ["127.0.0.0/8"]
