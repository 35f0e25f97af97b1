"""Tests for app.core.pairing.verify: the sans-IO commit/reveal SAS of /peerup/verify/1.0.0."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import VerificationError
from app.core.ids.peerid import PeerId
from app.core.pairing.verify import (
    MAX_FRAME,
    Aborted,
    Completed,
    PeerAnswered,
    Role,
    SasReady,
    SendData,
    VerifyEvent,
    VerifySession,
    parse_frame,
)

ID_I = PeerId.from_ed25519_public_key(b"\x01" * 32).raw
ID_R = PeerId.from_ed25519_public_key(b"\x02" * 32).raw
ID_M = PeerId.from_ed25519_public_key(b"\x03" * 32).raw


def _sent(events: list[VerifyEvent]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, SendData))


def _of(events: list[VerifyEvent], kind: type) -> list[object]:
    return [e for e in events if isinstance(e, kind)]


def _pair(now: float = 0.0) -> tuple[VerifySession, VerifySession]:
    i = VerifySession(Role.INITIATOR, own_id=ID_I, peer_id=ID_R, now=now)
    r = VerifySession(Role.RESPONDER, own_id=ID_R, peer_id=ID_I, now=now)
    return i, r


def _exchange(i: VerifySession, r: VerifySession) -> tuple[list[VerifyEvent], list[VerifyEvent]]:
    """Run messages 1-5; returns all events of each side."""
    ev_i = i.start()
    ev_r: list[VerifyEvent] = []
    to_r, to_i = _sent(ev_i), b""
    for _ in range(6):
        if to_r:
            new = r.receive_data(to_r, now=1)
            ev_r += new
            to_i, to_r = _sent(new), b""
        if to_i:
            new = i.receive_data(to_i, now=1)
            ev_i += new
            to_r, to_i = _sent(new), b""
    return ev_i, ev_r


def test_both_sides_see_the_same_sas_and_both_learn_the_answers() -> None:
    i, r = _pair()
    ev_i, ev_r = _exchange(i, r)
    (sas_i,) = _of(ev_i, SasReady)
    (sas_r,) = _of(ev_r, SasReady)
    assert isinstance(sas_i, SasReady)
    assert isinstance(sas_r, SasReady)
    assert sas_i.sas == sas_r.sas
    assert sas_i.suite == "x25519-mlkem768-sha256"
    a = i.confirm(True, now=2)
    b = r.confirm(True, now=2)
    got_r = r.receive_data(_sent(a), now=3)
    got_i = i.receive_data(_sent(b), now=3)
    assert _of(got_r, PeerAnswered) == [PeerAnswered(True)]
    assert _of(got_r, Completed) == [Completed(local_match=True, peer_match=True)]
    assert _of(got_i, Completed) == [Completed(local_match=True, peer_match=True)]
    assert i.finished
    assert r.finished


def test_a_rejection_is_learned_by_the_other_side() -> None:
    i, r = _pair()
    _exchange(i, r)
    no = r.confirm(False, now=2)
    yes = i.confirm(True, now=2)
    (done_i,) = _of(i.receive_data(_sent(no), now=3), Completed)
    (done_r,) = _of(r.receive_data(_sent(yes), now=3), Completed)
    assert isinstance(done_i, Completed)
    assert isinstance(done_r, Completed)
    assert not done_i.verified
    assert not done_r.verified
    assert (done_i.local_match, done_i.peer_match) == (True, False)


def test_fresh_runs_give_fresh_sas() -> None:
    seen = set()
    for _ in range(5):
        i, r = _pair()
        _exchange(i, r)
        assert i.sas is not None
        seen.add(i.sas)
    assert len(seen) == 5


def _mitm_run(swap_reveal: bool) -> tuple[VerifySession, VerifySession, list[VerifyEvent]]:
    """I talks to M (playing R), M talks to R (playing I); M relays but uses its own keys.

    The IDs are the real ones on both legs (the worst case: the attacker is invisible at the
    transport level), so only the commitment and the secrets can tell.
    """
    i = VerifySession(Role.INITIATOR, own_id=ID_I, peer_id=ID_R, now=0)
    m_as_r = VerifySession(Role.RESPONDER, own_id=ID_R, peer_id=ID_I, now=0)
    m_as_i = VerifySession(Role.INITIATOR, own_id=ID_I, peer_id=ID_R, now=0)
    r = VerifySession(Role.RESPONDER, own_id=ID_R, peer_id=ID_I, now=0)
    _exchange(i, m_as_r)
    ev_mi = m_as_i.start()
    ev_r = r.receive_data(_sent(ev_mi), now=1)  # ACCEPT
    ev_mi = m_as_i.receive_data(_sent(ev_r), now=1)  # COMMIT
    ev_r = r.receive_data(_sent(ev_mi), now=1)  # KEY
    ev_mi = m_as_i.receive_data(_sent(ev_r), now=1)  # REVEAL
    reveal = _sent(ev_mi)
    if swap_reveal:
        # Keep M's commitment but reveal the key of the I-M leg instead: caught.
        tampered = bytearray(reveal)
        tampered[3] ^= 0x01
        reveal = bytes(tampered)
    ev_r = r.receive_data(reveal, now=1)
    return i, r, ev_r


def test_mitm_with_its_own_keys_cannot_make_both_sas_equal() -> None:
    for _ in range(20):
        i, r, _ev_r = _mitm_run(swap_reveal=False)
        assert i.sas is not None
        assert r.sas is not None
        assert i.sas != r.sas


def test_commitment_catches_a_changed_key() -> None:
    _i, r, ev_r = _mitm_run(swap_reveal=True)
    (aborted,) = _of(ev_r, Aborted)
    assert isinstance(aborted, Aborted)
    assert aborted.reason == "tampered"
    assert r.sas is None


def test_unsupported_suite_and_version() -> None:
    r = VerifySession(Role.RESPONDER, own_id=ID_R, peer_id=ID_I, now=0)
    hello = b"\x01" + bytes([2, 1, 7]) + b"classic"
    events = r.receive_data(len(hello).to_bytes(2, "big") + hello, now=0)
    (aborted,) = _of(events, Aborted)
    assert isinstance(aborted, Aborted)
    assert aborted.reason == "unsupported"
    assert _sent(events)  # the peer is told why


def test_expiry() -> None:
    i, r = _pair(now=0)
    _exchange(i, r)
    events = i.confirm(True, now=601)
    (aborted,) = _of(events, Aborted)
    assert isinstance(aborted, Aborted)
    assert aborted.reason == "expired"
    with pytest.raises(VerificationError):
        i.confirm(True, now=602)


def test_abort_is_reported_to_the_other_side() -> None:
    i, r = _pair()
    _exchange(i, r)
    events = r.receive_data(_sent(i.cancel()), now=2)
    (aborted,) = _of(events, Aborted)
    assert isinstance(aborted, Aborted)
    assert aborted.remote
    assert aborted.reason == "peer-aborted"


def test_confirm_before_sas_is_refused() -> None:
    i, _r = _pair()
    i.start()
    with pytest.raises(VerificationError):
        i.confirm(True, now=0)


def test_oversized_frame_is_refused() -> None:
    with pytest.raises(VerificationError):
        parse_frame((MAX_FRAME + 1).to_bytes(2, "big") + b"\x01")
    assert parse_frame(b"\x00") == (None, b"\x00")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(list(Role)))
def test_any_bytes_end_cleanly(data: bytes, role: Role) -> None:
    s = VerifySession(role, own_id=ID_I, peer_id=ID_R, now=0)
    if role is Role.INITIATOR:
        s.start()
    events = s.receive_data(data, now=1)
    for e in events:
        assert isinstance(e, SendData | Aborted | SasReady | PeerAnswered | Completed)
    assert all(isinstance(e, SendData | Aborted) for e in events)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=4000), st.integers(min_value=0, max_value=255))
def test_a_flipped_byte_never_gives_equal_sas(position: int, xor: int) -> None:
    """Any single-byte change anywhere in messages 1-5 aborts the run or splits the SAS."""
    i, r = _pair()
    flipped = False
    offset = 0

    def tamper(data: bytes) -> bytes:
        nonlocal flipped, offset
        start, offset = offset, offset + len(data)
        if flipped or xor == 0 or not start <= position < offset:
            return data
        flipped = True
        out = bytearray(data)
        out[position - start] ^= xor
        return bytes(out)

    to_r = tamper(_sent(i.start()))
    to_i = b""
    for _ in range(6):
        if to_r:
            to_i, to_r = tamper(_sent(r.receive_data(to_r, now=1))), b""
        if to_i:
            to_r, to_i = tamper(_sent(i.receive_data(to_i, now=1))), b""
    if flipped and i.sas is not None and r.sas is not None:
        assert i.sas != r.sas


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=30))
def test_chunking_does_not_matter(sizes: list[int]) -> None:
    """Bytes arriving in arbitrary pieces give the same outcome as whole frames."""
    i, r = _pair()
    hello = _sent(i.start())
    events: list[VerifyEvent] = []
    pos = 0
    for size in sizes:
        events += r.receive_data(hello[pos : pos + size], now=1)
        pos += size
    events += r.receive_data(hello[pos:], now=1)
    assert len(_sent(events)) > 1000  # the ACCEPT with the ML-KEM key
    assert not _of(events, Aborted)
