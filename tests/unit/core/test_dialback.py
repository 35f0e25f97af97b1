"""The dial-back messages: round trips, address filter, and no input crashes the decoders."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import RemoteProtocolError
from app.core.reach import dialback


def test_round_trips() -> None:
    addrs = ["/ip4/203.0.113.7/tcp/4001", "/ip6/2001:db8::1/tcp/4001"]
    assert dialback.decode_request(dialback.encode_request(addrs)).addrs == addrs
    assert dialback.decode_response(dialback.encode_response(addrs[:1])).reachable == addrs[:1]


@pytest.mark.parametrize(
    ("addr", "target"),
    [
        ("/ip4/203.0.113.7/tcp/4001", ("203.0.113.7", 4001)),
        ("/ip6/2001:db8::1/tcp/80/p2p/x", ("2001:db8::1", 80)),
        ("/ip4/0.0.0.0/tcp/4001", None),
        ("/ip4/203.0.113.7/udp/4001/quic-v1", None),
        ("/ip4/203.0.113.7/tcp/0", None),
        ("/ip4/203.0.113.7/tcp/99999", None),
        ("/dns/example.com/tcp/1", None),
        ("garbage", None),
    ],
)
def test_tcp_target(addr: str, target: tuple[str, int] | None) -> None:
    assert dialback.tcp_target(addr) == target


@pytest.mark.parametrize(
    "data",
    [b"", b"{}", b'{"addrs": 1}', b'{"addrs": [], "x": 1}', b'{"addrs": ["' + b"a" * 300 + b'"]}'],
)
def test_bad_requests(data: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        dialback.decode_request(data)


def test_too_many_addresses() -> None:
    data = b'{"addrs": [' + b",".join([b'"/ip4/1.2.3.4/tcp/1"'] * 9) + b"]}"
    with pytest.raises(RemoteProtocolError):
        dialback.decode_request(data)


@given(st.binary(max_size=400))
def test_decoders_never_crash(data: bytes) -> None:
    for decode in (dialback.decode_request, dialback.decode_response):
        with contextlib.suppress(RemoteProtocolError):
            decode(data)


@given(st.text(max_size=80))
def test_tcp_target_never_crashes(text: str) -> None:
    dialback.tcp_target(text)
