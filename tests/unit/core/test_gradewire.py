"""The reachability announcement codec: round trip, and no input crashes it."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import RemoteProtocolError
from app.core.gradewire import MAX_MESSAGE, decode_grade, encode_grade
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
