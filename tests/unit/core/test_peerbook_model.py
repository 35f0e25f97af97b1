"""The pure peer book model judges ``expires=`` at the wall time it is given."""

from __future__ import annotations

from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import format_expires, parse_authorized_keys
from app.core.peers.peerbook import PeerBookModel

A = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
B = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA"
OWN = PeerId.from_ed25519_public_key(b"\x07" * 32)
START = 1_800_000_000.0


def test_the_model_judges_expiry_at_the_time_it_is_given() -> None:
    parsed, _ = parse_authorized_keys(f"{A}  expires={format_expires(START + 10)}\n{B}  # b\n")
    model = PeerBookModel.of(OWN, parsed, ())
    assert model.is_authorized(A, now=START + 9.5)
    assert not model.is_authorized(A, now=START + 10)
    assert model.is_authorized(B, now=START + 1e9)
    assert not model.is_authorized(str(OWN), now=START)
    assert model.next_expiry(START) == START + 10
    assert model.next_expiry(START + 10) is None
    assert model.expired_ids(START + 10) == {A}
    entries = model.auth_entries(now=START + 10)
    assert [(e.peer_id, e.expired, e.expires_at) for e in entries] == [
        (A, True, START + 10),
        (B, False, None),
    ]


def test_an_expired_relay_line_is_no_relay_either() -> None:
    parsed, _ = parse_authorized_keys(
        f"{A}  expires={format_expires(START + 10)}  group=0a0b0c0d  role=relay  # relay\n"
    )
    model = PeerBookModel.of(OWN, parsed, ())
    assert model.is_relay(A, now=START)
    assert not model.is_relay(A, now=START + 10)
    assert not model.is_authorized(A, now=START)  # a relay is no peer, expired or not
    assert model.peer_ids() == []
