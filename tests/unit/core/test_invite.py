"""The /peerup/invite/2.0.0 state machines with real crypto: success, wrong codes, tampering."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import PairingError
from app.core.ids.peerid import PeerId
from app.core.pairing.invite import (
    MAX_FRAME,
    SUITE_CLASSIC,
    SUITE_HYBRID,
    FrameBuffer,
    Invitation,
    InvitationState,
    InviterHandshake,
    JoinerHandshake,
    frame,
    peek_invite_id,
)

INVITE_ID = b"\x01" * 8
PASSWORD = b"\x02" * 10


def _peer() -> PeerId:
    return PeerId.from_ed25519_public_key(os.urandom(32))


JOINER, INVITER, MALLORY = _peer(), _peer(), _peer()


def _pair(
    *,
    joiner_password: bytes = PASSWORD,
    joiner_suites: tuple[str, ...] = (SUITE_HYBRID, SUITE_CLASSIC),
    inviter_suites: tuple[str, ...] = (SUITE_HYBRID, SUITE_CLASSIC),
    joiner_id: PeerId = JOINER,
    inviter_seen_joiner: PeerId = JOINER,
    joiner_seen_inviter: PeerId = INVITER,
) -> tuple[JoinerHandshake, InviterHandshake]:
    joiner = JoinerHandshake(
        password=joiner_password,
        invite_id=INVITE_ID,
        own=joiner_id,
        inviter=joiner_seen_inviter,
        name="laptop",
        now=0.0,
        suites=joiner_suites,
    )
    inviter = InviterHandshake(
        password=PASSWORD,
        invite_id=INVITE_ID,
        own=INVITER,
        joiner=inviter_seen_joiner,
        name="home",
        services=["ssh", "web"],
        now=0.0,
        suites=inviter_suites,
    )
    return joiner, inviter


def _body(framed: bytes | None) -> bytes:
    assert framed is not None
    bodies = FrameBuffer().feed(framed)
    assert len(bodies) == 1
    return bodies[0]


Tamper = dict[int, "object"]


def _run(
    joiner: JoinerHandshake,
    inviter: InviterHandshake,
    *,
    alter: tuple[int, int, int] | None = None,
) -> tuple[bool, bool, list[bytes]]:
    """Run the five messages; ``alter=(message 1-5, byte index, xor)``. Returns who accepted."""
    messages: list[bytes] = []

    def deliver(number: int, body: bytes) -> bytes:
        if alter is not None and alter[0] == number:
            index = alter[1] % len(body)
            body = body[:index] + bytes([body[index] ^ alter[2]]) + body[index + 1 :]
        messages.append(body)
        return body

    try:
        m2 = inviter.receive(deliver(1, _body(joiner.start())), 1.0)
        m3 = joiner.receive(deliver(2, _body(m2)), 1.0)
        m4 = inviter.receive(deliver(3, _body(m3)), 1.0)
        m5 = joiner.receive(deliver(4, _body(m4)), 1.0)
        inviter.receive(deliver(5, _body(m5)), 1.0)
    except PairingError:
        pass
    return joiner.outcome is not None, inviter.outcome is not None, messages


@pytest.mark.parametrize(
    "suites", [(SUITE_HYBRID, SUITE_CLASSIC), (SUITE_CLASSIC,)], ids=["hybrid", "classic"]
)
def test_handshake_completes_with_the_same_sas(suites: tuple[str, ...]) -> None:
    joiner, inviter = _pair(joiner_suites=suites)
    joined, invited, _ = _run(joiner, inviter)
    assert joined
    assert invited
    assert joiner.outcome is not None
    assert inviter.outcome is not None
    assert joiner.outcome.sas == inviter.outcome.sas
    assert joiner.outcome.suite == inviter.outcome.suite == suites[0]
    assert joiner.outcome.peer == INVITER
    assert inviter.outcome.peer == JOINER
    assert joiner.outcome.name == "home"
    assert joiner.outcome.services == ("ssh", "web")
    assert inviter.outcome.name == "laptop"
    assert len(joiner.outcome.sas.indices) == 4
    assert 0 <= joiner.outcome.sas.number < 1_000_000


def test_wrong_password_fails_with_the_same_words() -> None:
    joiner, inviter = _pair(joiner_password=b"\x03" * 10)
    m2 = inviter.receive(_body(joiner.start()), 1.0)
    with pytest.raises(PairingError) as err:
        joiner.receive(_body(m2), 1.0)
    assert err.value.reason == "wrong-code"
    assert str(err.value) == "wrong code or expired"
    assert inviter.outcome is None


def test_joiner_that_lies_about_its_mac_fails_at_the_inviter() -> None:
    joiner, inviter = _pair()
    m2 = inviter.receive(_body(joiner.start()), 1.0)
    m3 = bytearray(_body(joiner.receive(_body(m2), 1.0)))
    m3[5] ^= 1
    with pytest.raises(PairingError) as err:
        inviter.receive(bytes(m3), 1.0)
    assert err.value.reason == "wrong-code"
    assert inviter.outcome is None


@settings(max_examples=150, deadline=None)
@given(
    message=st.integers(1, 5),
    index=st.integers(0, 5000),
    xor=st.integers(1, 255),
    hybrid=st.booleans(),
)
def test_no_side_accepts_an_altered_message(
    message: int, index: int, xor: int, hybrid: bool
) -> None:
    suites = (SUITE_HYBRID, SUITE_CLASSIC) if hybrid else (SUITE_CLASSIC,)
    joiner, inviter = _pair(joiner_suites=suites)
    joined, invited, _ = _run(joiner, inviter, alter=(message, index, xor))
    # The receiver of the altered message rejects it, so the inviter (who speaks last) never
    # accepts; the joiner accepts only if the altered message was the last one (its own M5).
    assert not invited
    if message < 5:
        assert not joined


def test_downgrade_to_the_classic_suite_is_detected() -> None:
    joiner, inviter = _pair()
    hello = _body(joiner.start())
    # A man in the middle rewrites the offer into a well-formed classic-only HELLO (dropping
    # the ML-KEM key); the inviter accepts it, the joiner's check of MAC_I catches it.
    pos = 1 + 1 + len(INVITE_ID)
    count = hello[pos]
    pos += 1
    for _ in range(count):
        pos += 1 + hello[pos]
    pake = hello[pos + 2 : pos + 2 + int.from_bytes(hello[pos : pos + 2], "big")]
    classic = SUITE_CLASSIC.encode()
    stripped = (
        hello[: 2 + len(INVITE_ID)]
        + bytes([1, len(classic)])
        + classic
        + len(pake).to_bytes(2, "big")
        + pake
        + b"\x00\x00"
    )
    reply = inviter.receive(stripped, 1.0)
    with pytest.raises(PairingError) as err:
        joiner.receive(_body(reply), 1.0)
    assert err.value.reason == "wrong-code"


def test_peer_ids_are_bound_a_forwarding_middle_fails() -> None:
    # Mallory forwards every byte unchanged, but Noise shows each side Mallory's ID.
    joiner, inviter = _pair(inviter_seen_joiner=MALLORY, joiner_seen_inviter=MALLORY)
    joined, invited, _ = _run(joiner, inviter)
    assert not joined
    assert not invited


def test_a_middle_that_knows_the_code_gets_different_sas() -> None:
    # Mallory copied the code: she runs one handshake with each side. Both complete, but the
    # humans compare their screens and see different emoji.
    joiner, mallory_as_inviter = _pair(joiner_seen_inviter=MALLORY)
    mallory_as_inviter = InviterHandshake(
        password=PASSWORD, invite_id=INVITE_ID, own=MALLORY, joiner=JOINER, name="home",
        services=[], now=0.0,
    )  # fmt: skip
    mallory_as_joiner, inviter = _pair(joiner_id=MALLORY, inviter_seen_joiner=MALLORY)
    assert _run(joiner, mallory_as_inviter)[:2] == (True, True)
    assert _run(mallory_as_joiner, inviter)[:2] == (True, True)
    assert joiner.outcome is not None
    assert inviter.outcome is not None
    assert joiner.outcome.sas != inviter.outcome.sas


def test_replayed_message_from_another_run_fails() -> None:
    first_joiner, first_inviter = _pair()
    _, _, recorded = _run(first_joiner, first_inviter)
    joiner, inviter = _pair()
    m2 = inviter.receive(_body(joiner.start()), 1.0)
    joiner.receive(_body(m2), 1.0)
    with pytest.raises(PairingError):
        inviter.receive(recorded[2], 1.0)  # M3 of the first run
    assert inviter.outcome is None


def test_deadline() -> None:
    joiner, inviter = _pair()
    hello = _body(joiner.start())
    with pytest.raises(PairingError) as err:
        inviter.receive(hello, 10_000.0)
    assert err.value.reason == "timeout"


def test_peek_invite_id() -> None:
    joiner, _ = _pair()
    assert peek_invite_id(_body(joiner.start())) == INVITE_ID
    assert peek_invite_id(b"\x02abc") is None
    assert peek_invite_id(b"\x01\x09abc") is None


def test_invitation_burns_after_three_failures() -> None:
    invitation = Invitation(
        password=PASSWORD, invite_id=INVITE_ID, own=INVITER, expires_at=100.0, name="home",
        services=[],
    )  # fmt: skip
    assert invitation.fail() is False
    assert invitation.fail() is False
    assert invitation.fail() is True
    assert invitation.state is InvitationState.BURNED
    with pytest.raises(PairingError) as err:
        invitation.begin(JOINER, 1.0)
    assert err.value.reason == "burned"


def test_invitation_single_use_expiry_cancel() -> None:
    def make() -> Invitation:
        return Invitation(
            password=PASSWORD, invite_id=INVITE_ID, own=INVITER, expires_at=100.0, name="home",
            services=[],
        )  # fmt: skip

    used = make()
    used.begin(JOINER, 1.0)
    assert used.claim(2.0)
    assert not used.claim(3.0)
    with pytest.raises(PairingError):
        used.begin(JOINER, 4.0)
    expired = make()
    with pytest.raises(PairingError) as err:
        expired.begin(JOINER, 100.0)
    assert err.value.reason == "expired"
    cancelled = make()
    cancelled.cancel()
    assert cancelled.state is InvitationState.CANCELLED
    assert not cancelled.fail()


def _invitation() -> Invitation:
    return Invitation(
        password=PASSWORD, invite_id=INVITE_ID, own=INVITER, expires_at=100.0, name="home",
        services=[],
    )  # fmt: skip


def test_a_guess_counts_when_its_attempt_begins_whatever_the_concurrency() -> None:
    invitation = _invitation()
    # Three attempts in flight use up the guesses: a fourth cannot begin, though none failed.
    attempts = [invitation.begin(JOINER, 1.0) for _ in range(3)]
    assert len(attempts) == 3
    assert invitation.guesses_left == 0
    with pytest.raises(PairingError) as err:
        invitation.begin(JOINER, 1.0)
    assert err.value.reason == "busy"
    # One fails: still no guess left (its guess was tested); the other two fail: burned.
    assert invitation.fail() is False
    with pytest.raises(PairingError):
        invitation.begin(JOINER, 1.0)
    assert invitation.fail() is False
    assert invitation.fail() is True
    assert invitation.state is InvitationState.BURNED
    assert invitation.attempts == 3


def test_a_success_frees_nothing_and_a_late_failure_still_counts() -> None:
    invitation = _invitation()
    first = invitation.begin(JOINER, 1.0)
    second = invitation.begin(JOINER, 1.0)
    assert first is not second
    assert invitation.guesses_left == 1
    assert invitation.claim(2.0)  # the first one completes: used
    assert invitation.in_flight == 1
    # The other one fails after the invite was used: it is counted all the same.
    assert invitation.fail() is False
    assert invitation.failures == 1
    assert invitation.in_flight == 0
    assert invitation.state is InvitationState.USED
    with pytest.raises(PairingError) as err:
        invitation.begin(JOINER, 3.0)
    assert err.value.reason == "used"
    assert invitation.attempts == 2


def test_an_attempt_completed_after_expiry_is_ended_as_a_failure() -> None:
    invitation = _invitation()
    invitation.begin(JOINER, 1.0)
    assert not invitation.claim(100.0)  # expired meanwhile: still in flight
    assert invitation.in_flight == 1
    invitation.fail()
    assert (invitation.in_flight, invitation.failures) == (0, 1)
    assert invitation.state is InvitationState.EXPIRED


@given(st.lists(st.sampled_from(["begin", "fail", "claim"]), max_size=40))
def test_never_more_than_three_guesses_per_invite(steps: list[str]) -> None:
    invitation = _invitation()
    open_attempts = 0
    for step in steps:
        if step == "begin":
            try:
                invitation.begin(JOINER, 1.0)
            except PairingError:
                continue
            open_attempts += 1
        elif open_attempts and step == "fail":
            invitation.fail()
            open_attempts -= 1
        elif open_attempts and step == "claim" and invitation.claim(2.0):
            open_attempts -= 1
    assert invitation.attempts <= 3
    assert invitation.in_flight == open_attempts


@given(
    bodies=st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=5),
    cuts=st.lists(st.integers(0, 2000), max_size=10),
)
def test_frame_buffer_reassembles_any_split(bodies: list[bytes], cuts: list[int]) -> None:
    wire = b"".join(frame(b) for b in bodies)
    points = sorted({c % (len(wire) + 1) for c in cuts} | {0, len(wire)})
    buffer = FrameBuffer()
    out: list[bytes] = []
    for start, end in itertools.pairwise(points):
        out += buffer.feed(wire[start:end])
    assert out == bodies
    assert buffer.pending == 0


@pytest.mark.parametrize("size", [0, MAX_FRAME + 1, 0xFFFF])
def test_frame_buffer_refuses_bad_sizes(size: int) -> None:
    with pytest.raises(PairingError):
        FrameBuffer().feed(size.to_bytes(2, "big") + b"x")
