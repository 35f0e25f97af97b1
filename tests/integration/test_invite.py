"""Invites between real nodes on loopback, directly and through a real relay node."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

import pytest
import trio
from trio.testing import MockClock

from app.core.codes.invitecode import parse_invite_code
from app.core.config import load_config
from app.core.errors import PairingError
from app.core.pairing.invite import InviteProgress
from app.core.peers.authkeys import AuthorizedKeysFile
from app.engine.node import Node, open_node
from tests.helpers.clock import TrioWallClock
from tests.helpers.nodes import make_node_dir

pytestmark = pytest.mark.trio


async def _next(invite, kinds: set[str]) -> InviteProgress:  # type: ignore[no-untyped-def]
    with trio.fail_after(40):
        async for progress in invite.receive:
            if progress.kind in kinds:
                return progress
    raise AssertionError("the invite stream ended")


def _auth(node_dir) -> dict[str, str]:  # type: ignore[no-untyped-def]
    entries = AuthorizedKeysFile(node_dir.path / "authorized_keys").load()
    return {str(e.peer_id): e.comment for e in entries}


async def _join_ok(jnode: Node, text: str, name: str):  # type: ignore[no-untyped-def]
    with trio.fail_after(40):
        return await jnode.join_invite(text, name=name)


async def test_invite_and_join_directly(tmp_path: Path) -> None:
    inviter = make_node_dir(tmp_path, "inviter", services={"ssh": "127.0.0.1:22"})
    joiner = make_node_dir(tmp_path, "joiner")
    async with (
        open_node(load_config(inviter.config_path), inviter.identity) as inode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        inode.open_invite(name="home", ttl=60) as invite,
    ):
        first = await _next(invite, {"code"})
        assert first.code is not None
        assert first.link == "peerup://join/" + first.code
        code = parse_invite_code(first.code)
        assert code.inviter.raw == inode.identity.peer_id.raw
        result = await _join_ok(jnode, first.link, "laptop")
        joined = await _next(invite, {"joined"})
        # Same SAS on both screens; names and keys written on both sides.
        assert joined.sas == result.sas
        assert joined.peer_id == joiner.peer_id
        assert joined.name == "laptop"
        assert result.peer_id == inviter.peer_id
        assert result.name == "home"
        assert result.services == ("ssh",)
        assert _auth(inviter)[joiner.peer_id] == "laptop"
        assert _auth(joiner)[inviter.peer_id] == "home"
        assert dict(load_config(inviter.config_path).names)["laptop"] == joiner.peer_id
        assert dict(load_config(joiner.config_path).names)["home"] == inviter.peer_id
        # Unverified until the humans confirm; the confirming side marks only its own file.
        assert not any(e.verified for e in inode.auth_entries())
        inode.confirm_invite_sas(joiner.peer_id)
        assert [bool(e.verified) for e in inode.auth_entries()] == [True]
        assert not any(e.verified for e in jnode.auth_entries())
        # Now mutually authorized: the line ping works both ways.
        pings = [r async for r in jnode.ping(inviter.peer_id, count=1, interval=0)]
        assert pings[0].rtt_ms is not None
        # Single use: the same code again fails (the inviter says nothing more).
        with pytest.raises(PairingError) as err, trio.fail_after(40):
            await jnode.join_invite(first.code, name="again")
        assert err.value.reason in ("wrong-code", "unreachable")


async def _open_pair(tmp_path: Path):  # type: ignore[no-untyped-def]
    inviter = make_node_dir(tmp_path, "inviter")
    joiner = make_node_dir(tmp_path, "joiner")
    return inviter, joiner


async def test_wrong_code_burns_after_three(tmp_path: Path) -> None:
    inviter, joiner = await _open_pair(tmp_path)
    async with (
        open_node(load_config(inviter.config_path), inviter.identity) as inode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        inode.open_invite(name="home", ttl=60) as invite,
    ):
        first = await _next(invite, {"code"})
        code = parse_invite_code(first.code or "")
        wrong = replace(code, password=bytes(10))
        messages = set()
        for attempt in (1, 2, 3):
            with pytest.raises(PairingError) as err, trio.fail_after(40):
                await jnode.join_invite(wrong.text(), name="mallory")
            assert err.value.reason == "wrong-code"
            messages.add(str(err.value))
            progress = await _next(invite, {"attempt-failed", "burned"})
            assert progress.failures == attempt
        assert progress.kind == "burned"
        assert len(messages) == 1  # the same words for every failure
        # Burned: even the right code fails now, and nothing was written.
        with pytest.raises(PairingError), trio.fail_after(40):
            await jnode.join_invite(first.code or "", name="late")
        assert joiner.peer_id not in _auth(inviter)
        assert inviter.peer_id not in _auth(joiner)


async def test_expired_code(tmp_path: Path, autojump_clock: MockClock) -> None:
    inviter, joiner = await _open_pair(tmp_path)
    inviter_clock, joiner_clock = TrioWallClock(), TrioWallClock()
    async with (
        open_node(load_config(inviter.config_path), inviter.identity, clock=inviter_clock) as inode,
        open_node(load_config(joiner.config_path), joiner.identity, clock=joiner_clock) as jnode,
    ):
        async with inode.open_invite(name="home", ttl=60) as invite:
            first = await _next(invite, {"code"})
            opened = trio.current_time()
            # The joiner's clock says it is past the expiry: refused without dialling.
            joiner_clock.advance(61)
            with pytest.raises(PairingError) as err:
                await jnode.join_invite(first.code or "")
            assert err.value.reason == "expired"
            # The inviter expires it at its TTL, on its own clock, and says so.
            await trio.sleep(30)
            await _next(invite, {"expired"})
            assert 59 <= trio.current_time() - opened <= 60  # expires_at has whole seconds
            # A joiner whose clock is behind still tries; the inviter refuses.
            joiner_clock.advance(-120)
            with pytest.raises(PairingError) as err, trio.fail_after(40):
                await jnode.join_invite(first.code or "")
            assert err.value.reason == "wrong-code"
        assert joiner.peer_id not in _auth(inviter)


async def test_invite_through_relay(tmp_path: Path) -> None:
    # A public relay: it relays for anyone (its gate is off), like a community relay.
    relay_dir = make_node_dir(
        tmp_path,
        "relay",
        extra="relay_service: {enabled: true}\n",
    )
    text = relay_dir.config_path.read_text().replace(
        "enable_connection_gating: true", "enable_connection_gating: false"
    )
    relay_dir.config_path.write_text(text)
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = f"{relay.status().listen_addresses[0]}"
        extra = f"relay: {{addresses: ['{relay_addr}']}}\n"
        inviter = make_node_dir(tmp_path, "inviter", extra=extra, hole_punching=False)
        joiner = make_node_dir(tmp_path, "joiner", hole_punching=False)
        async with (
            open_node(load_config(inviter.config_path), inviter.identity) as inode,
            open_node(load_config(joiner.config_path), joiner.identity) as jnode,
            inode.open_invite(name="home", ttl=60) as invite,
        ):
            first = await _next(invite, {"code"})
            code = parse_invite_code(first.code or "")
            assert code.relay_addresses, code.addresses
            assert relay.peer_id in code.relay_addresses[0]
            # Keep only the relay in the code: the joiner must go through it.
            relay_only = replace(code, addresses=code.relay_addresses)
            result = await _join_ok(jnode, relay_only.text(), "laptop")
            joined = await _next(invite, {"joined"})
            assert joined.sas == result.sas
            paths = {p.peer_id: p for p in jnode.paths()}
            assert "/p2p-circuit" in paths[inviter.peer_id].address
            assert _auth(inviter)[joiner.peer_id] == "laptop"


def _ungated(node_dir) -> None:  # type: ignore[no-untyped-def]
    text = node_dir.config_path.read_text().replace(
        "enable_connection_gating: true", "enable_connection_gating: false"
    )
    node_dir.config_path.write_text(text)


@pytest.mark.parametrize("alter", [None, "reply", "hello"])
async def test_man_in_the_middle_node_fails_the_handshake(
    tmp_path: Path, alter: str | None
) -> None:
    """Mallory copied the code and sits between the two: a real node relaying the streams."""
    from libp2p.custom_types import TProtocol
    from libp2p.peer.id import ID

    from app.core.pairing.invite import PROTOCOL_ID

    inviter, joiner = await _open_pair(tmp_path)
    mallory = make_node_dir(tmp_path, "mallory")
    _ungated(mallory)
    async with (
        open_node(load_config(inviter.config_path), inviter.identity) as inode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        open_node(load_config(mallory.config_path), mallory.identity) as mnode,
        inode.open_invite(name="home", ttl=60) as invite,
        trio.open_nursery() as nursery,
    ):
        first = await _next(invite, {"code"})
        code = parse_invite_code(first.code or "")
        await mnode.connect(inviter.peer_id, list(code.direct_addresses))
        forwarded: list[bytes] = []

        async def relay(stream) -> None:  # type: ignore[no-untyped-def]
            host = mnode._require_host()
            target = ID.from_base58(inviter.peer_id)
            upstream = await host.new_stream(target, [TProtocol(PROTOCOL_ID)])  # type: ignore[attr-defined]

            async def pump(src, dst, direction: str) -> None:  # type: ignore[no-untyped-def]
                first_chunk = True
                while data := await src.read(8192):
                    if first_chunk and alter == direction:
                        data = data[:20] + bytes([data[20] ^ 0x40]) + data[21:]
                    first_chunk = False
                    forwarded.append(bytes(data))
                    await dst.write(data)

            try:
                async with trio.open_nursery() as pumps:
                    pumps.start_soon(pump, stream, upstream, "hello")
                    pumps.start_soon(pump, upstream, stream, "reply")
            except Exception:  # either side resets: the attack is over
                pass
            finally:
                for s in (stream, upstream):
                    with contextlib.suppress(Exception):
                        await s.reset()

        mnode._require_host().set_stream_handler(TProtocol(PROTOCOL_ID), relay)  # type: ignore[attr-defined]
        forged = replace(
            code,
            inviter=mallory.identity.peer_id,
            addresses=tuple(mnode.status().listen_addresses[:1]),
        )
        with pytest.raises(PairingError) as err, trio.fail_after(40):
            await jnode.join_invite(forged.text(), name="laptop")
        assert err.value.reason in ("wrong-code", "tampered")
        assert forwarded  # Mallory did relay the handshake
        failed = await _next(invite, {"attempt-failed", "joined"})
        assert failed.kind == "attempt-failed"
        # Nobody was added anywhere.
        assert joiner.peer_id not in _auth(inviter)
        assert mallory.peer_id not in _auth(inviter)
        assert not _auth(joiner)
        nursery.cancel_scope.cancel()


async def test_code_naming_the_inviter_cannot_be_redirected(tmp_path: Path) -> None:
    """Addresses in a code can be swapped, but Noise checks the inviter's ID: no connection."""
    inviter, joiner = await _open_pair(tmp_path)
    other = make_node_dir(tmp_path, "other")
    _ungated(other)
    async with (
        open_node(load_config(inviter.config_path), inviter.identity) as inode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        open_node(load_config(other.config_path), other.identity) as onode,
        inode.open_invite(name="home", ttl=60) as invite,
    ):
        first = await _next(invite, {"code"})
        code = parse_invite_code(first.code or "")
        redirected = replace(code, addresses=tuple(onode.status().listen_addresses[:1]))
        with pytest.raises(PairingError) as err, trio.fail_after(40):
            await jnode.join_invite(redirected.text())
        assert err.value.reason == "unreachable"


async def test_short_lan_code_found_by_mdns(tmp_path: Path) -> None:
    """The inviter advertises the short code's number by mDNS; the joiner types 7-word-word-word."""
    inviter, joiner = await _open_pair(tmp_path)
    async with (
        open_node(load_config(inviter.config_path), inviter.identity) as inode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        inode.open_invite(name="home", ttl=60, lan=True) as invite,
    ):
        first = await _next(invite, {"code"})
        assert first.short_code is not None
        number, *words = first.short_code.split("-")
        assert 1 <= int(number) <= 999
        assert len(words) == 3
        # A wrong word costs an attempt like a wrong long code.
        wrong = (
            f"{number}-{words[0]}-{words[1]}-{'aardvark' if words[2] != 'aardvark' else 'absurd'}"
        )
        with pytest.raises(PairingError) as err, trio.fail_after(40):
            await jnode.join_invite(wrong, name="laptop")
        assert err.value.reason == "wrong-code"
        assert (await _next(invite, {"attempt-failed"})).failures == 1
        result = await _join_ok(jnode, first.short_code.upper().replace("-", " "), "laptop")
        joined = await _next(invite, {"joined"})
        assert joined.sas == result.sas
        assert _auth(inviter)[joiner.peer_id] == "laptop"
        # A number nobody advertises.
        with pytest.raises(PairingError) as err, trio.fail_after(40):
            await jnode.join_invite(f"{int(number) % 999 + 1}-{'-'.join(words)}")
        assert err.value.reason == "not-found"
