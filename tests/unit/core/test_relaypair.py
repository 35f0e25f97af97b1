"""The relay's token store, the pairing/introduction wire formats and the proofs (sans-IO)."""

from __future__ import annotations

import contextlib
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import PairingError, RemoteProtocolError
from app.core.ids.identity import Identity
from app.core.ids.peerid import PeerId
from app.core.pairing.relaypair import (
    MAX_FAILED_ATTEMPTS,
    Introduction,
    Member,
    Membership,
    MembershipBook,
    PairReply,
    TokenStore,
    decode_notify,
    decode_pair_reply,
    decode_pair_request,
    encode_notify,
    encode_pair_error,
    encode_pair_reply,
    encode_pair_request,
    intro_proof,
    member_key,
)

_rng = random.Random(4)


def _peer() -> PeerId:
    return Identity.generate(lambda n: _rng.randbytes(n)).peer_id


def _random(n: int) -> bytes:
    return _rng.randbytes(n)


PEERS = [_peer() for _ in range(6)]
RELAY = PEERS[5]


def _store(count: int = 3, ttl: float = 100) -> tuple[TokenStore, str, list[bytes]]:
    store = TokenStore()
    gid, tokens, _ = store.create_group(count=count, ttl=ttl, now=1000, random=_random)
    return store, gid, tokens


def test_tokens_are_single_use_and_stored_hashed() -> None:
    store, gid, tokens = _store()
    state = store.to_json()
    assert all(t.hex() not in state.decode() for t in tokens)
    redeemed = store.redeem(tokens[0], PEERS[0], "alice", now=1001)
    assert redeemed.group_id == gid
    assert redeemed.reply.members == ()
    with pytest.raises(PairingError) as info:
        store.redeem(tokens[0], PEERS[1], "bob", now=1002)
    assert info.value.reason == "used"
    # The same peer redeeming its own code again (a retried join) is answered again.
    assert store.redeem(tokens[0], PEERS[0], "alice", now=1003).group_id == gid


def test_members_so_far_with_proofs_the_joiner_can_check() -> None:
    store, gid, tokens = _store()
    store.redeem(tokens[0], PEERS[0], "alice", now=1001)
    reply = store.redeem(tokens[1], PEERS[1], "bob", now=1002).reply
    assert [m.peer_id for m in reply.members] == [PEERS[0]]
    assert reply.proofs == (intro_proof(member_key(tokens[1]), gid, PEERS[0], PEERS[1]),)
    assert reply.group_size == 3


def test_three_failures_burn_the_group() -> None:
    store, _gid, tokens = _store()
    wrong = tokens[0][:4] + bytes(12)
    reasons = []
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(PairingError) as info:
            store.redeem(wrong, PEERS[4], "x", now=1001)
        reasons.append(info.value.reason)
    assert reasons == ["wrong-code", "wrong-code", "burned"]
    with pytest.raises(PairingError) as info:
        store.redeem(tokens[1], PEERS[1], "bob", now=1002)
    assert info.value.reason == "burned"
    (group,) = store.groups(now=1002)
    assert (group.state, group.failed_attempts) == ("burned", 3)


def test_a_full_group_still_counts_wrong_tokens() -> None:
    store, _gid, tokens = _store()
    for i, token in enumerate(tokens):
        store.redeem(token, PEERS[i], f"m{i}", now=1001)
    assert store.groups(now=1001)[0].state == "full"
    wrong = tokens[0][:4] + bytes(12)
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(PairingError):
            store.redeem(wrong, PEERS[4], "x", now=1002)
    assert store.groups(now=1002)[0].failed_attempts == MAX_FAILED_ATTEMPTS


def test_unknown_prefix_charges_no_group() -> None:
    store, _, tokens = _store()
    with pytest.raises(PairingError) as info:
        store.redeem(bytes(16), PEERS[4], "x", now=1001)
    assert info.value.reason == "unknown"  # the engine charges the stranger's probe budget
    assert store.groups(now=1001)[0].failed_attempts == 0
    store.redeem(tokens[0], PEERS[0], "a", now=1001)


def test_expiry_revoke_and_persistence() -> None:
    store, gid, tokens = _store(ttl=10)
    store.redeem(tokens[0], PEERS[0], "alice", now=1001)
    again = TokenStore.from_json(store.to_json())
    assert again.groups(now=1002) == store.groups(now=1002)
    with pytest.raises(PairingError) as info:
        again.redeem(tokens[1], PEERS[1], "bob", now=1011)
    assert info.value.reason == "expired"
    assert not again.any_open(now=1011)
    store.revoke(gid)
    with pytest.raises(PairingError) as info:
        store.redeem(tokens[1], PEERS[1], "bob", now=1002)
    assert info.value.reason == "revoked"
    with pytest.raises(PairingError):
        store.revoke("nope")
    assert store.prune(now=1011 + 8 * 86400)
    assert store.groups(now=0) == []


@pytest.mark.parametrize("size", [2, 3, 5])
def test_introductions_leave_every_member_knowing_every_other(size: int) -> None:
    """Members join one by one; each intro passes the (fixed) size check of the receiver."""
    store, gid, tokens = _store(count=size)
    books: dict[PeerId, MembershipBook] = {}
    known: dict[PeerId, set[PeerId]] = {}
    for i in range(size):
        joiner = PEERS[i]
        reply = store.redeem(tokens[i], joiner, f"m{i}", now=1001 + i).reply
        books[joiner] = MembershipBook()
        books[joiner].add(Membership(gid, str(RELAY), member_key(tokens[i]).hex(), 0))
        known[joiner] = {m.peer_id for m in reply.members}
        for j in range(i):  # the relay then notifies the others (all online here)
            member = PEERS[j]
            intro = store.pending_introduction(gid, member)
            assert intro is not None
            decoded = decode_notify(encode_notify(intro))
            accepted = books[member].check(
                decoded, sender=RELAY, own=member, known_members=known[member], now=0.0
            )
            known[member] |= {m.peer_id for m, _ in accepted}
            store.mark_delivered(gid, member, (m.peer_id for m, _ in decoded.members))
            assert store.pending_introduction(gid, member) is None
    for i in range(size):
        assert known[PEERS[i]] == set(PEERS[:size]) - {PEERS[i]}


def test_offline_member_gets_everything_it_missed_in_one_message() -> None:
    store, gid, tokens = _store(count=3)
    for i in range(3):
        store.redeem(tokens[i], PEERS[i], f"m{i}", now=1001)
    intro = store.pending_introduction(gid, PEERS[0])
    assert intro is not None
    assert {m.peer_id for m, _ in intro.members} == {PEERS[1], PEERS[2]}
    assert intro.group_size == 3
    book = MembershipBook([Membership(gid, str(RELAY), member_key(tokens[0]).hex(), 0)])
    assert len(book.check(intro, sender=RELAY, own=PEERS[0], known_members=(), now=0.0)) == 2


def test_reference_size_check_bug_is_fixed() -> None:
    """Spec §4.4: known 1 + 2 listed >= size 3 was refused; now the union is what counts."""
    _unused, gid, tokens = _store(count=3)
    book = MembershipBook([Membership(gid, str(RELAY), member_key(tokens[0]).hex(), 0)])
    intro = Introduction(
        gid,
        3,
        tuple(
            (Member(p, ""), intro_proof(member_key(tokens[0]), gid, p, PEERS[0]))
            for p in (PEERS[1], PEERS[2])
        ),
    )
    assert (
        len(book.check(intro, sender=RELAY, own=PEERS[0], known_members=[PEERS[1]], now=0.0)) == 2
    )
    with pytest.raises(PairingError) as info:
        book.check(intro, sender=RELAY, own=PEERS[0], known_members=[PEERS[3], PEERS[4]], now=0.0)
    assert info.value.reason == "too-many"


def test_check_refuses_forgery_and_strangers() -> None:
    _, gid, tokens = _store()
    key = member_key(tokens[0])
    book = MembershipBook([Membership(gid, str(RELAY), key.hex(), 0)])
    me, other = PEERS[0], PEERS[1]
    good = intro_proof(key, gid, other, me)

    def intro(proof: bytes, group: str = gid, peer: PeerId = other) -> Introduction:
        return Introduction(group, 2, ((Member(peer, "o"), proof),))

    cases = [
        (intro(b"\x00" * 32), RELAY, "tampered"),
        (intro(good, peer=PEERS[2]), RELAY, "tampered"),  # proof of another peer ID
        (intro(good), PEERS[3], "not-relay"),
        (intro(good, group="ffffffff"), RELAY, "unknown-group"),
        (intro(intro_proof(key, gid, other, PEERS[2])), RELAY, "tampered"),  # for another member
    ]
    for message, sender, reason in cases:
        with pytest.raises(PairingError) as info:
            book.check(message, sender=sender, own=me, known_members=(), now=0.0)
        assert info.value.reason == reason
    assert book.check(intro(good), sender=RELAY, own=me, known_members=(), now=0.0) == [
        (Member(other, "o"), good)
    ]


def test_reference_relay_groups_accept_unverifiable_proofs() -> None:
    book = MembershipBook([Membership("0a0b0c0d", str(RELAY), None, 0)])
    message = Introduction("0a0b0c0d", 2, ((Member(PEERS[1], "o"), b"\x00" * 32),))
    assert len(book.check(message, sender=RELAY, own=PEERS[0], known_members=(), now=0.0)) == 1
    with pytest.raises(PairingError):
        book.check(message, sender=PEERS[2], own=PEERS[0], known_members=(), now=0.0)


def test_wire_round_trips_and_errors() -> None:
    assert decode_pair_request(encode_pair_request(bytes(16), "lap#top\n")) == (bytes(16), "laptop")
    with pytest.raises(RemoteProtocolError):
        decode_pair_request(bytes(16) + b"\x41" + b"a" * 65)
    reply = PairReply("0a0b0c0d", 3, (Member(PEERS[0], "alice"),), (bytes(32),))
    assert decode_pair_reply(encode_pair_reply(reply)) == reply
    plain = PairReply("0a0b0c0d", 3, (Member(PEERS[0], "alice"),), None)
    assert decode_pair_reply(encode_pair_reply(plain)) == plain
    with pytest.raises(PairingError) as info:
        decode_pair_reply(encode_pair_error())
    assert info.value.reason == "refused"
    with pytest.raises(RemoteProtocolError, match="unexpected bytes"):
        decode_pair_reply(encode_pair_reply(reply) + b"x")
    with pytest.raises(RemoteProtocolError, match="lists 2 members for a group of 1"):
        decode_notify(
            encode_notify(
                Introduction("0a", 1, ((Member(PEERS[0], ""), b""), (Member(PEERS[1], ""), b"")))
            )
        )


@given(st.binary(max_size=600))
def test_any_bytes_parse_or_fail_cleanly(data: bytes) -> None:
    for parse in (decode_pair_request, decode_pair_reply, decode_notify):
        with contextlib.suppress(RemoteProtocolError, PairingError):
            parse(data)
    with contextlib.suppress(PairingError):
        TokenStore.from_json(data)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(PEERS), st.text(max_size=80), st.binary(min_size=32, max_size=32)
        ),
        min_size=1,
        max_size=5,
    ),
    st.from_regex(r"[0-9a-f]{8}", fullmatch=True),
)
def test_notify_round_trip(members: list[tuple[PeerId, str, bytes]], gid: str) -> None:
    intro = Introduction(gid, 6, tuple((Member(p, n), proof) for p, n, proof in members))
    decoded = decode_notify(encode_notify(intro))
    assert [m.peer_id for m, _ in decoded.members] == [p for p, _, _ in members]
    assert [proof for _, proof in decoded.members] == [proof for _, _, proof in members]
    assert all(len(m.name.encode()) <= 64 and "#" not in m.name for m, _ in decoded.members)
