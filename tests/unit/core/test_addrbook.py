"""The address book: bounded, aged, authorized peers only, and a state file read as untrusted."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.peers.addrbook import (
    MAX_ADDRESSES_PER_PEER,
    MAX_AGE,
    TOUCH_GRANULARITY,
    AddressBook,
    StateFileError,
    rememberable,
)

A = "12D3KooWQp6LkbqEc6ZHBzJ6jfzKZbDVj4xDRrJjYUZpKkPzYHAh"
B = "12D3KooWGzC6DvGq5y1g4jLzv3ZnbHBWNzYi6cBJ8fGkTnyPkxMm"
LAN = "/ip4/192.168.1.5/tcp/24001"


def test_rememberable_keeps_direct_ip_addresses_only() -> None:
    assert rememberable(LAN) == LAN
    assert rememberable(f"{LAN}/p2p/{A}") == LAN
    assert rememberable("/ip6/fd00::2/tcp/24001") == "/ip6/fd00::2/tcp/24001"
    assert (
        rememberable("/ip4/192.168.1.5/udp/24001/quic-v1") == "/ip4/192.168.1.5/udp/24001/quic-v1"
    )
    for bad in (
        f"/ip4/203.0.113.10/tcp/7777/p2p/{A}/p2p-circuit",
        "/ip4/0.0.0.0/tcp/24001",
        "/ip6/::/tcp/24001",
        "/ip4/192.168.1.5/tcp/0",
        "/dns4/example.org/tcp/24001",
        "/ip4/999.1.1.1/tcp/1",
        "not an address",
        "",
    ):
        assert rememberable(bad) is None, bad


def test_most_recent_first_and_dialed_is_not_downgraded() -> None:
    book = AddressBook()
    assert book.remember(A, [LAN], source="dialed", now=1000.0)
    assert book.remember(A, ["/ip4/10.0.0.2/tcp/24001"], source="announced", now=2000.0)
    assert book.addresses(A, now=2000.0) == ["/ip4/10.0.0.2/tcp/24001", LAN]
    # Seen again later, announced this time: newest again, still counted as dialed.
    assert book.remember(A, [LAN], source="announced", now=2000.0 + TOUCH_GRANULARITY)
    first = book.entries(A, now=3000.0 + TOUCH_GRANULARITY)[0]
    assert (first.address, first.source) == (LAN, "dialed")


def test_seen_again_soon_writes_nothing() -> None:
    book = AddressBook()
    assert book.remember(A, [LAN], source="dialed", now=1000.0)
    assert not book.remember(A, [LAN], source="dialed", now=1000.0 + TOUCH_GRANULARITY / 2)
    assert not book.remember(A, ["/ip4/0.0.0.0/tcp/1"], source="dialed", now=1000.0)


def test_bounded_per_peer_keeping_the_newest() -> None:
    book = AddressBook()
    for i in range(MAX_ADDRESSES_PER_PEER + 5):
        book.remember(A, [f"/ip4/10.0.0.{i + 1}/tcp/24001"], source="dialed", now=float(i))
    kept = book.addresses(A, now=100.0)
    assert len(kept) == MAX_ADDRESSES_PER_PEER
    assert kept[0] == f"/ip4/10.0.0.{MAX_ADDRESSES_PER_PEER + 5}/tcp/24001"


def test_aged_out_and_only_authorized_peers_are_kept() -> None:
    book = AddressBook()
    book.remember(A, [LAN], source="dialed", now=0.0)
    book.remember(B, [LAN], source="dialed", now=MAX_AGE)
    assert book.addresses(A, now=MAX_AGE + 1) == []  # too old to try
    assert book.prune(MAX_AGE + 1)
    assert book.peers() == [B]
    assert book.retain([A])  # B is no longer authorized
    assert book.peers() == []


def test_round_trip_through_the_state_file() -> None:
    book = AddressBook()
    book.remember(A, [LAN, "/ip6/fd00::2/tcp/24001"], source="dialed", now=1234.5)
    book.remember(B, ["/ip4/10.1.2.3/tcp/4001"], source="announced", now=99.0)
    again = AddressBook.from_json(book.to_json())
    assert again.entries(A, now=2000.0) == book.entries(A, now=2000.0)
    assert again.entries(B, now=2000.0) == book.entries(B, now=2000.0)
    assert AddressBook.from_json(AddressBook().to_json()).peers() == []


@pytest.mark.parametrize(
    "doc",
    [
        b"",
        b"[]",
        b'{"version": 2, "peers": {}}',
        b'{"version": 1, "peers": []}',
        json.dumps({"version": 1, "peers": {"nope": []}}).encode(),
        json.dumps({"version": 1, "peers": {A: [[LAN, 1.0]]}}).encode(),
        json.dumps({"version": 1, "peers": {A: [[LAN, "x", "dialed"]]}}).encode(),
        json.dumps({"version": 1, "peers": {A: [[LAN, 1.0, "gossip"]]}}).encode(),
        json.dumps({"version": 1, "peers": {A: [["/ip4/0.0.0.0/tcp/1", 1.0, "dialed"]]}}).encode(),
        json.dumps({"version": 1, "peers": {A: [[LAN, 1.0, "dialed"]] * 9}}).encode(),
        b'{"version": 1, "peers": {"'
        + A.encode()
        + b'": [["'
        + LAN.encode()
        + b'", NaN, "dialed"]]}}',
        b"\xff\xfe",
    ],
)
def test_a_bad_state_file_is_refused_with_a_reason(doc: bytes) -> None:
    with pytest.raises(StateFileError):
        AddressBook.from_json(doc)


@given(st.binary(max_size=512))
def test_any_bytes_parse_or_fail_cleanly(data: bytes) -> None:
    with contextlib.suppress(StateFileError):
        AddressBook.from_json(data)


_octet = st.integers(min_value=1, max_value=254)
_address = st.builds(
    lambda a, b, port: f"/ip4/10.{a}.{b}.1/tcp/{port}",
    _octet,
    _octet,
    st.integers(min_value=1, max_value=65535),
)


@given(
    st.lists(
        st.tuples(
            st.sampled_from([A, B]),
            st.lists(_address, max_size=4),
            st.sampled_from(["dialed", "announced"]),
            st.floats(min_value=0, max_value=1e9),
        ),
        max_size=30,
    )
)
def test_any_history_stays_bounded_and_round_trips(
    history: list[tuple[str, list[str], str, float]],
) -> None:
    book = AddressBook()
    for peer, addresses, source, now in history:
        book.remember(peer, addresses, source=source, now=now)  # type: ignore[arg-type]
    for peer in book.peers():
        entries = book.entries(peer, now=0.0)
        assert len(entries) <= MAX_ADDRESSES_PER_PEER
        assert len({e.address for e in entries}) == len(entries)
    again = AddressBook.from_json(book.to_json())
    assert sorted(again.peers()) == sorted(book.peers())
