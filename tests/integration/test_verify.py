"""/peerup/verify/1.0.0 and the verified state between real nodes on loopback.

Covers: both humans confirm (both marked verified, both learn it); one rejects (both learn it,
nothing marked); a real middle node that relays the stream but swaps keys (SAS differ; changing
the revealed key is caught by the commitment); verified state survives a restart of the node;
a key change for a known name resets verification; a verified_only service refuses an
unverified peer with a clear error and admits it once verified.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
import trio
from libp2p.abc import INetStream
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app.core.config import load_config
from app.core.errors import VerificationError, VerifyUnsupportedError
from app.core.ids.peerid import PeerId
from app.core.pairing.verify import PROTOCOL_ID, Role, SendData, VerifySession
from app.core.peers.authkeys import AuthorizedKeysFile
from app.core.peers.trust import verified_value
from app.core.status import (
    AuthorizedKeysChanged,
    PeerKeyChanged,
    VerifyRequested,
    VerifySessionInfo,
    VerifyState,
    VerifyUpdated,
)
from app.engine.node import Node, open_node
from tests.helpers.nodes import NodeDir, exchange, make_node_dir, serve_echo

pytestmark = pytest.mark.trio


def _pair(tmp_path: Path, **server_kw: object) -> tuple[NodeDir, NodeDir]:
    a = make_node_dir(tmp_path, "alice", **server_kw)  # type: ignore[arg-type]
    b = make_node_dir(tmp_path, "bob")
    a.authorize(b)
    b.authorize(a)
    return a, b


async def _wait_request(node: Node) -> VerifySessionInfo:
    with trio.fail_after(20):
        while True:
            pending = [s for s in node.verify_sessions() if s.state is VerifyState.ASKING]
            if pending:
                return pending[0]
            await trio.sleep(0.02)


async def _final(node: Node, session_id: str) -> VerifySessionInfo:
    with trio.fail_after(20):
        while True:
            info = await node.wait_verify_change(session_id)
            if info.state in (VerifyState.VERIFIED, VerifyState.REJECTED, VerifyState.FAILED):
                return info


async def _run(a: Node, b: Node, answer_a: bool, answer_b: bool):
    started = await a.start_verify(b.peer_id)
    incoming = await _wait_request(b)
    assert started.sas is not None
    assert incoming.sas == started.sas  # both screens show the same emoji and digits
    assert started.fingerprint == incoming.fingerprint  # the Go peer-up's static code too
    await a.answer_verify(started.id, answer_a)
    await b.answer_verify(incoming.id, answer_b)
    return await _final(a, started.id), await _final(b, incoming.id)


async def test_verify_confirmed_and_rejected_both_sides_learn(tmp_path: Path) -> None:
    alice, bob = _pair(tmp_path)
    async with (
        open_node(load_config(alice.config_path), alice.identity) as a,
        open_node(load_config(bob.config_path), bob.identity) as b,
    ):
        await a.connect(bob.peer_id, [b.status().listen_addresses[0]])
        assert not a.is_verified(bob.peer_id)
        async with b.subscribe() as events:
            done_a, done_b = await _run(a, b, True, False)
            with trio.fail_after(5):
                async for item in events:
                    event = item.event
                    if isinstance(event, VerifyRequested):
                        break
        # Rejected on one side: both learn it, nobody is marked.
        assert done_a.state is done_b.state is VerifyState.REJECTED
        assert (done_a.local_match, done_a.peer_match) == (True, False)
        assert (done_b.local_match, done_b.peer_match) == (False, True)
        assert not a.is_verified(bob.peer_id)
        assert not b.is_verified(alice.peer_id)

        # Confirmed on both sides: both marked, with the Go-compatible value; alice's events
        # (the peer's answer arrives last there) never show a passing "rejected" first.
        async with a.subscribe() as a_events:
            done_a, done_b = await _run(a, b, True, True)
            with trio.fail_after(5):
                async for item in a_events:
                    update = item.event
                    if isinstance(update, VerifyUpdated) and update.session.state in (
                        VerifyState.VERIFIED,
                        VerifyState.REJECTED,
                        VerifyState.FAILED,
                    ):
                        assert update.session.state is VerifyState.VERIFIED
                        break
        assert done_a.state is done_b.state is VerifyState.VERIFIED
        assert a.is_verified(bob.peer_id)
        assert b.is_verified(alice.peer_id)
        line = (alice.path / "authorized_keys").read_text()
        assert f"verified={verified_value(alice.identity.peer_id, bob.identity.peer_id)}" in line
        assert all(p.verified for p in a.peers())
        assert all(p.verified for p in a.paths())
        assert all(e.verified for e in a.auth_entries())

        # Reset (peerup verify --reset) clears it.
        entry = a.set_verified(bob.peer_id, False)
        assert not entry.verified
        assert not a.is_verified(bob.peer_id)

    # A restart reads the state back from authorized_keys.
    async with open_node(load_config(bob.config_path), bob.identity) as b2:
        assert b2.is_verified(alice.peer_id)
        assert [p.verified for p in b2.peers()] == [True]


async def test_mitm_relay_node_cannot_make_sas_equal(tmp_path: Path) -> None:
    """A real middle node relays alice ↔ bob but runs its own key exchange with each."""
    alice = make_node_dir(tmp_path, "alice")
    bob = make_node_dir(tmp_path, "bob")
    mallory = make_node_dir(tmp_path, "mallory")
    for x, y in ((alice, mallory), (mallory, alice), (mallory, bob), (bob, mallory)):
        x.authorize(y)
    async with (
        open_node(load_config(alice.config_path), alice.identity) as a,
        open_node(load_config(bob.config_path), bob.identity) as b,
        open_node(load_config(mallory.config_path), mallory.identity) as m,
    ):
        b_addr = b.status().listen_addresses[0]
        await m.connect(bob.peer_id, [b_addr])
        await a.connect(mallory.peer_id, [m.status().listen_addresses[0]])
        host = m._host
        results: dict[str, object] = {}

        async def relay(in_stream: INetStream) -> None:
            # Mallory plays bob towards alice and alice towards bob, with her own keys, and
            # claims alice's and bob's IDs in the SAS input (the strongest impersonation).
            towards_alice = VerifySession(
                Role.RESPONDER,
                own_id=bob.identity.peer_id.raw,
                peer_id=alice.identity.peer_id.raw,
                now=0,
            )
            towards_bob = VerifySession(
                Role.INITIATOR,
                own_id=alice.identity.peer_id.raw,
                peer_id=bob.identity.peer_id.raw,
                now=0,
            )
            out = await host.new_stream(ID.from_base58(bob.peer_id), [TProtocol(PROTOCOL_ID)])  # type: ignore[attr-defined]

            async def pump(src: INetStream, dst: INetStream, machine: VerifySession) -> None:
                while not machine.finished and machine.sas is None:
                    data = await src.read(4096)
                    if not data:
                        return
                    for e in machine.receive_data(data, now=1):
                        if isinstance(e, SendData):
                            await dst.write(e.data)

            for e in towards_bob.start():
                if isinstance(e, SendData):
                    await out.write(e.data)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(pump, in_stream, in_stream, towards_alice)
                nursery.start_soon(pump, out, out, towards_bob)
            results["alice_leg"] = towards_alice.sas
            results["bob_leg"] = towards_bob.sas
            await trio.sleep(2)

        host.set_stream_handler(TProtocol(PROTOCOL_ID), relay)  # type: ignore[attr-defined]
        started = await a.start_verify(mallory.peer_id)
        incoming = await _wait_request(b)
        assert started.sas is not None
        assert incoming.sas is not None
        assert started.sas != incoming.sas  # the humans see different strings: MITM detected
        assert results["alice_leg"] is not None

        # Now mallory changes the revealed key on the way to bob: the commitment catches it.
        async def tamper(in_stream: INetStream) -> None:
            out = await host.new_stream(ID.from_base58(bob.peer_id), [TProtocol(PROTOCOL_ID)])  # type: ignore[attr-defined]
            count = {"to_bob": 0}

            async def forward(src: INetStream, dst: INetStream, flip: bool) -> None:
                buffer = b""
                while True:
                    try:
                        data = await src.read(4096)
                    except Exception:
                        return
                    if not data:
                        return
                    buffer += data
                    while len(buffer) >= 2 and len(buffer) >= 2 + int.from_bytes(buffer[:2], "big"):
                        size = 2 + int.from_bytes(buffer[:2], "big")
                        frame, buffer = bytearray(buffer[:size]), buffer[size:]
                        if flip:
                            count["to_bob"] += 1
                            if frame[2] == 5:  # REVEAL: swap a byte of the X25519 key
                                frame[3] ^= 0x55
                        await dst.write(bytes(frame))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(forward, in_stream, out, True)
                nursery.start_soon(forward, out, in_stream, False)

        host.set_stream_handler(TProtocol(PROTOCOL_ID), tamper)  # type: ignore[attr-defined]
        # Alice asks mallory; bob's side detects the changed key (alice's side sees the abort).
        async with b.subscribe() as events:
            with contextlib.suppress(VerificationError), trio.fail_after(20):
                await a.start_verify(mallory.peer_id)  # may see the abort, or an unequal SAS
            with trio.fail_after(20):
                async for item in events:
                    event = item.event
                    if (
                        isinstance(event, VerifyUpdated)
                        and event.session.error_reason == "tampered"
                    ):
                        break
        tampered = [s for s in b.verify_sessions() if s.error_reason == "tampered"]
        assert tampered
        assert not b.is_verified(alice.peer_id)


async def test_unsupported_peer_gives_a_clear_error(tmp_path: Path) -> None:
    alice, bob = _pair(tmp_path)
    async with (
        open_node(load_config(alice.config_path), alice.identity) as a,
        open_node(load_config(bob.config_path), bob.identity) as b,
    ):
        await a.connect(bob.peer_id, [b.status().listen_addresses[0]])
        b._host.get_mux().remove_handler(TProtocol(PROTOCOL_ID))  # type: ignore[attr-defined]
        with pytest.raises(VerifyUnsupportedError), trio.fail_after(20):
            await a.start_verify(bob.peer_id)


async def test_key_change_resets_verification(tmp_path: Path) -> None:
    alice, bob = _pair(tmp_path)
    keys = AuthorizedKeysFile(alice.path / "authorized_keys")
    keys.set_attr(
        bob.identity.peer_id,
        "verified",
        verified_value(alice.identity.peer_id, bob.identity.peer_id),
    )
    async with open_node(load_config(alice.config_path), alice.identity) as a:
        assert a.is_verified(bob.peer_id)
        new_bob = PeerId.from_ed25519_public_key(os.urandom(32))
        async with a.subscribe() as events:
            # "bob" (the comment on the old line) now names another key.
            entry = a.authorize(str(new_bob), "bob")
            assert not entry.verified
            assert entry.warning is not None
            assert "bob" in entry.warning
            assert "UNVERIFIED" in entry.warning
            with trio.fail_after(5):
                async for item in events:
                    event = item.event
                    if isinstance(event, PeerKeyChanged):
                        assert event.change.new_peer_id == str(new_bob)
                        assert event.change.old_was_verified
                        break
        assert any(c.new_peer_id == str(new_bob) for c in a.status().key_changes)
        # Copying the old line's verified= to the new key does not make it verified.
        old_value = verified_value(alice.identity.peer_id, bob.identity.peer_id)
        async with a.subscribe() as events:
            keys.set_attr(new_bob, "verified", old_value)
            with trio.fail_after(5):
                async for item in events:
                    event = item.event
                    if isinstance(event, AuthorizedKeysChanged):
                        break
        entry = a.peerbook.entry(str(new_bob))
        assert entry is not None
        assert entry.verified == old_value  # the copied line is loaded
        assert not a.is_verified(str(new_bob))  # but it does not count


async def test_verified_only_service(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        alice, bob = _pair(tmp_path, extra="")
        cfg = alice.config_path.read_text() + (
            f"services:\n  echo: {{local_address: '127.0.0.1:{echo_port}', verified_only: true}}\n"
        )
        alice.config_path.write_text(cfg)
        async with (
            open_node(load_config(alice.config_path), alice.identity) as a,
            open_node(load_config(bob.config_path), bob.identity) as b,
        ):
            assert a.services()[0].verified_only
            await b.connect(alice.peer_id, [a.status().listen_addresses[0]])
            fwd = await b.open_forward(alice.peer_id, "echo", "127.0.0.1:0")
            port = int(fwd.listen_address.rsplit(":", 1)[1])
            with trio.fail_after(20):
                assert await exchange(port, b"hello") == b""
                while not b.forwards()[0].last_error:  # noqa: ASYNC110 - polled state, no event
                    await trio.sleep(0.05)
            error = b.forwards()[0].last_error or ""
            assert "verified peers only" in error
            assert "peerup verify" in error
            assert b.forwards()[0].last_error_code == "not-verified"

            # Verify both ways, then the same forward works.
            started = await b.start_verify(alice.peer_id)
            incoming = await _wait_request(a)
            await b.answer_verify(started.id, True)
            await a.answer_verify(incoming.id, True)
            await _final(a, incoming.id)
            with trio.fail_after(20):
                assert await exchange(port, b"hello") == b"hello"
        nursery.cancel_scope.cancel()


async def test_crossed_starts_keep_one_run(tmp_path: Path) -> None:
    """Both people type `peerup verify` at once: the lower peer ID's run survives on both ends."""
    alice, bob = _pair(tmp_path)
    async with (
        open_node(load_config(alice.config_path), alice.identity) as a,
        open_node(load_config(bob.config_path), bob.identity) as b,
    ):
        await a.connect(bob.peer_id, [b.status().listen_addresses[0]])
        low, high = sorted((a, b), key=lambda n: PeerId.parse(n.peer_id).raw)
        outcome: dict[str, object] = {}

        async def start(name: str, node: Node, other: Node) -> None:
            try:
                outcome[name] = await node.start_verify(other.peer_id)
            except VerificationError as exc:
                outcome[name] = exc

        with trio.fail_after(20):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(start, "low", low, high)
                nursery.start_soon(start, "high", high, low)
        assert isinstance(outcome["low"], VerifySessionInfo)
        assert isinstance(outcome["high"], VerificationError)
        waiting = await _wait_request(high)  # what the high side's CLI answers instead
        assert waiting.sas == outcome["low"].sas
