"""Relay pairing with real nodes on loopback (in process): refusals, burn, restart, introductions.

The happy paths with real daemons and the CLI are in tests/e2e/test_relay_pairing.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import trio
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from trio.testing import MockClock

from app.core.codes.paircode import encode_pairing, parse_pairing_code
from app.core.config import load_config
from app.core.errors import InvalidCodeError, PairingError
from app.core.ids.peerid import PeerId
from app.core.pairing.relaypair import (
    NOTIFY_PROTOCOL,
    Introduction,
    Member,
    encode_notify,
    intro_proof,
    member_key,
)
from app.core.peers.authkeys import AuthorizedKeysFile, parse_expires
from app.core.status import (
    ConfigChanged,
    Event,
    IntroducedPeer,
    JoinProgress,
    JoinStep,
    PeerExpired,
    PeersIntroduced,
)
from app.engine import compat
from app.engine.bus import Numbered, Subscription
from app.engine.node import Node, open_node
from app.engine.splice import read_to_eof
from tests.helpers.clock import TrioWallClock
from tests.helpers.nodes import NodeDir, free_port, make_node_dir

pytestmark = pytest.mark.trio


def _relay_dir(tmp_path: Path) -> NodeDir:
    # A fixed port: codes carry the relay's address, and the relay restarts in one test.
    return make_node_dir(
        tmp_path,
        "relay",
        extra="relay_service: {enabled: true}\n",
        hole_punching=False,
        listen=f"/ip4/127.0.0.1/tcp/{free_port()}",
    )


def _member_dir(tmp_path: Path, name: str) -> NodeDir:
    return make_node_dir(tmp_path, name, hole_punching=False)


def _keys(node: NodeDir) -> dict[str, dict[str, str]]:
    entries = AuthorizedKeysFile(node.path / "authorized_keys").load()
    return {str(e.peer_id): dict(e.attributes) for e in entries}


def _pairing(node: Node):  # the service exists once the node runs
    assert node.pairing is not None
    return node.pairing


async def test_wrong_code_burns_the_group_after_three_attempts(tmp_path: Path) -> None:
    relay_dir = _relay_dir(tmp_path)
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        group = _pairing(relay).create_group(count=2, ttl=600, namespace=None)
        good = parse_pairing_code(group.codes[0])
        # A code of this group with a wrong secret (what a guesser who saw one code could try).
        wrong_token = good.token[:4] + bytes(12)
        wrong = encode_pairing(wrong_token, good.relay_addresses, None, good.expires_at or 0)
        for i in range(3):
            m = _member_dir(tmp_path, f"guess{i}")
            async with open_node(load_config(m.config_path), m.identity) as node:
                with pytest.raises(PairingError) as info:
                    await _pairing(node).join(wrong, "guesser")
                assert info.value.reason == "refused"
                assert relay.peer_id not in _keys(m)
        (listed,) = _pairing(relay).groups()
        assert listed.failed_attempts == 3
        assert listed.state == "burned"
        # The right code of the burned group no longer works either.
        m = _member_dir(tmp_path, "late")
        async with open_node(load_config(m.config_path), m.identity) as node:
            with pytest.raises(PairingError):
                await _pairing(node).join(group.codes[1], "late")
        assert m.peer_id not in _keys(relay_dir)


async def test_expired_revoked_and_reused_codes_are_refused(tmp_path: Path) -> None:
    relay_dir = _relay_dir(tmp_path)
    clock = TrioWallClock()  # every node's wall clock
    async with open_node(
        load_config(relay_dir.config_path), relay_dir.identity, clock=clock
    ) as relay:
        service = _pairing(relay)
        short = service.create_group(count=1, ttl=30, namespace=None)
        revoked = service.create_group(count=1, ttl=600, namespace=None)
        service.revoke(revoked.group_id)
        used = service.create_group(count=2, ttl=600, namespace=None)
        clock.advance(31)  # the short group is over, the others are not
        a = _member_dir(tmp_path, "a")
        b = _member_dir(tmp_path, "b")
        async with (
            open_node(load_config(a.config_path), a.identity, clock=clock) as node_a,
            open_node(load_config(b.config_path), b.identity, clock=clock) as node_b,
        ):
            # The code itself says it expired: refused before any network traffic.
            with pytest.raises(PairingError) as info:
                await _pairing(node_a).join(short.codes[0], "a")
            assert info.value.reason == "expired"
            with pytest.raises(PairingError) as info:
                await _pairing(node_a).join(revoked.codes[0], "a")
            assert info.value.reason == "refused"
            await _pairing(node_a).join(used.codes[0], "a")
            with pytest.raises(PairingError) as info:
                await _pairing(node_b).join(used.codes[0], "b")
            assert info.value.reason == "refused"
        states = {g.id: g.state for g in service.groups()}
        assert states[short.group_id] == "expired"
        assert states[revoked.group_id] == "revoked"
        assert states[used.group_id] == "open"
        assert b.peer_id not in _keys(relay_dir)


async def test_relay_restart_keeps_the_group_and_late_members_are_introduced(
    tmp_path: Path,
) -> None:
    relay_dir = _relay_dir(tmp_path)
    a = _member_dir(tmp_path, "a")
    b = _member_dir(tmp_path, "b")
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        group = _pairing(relay).create_group(count=2, ttl=600, namespace=None)
        async with open_node(load_config(a.config_path), a.identity) as node_a:
            first = await _pairing(node_a).join(group.codes[0], "alice")
            assert first.members == ()
    # The relay restarts; a is offline while b joins.
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        (listed,) = _pairing(relay).groups()
        assert (listed.id, listed.used, listed.state) == (group.group_id, 1, "open")
        async with open_node(load_config(b.config_path), b.identity) as node_b:
            second = await _pairing(node_b).join(group.codes[1], "bob")
            assert [m.peer_id for m in second.members] == [a.peer_id]
            assert second.proofs_verified
        assert b.peer_id not in _keys(a)
        # a comes back: connecting to its relay is enough to learn about b.
        async with open_node(load_config(a.config_path), a.identity) as node_a:
            await node_a.connect(relay_dir.peer_id)
            with trio.fail_after(20):
                while b.peer_id not in _keys(a):  # noqa: ASYNC110 - polls a file
                    await trio.sleep(0.1)
            assert _keys(a)[b.peer_id]["group"] == group.group_id
            assert load_config(a.config_path).peer_id_for("bob") == b.peer_id


async def _send_introduction(sender: Node, recipient: Node, intro: Introduction) -> bytes:
    host = sender._require_host()
    await sender.connect(recipient.peer_id, recipient.status().listen_addresses)
    with trio.fail_after(10):
        stream = await host.new_stream(
            ID.from_base58(recipient.peer_id), [TProtocol(NOTIFY_PROTOCOL)]
        )  # type: ignore[attr-defined]
        await stream.write(encode_notify(intro))
        await stream.close_write()
        return await read_to_eof(stream, 1)


async def test_introductions_with_bad_proofs_or_from_other_peers_are_refused(
    tmp_path: Path,
) -> None:
    relay_dir = _relay_dir(tmp_path)
    member = _member_dir(tmp_path, "member")
    mallory = _member_dir(tmp_path, "mallory")
    victim = _member_dir(tmp_path, "victim")
    member.authorize(mallory)  # mallory may connect, but is not the relay
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        group = _pairing(relay).create_group(count=3, ttl=600, namespace=None)
        token = parse_pairing_code(group.codes[0]).token
        async with (
            open_node(load_config(member.config_path), member.identity) as node,
            open_node(load_config(mallory.config_path), mallory.identity) as evil,
        ):
            await _pairing(node).join(group.codes[0], "member")
            own = PeerId.parse(member.peer_id)
            intruder = PeerId.parse(victim.peer_id)
            good = intro_proof(member_key(token), group.group_id, intruder, own)
            bad_proof = Introduction(group.group_id, 2, ((Member(intruder, "x"), b"\x01" * 32),))
            assert await _send_introduction(relay, node, bad_proof) == b"\x00"
            # A valid proof for another group, or for another recipient, is no better.
            other_group = Introduction("deadbeef", 2, ((Member(intruder, "x"), good),))
            assert await _send_introduction(relay, node, other_group) == b"\x00"
            # The right proof, sent by a peer that is not the relay: an authorized peer is no
            # relay, so the admission table does not even let it open the protocol.
            right = Introduction(group.group_id, 2, ((Member(intruder, "x"), good),))
            with pytest.raises(Exception) as refused:
                await _send_introduction(evil, node, right)
            assert compat.is_protocol_refusal(refused.value)
            assert victim.peer_id not in _keys(member)
            # Only from the relay, with the right proof, is it accepted.
            assert await _send_introduction(relay, node, right) == b"\x01"
            assert _keys(member)[victim.peer_id]["group"] == group.group_id


async def test_malformed_codes_are_refused_before_any_dial(tmp_path: Path) -> None:
    m = _member_dir(tmp_path, "m")
    async with open_node(load_config(m.config_path), m.identity) as node:
        started = time.monotonic()
        with pytest.raises(InvalidCodeError):
            await _pairing(node).join("AQAA-AAAA", "m")
        assert time.monotonic() - started < 1


async def test_expires_ends_the_members_authorization_on_the_relay_at_once(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    relay_dir = _relay_dir(tmp_path)
    m = _member_dir(tmp_path, "m")
    clock = TrioWallClock()
    async with open_node(
        load_config(relay_dir.config_path), relay_dir.identity, clock=clock
    ) as relay:
        group = _pairing(relay).create_group(count=1, ttl=600, namespace=None, peer_ttl=60)
        async with (
            open_node(load_config(m.config_path), m.identity, clock=clock) as node,
            relay.subscribe() as events,
        ):
            await _pairing(node).join(group.codes[0], "m")
            expires = parse_expires(_keys(relay_dir)[m.peer_id]["expires"])
            assert 59 <= expires - clock() <= 61  # whole seconds
            assert relay.is_authorized(m.peer_id)
            assert m.peer_id in {p.peer_id for p in relay.paths()}
            seen = await _events_until(events, lambda e: isinstance(e, PeerExpired), limit=120)
            # At the expiry itself (a timer, not a poll).
            assert expires <= clock() <= expires + 0.5
            assert seen[-1] == PeerExpired(m.peer_id, None, expires)
            assert not relay.is_authorized(m.peer_id)
            with trio.fail_after(5):
                while m.peer_id in {p.peer_id for p in relay.paths()}:  # noqa: ASYNC110
                    await trio.sleep(0.1)
            # The line stays, flagged: the relay's lists show the member expired.
            assert "expires" in _keys(relay_dir)[m.peer_id]
            (info,) = [p for p in relay.peers() if p.peer_id == m.peer_id]
            assert (info.authorized, info.expired) == (False, True)
            (entry,) = [e for e in relay.auth_entries() if e.peer_id == m.peer_id]
            assert (entry.expired, entry.expires_at) == (True, expires)


async def _events_until(
    events: Subscription, done: Callable[[Event], bool], limit: float = 20
) -> list[Event]:
    """The events of ``events`` up to the first that ``done`` accepts (bounded in time)."""
    seen: list[Event] = []
    with trio.fail_after(limit):
        async for item in events:
            assert isinstance(item, Numbered), "no event may be lost here"
            seen.append(item.event)
            if done(item.event):
                return seen
    raise AssertionError(f"the events ended: {seen}")


async def test_a_join_publishes_its_steps_and_members_hear_of_introductions(
    tmp_path: Path,
) -> None:
    relay_dir = _relay_dir(tmp_path)
    a = _member_dir(tmp_path, "a")
    b = _member_dir(tmp_path, "b")
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        group = _pairing(relay).create_group(count=2, ttl=600, namespace=None)
        async with (
            open_node(load_config(a.config_path), a.identity) as node_a,
            open_node(load_config(b.config_path), b.identity) as node_b,
            node_a.subscribe() as a_events,
            node_b.subscribe() as b_events,
        ):
            await _pairing(node_a).join(group.codes[0], "alice")
            a_seen = await _events_until(
                a_events, lambda e: isinstance(e, JoinProgress) and e.step is JoinStep.DONE
            )
            steps = [e for e in a_seen if isinstance(e, JoinProgress)]
            assert [s.step for s in steps] == [
                JoinStep.CONNECTING,
                JoinStep.EXCHANGING_KEYS,
                JoinStep.CONFIRMING,
                JoinStep.DONE,
            ]
            assert {(s.via, s.peer_id) for s in steps} == {("relay-pairing", relay.peer_id)}
            assert len({s.join_id for s in steps}) == 1
            # The relay came from the code: the node uses it at once (it is in the config now).
            changed = [e for e in a_seen if isinstance(e, ConfigChanged)]
            assert any("relay.addresses" in c.keys for c in changed)
            assert not any(isinstance(e, PeersIntroduced) for e in a_seen)  # alone so far

            await _pairing(node_b).join(group.codes[1], "bob")
            b_seen = await _events_until(
                b_events, lambda e: isinstance(e, JoinProgress) and e.step is JoinStep.DONE
            )
            (joined,) = [e for e in b_seen if isinstance(e, PeersIntroduced)]
            assert (joined.group_id, joined.relay_peer_id) == (group.group_id, relay.peer_id)
            assert joined.peers == (IntroducedPeer(a.peer_id, "alice"),)
            # alice is connected to the relay: it introduces bob to her at once.
            a_seen = await _events_until(a_events, lambda e: isinstance(e, PeersIntroduced))
            introduced = a_seen[-1]
            assert isinstance(introduced, PeersIntroduced)
            assert introduced.group_id == group.group_id
            assert introduced.peers == (IntroducedPeer(b.peer_id, "bob"),)
            assert node_a.is_authorized(b.peer_id)
