"""The reachability announcement codec: round trip, and no input crashes it."""

from __future__ import annotations

import contextlib
import dataclasses

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import RemoteProtocolError
from app.core.reach.gradewire import MAX_MESSAGE, decode_grade, encode_grade
from app.core.status import Grade, NatMapping, Reachability

SAMPLE = Reachability(
    grade=Grade.B,
    reason_code="endpoint-independent",
    reason="Hole-punchable NAT",
    hint="",
    nat_mapping=NatMapping.ENDPOINT_INDEPENDENT,
    udp_blocked=False,
    cgnat=False,
    public_addresses=("203.0.113.7:4001",),
    probed_at=1795630000.0,
)


def test_round_trip() -> None:
    assert decode_grade(encode_grade(SAMPLE)) == SAMPLE
    lan = dataclasses.replace(SAMPLE, lan_addresses=("/ip4/192.168.1.5/tcp/4001",))
    assert decode_grade(encode_grade(lan)) == lan


def test_message_of_an_older_peer_has_no_lan_addresses() -> None:
    data = msgspec.json.decode(encode_grade(SAMPLE))
    del data["lan_addresses"]
    assert decode_grade(msgspec.json.encode(data)).lan_addresses == ()


@pytest.mark.parametrize(
    "lan",
    [
        ("/ip4/203.0.113.5/tcp/4001",),  # a public address is no LAN address
        ("/ip4/192.168.1.5/udp/4001",),
        tuple(f"/ip4/10.0.0.{i}/tcp/4001" for i in range(1, 18)),
    ],
)
def test_rejects_bad_lan_addresses(lan: tuple[str, ...]) -> None:
    with pytest.raises(RemoteProtocolError):
        decode_grade(encode_grade(dataclasses.replace(SAMPLE, lan_addresses=lan)))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"null",
        b"{}",
        b'{"grade": "Z"}',
        encode_grade(SAMPLE).replace(b'"B"', b'"Q"'),
        b"x" * (MAX_MESSAGE + 1),
    ],
)
def test_rejects_bad_messages(data: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        decode_grade(data)


@given(st.binary(max_size=600))
def test_never_crashes_on_bytes(data: bytes) -> None:
    with contextlib.suppress(RemoteProtocolError):
        decode_grade(data)
