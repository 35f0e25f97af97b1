"""Probation: unknown real peers admitted for one protocol while an invite is open, and no more."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path

import pytest
import trio
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app.core.config import load_config
from app.core.errors import PeerUnreachableError
from app.core.ids.names import service_protocol_id
from app.core.peers.admission import INVITE
from app.engine import compat
from app.engine.node import Node, open_node
from tests.helpers.nodes import make_node_dir

pytestmark = pytest.mark.trio

# A peer on probation may open only what the admission table opens to probation (the invite
# protocol): the tests answer it with an echo instead of the invite handshake.
PROBE = INVITE


async def _probe_echo(stream) -> None:  # type: ignore[no-untyped-def]
    data = await stream.read(64)
    await stream.write(data)
    await stream.close()


async def _open_raw(node: Node, peer: str, protocol: str) -> bytes:
    host = node._require_host()
    with trio.fail_after(15):
        stream = await host.new_stream(ID.from_base58(peer), [TProtocol(protocol)])  # type: ignore[attr-defined]
        await stream.write(b"hello")
        return bytes(await stream.read(64))


async def _failure(attempt: Awaitable[object]) -> BaseException:
    """What ``attempt`` raised; it must raise."""
    try:
        await attempt
    except Exception as exc:
        return exc
    raise AssertionError("it succeeded")


def _connected(node: Node, peer: str) -> bool:
    return any(p.peer_id == peer for p in node.paths())


async def test_probation_admits_one_protocol_then_disconnects(tmp_path: Path) -> None:
    inviter = make_node_dir(
        tmp_path,
        "inviter",
        services={"echo": "127.0.0.1:9"},
        extra="relay_service: {enabled: true}\n",
    )
    joiner = make_node_dir(tmp_path, "joiner")
    other = make_node_dir(tmp_path, "other")
    async with (
        open_node(load_config(inviter.config_path), inviter.identity) as inode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        open_node(load_config(other.config_path), other.identity) as onode,
    ):
        inode._require_host().set_stream_handler(TProtocol(PROBE), _probe_echo)  # type: ignore[attr-defined]
        addr = inode.status().listen_addresses[0]

        # No probation: refused right after Noise, like any stranger.
        with pytest.raises(PeerUnreachableError), trio.fail_after(30):
            await jnode.connect(inviter.peer_id, [addr])

        async with inode.gate.open_probation(protocols={PROBE}, limit=1) as probation:
            with trio.fail_after(30):
                await jnode.connect(inviter.peer_id, [addr])
            assert probation.peers.keys() == {joiner.peer_id}
            assert await _open_raw(jnode, inviter.peer_id, PROBE) == b"hello"
            # Everything else is refused: the ping line protocol, a service, libp2p ping,
            # identify, and the relay hop of this node (which relays for its authorized peers).
            for protocol in (
                inode.config.ping_protocol,
                service_protocol_id("echo"),
                "/ipfs/ping/1.0.0",
                "/ipfs/id/1.0.0",
                "/libp2p/circuit/relay/0.2.0/hop",
            ):
                refused = await _failure(_open_raw(jnode, inviter.peer_id, protocol))
                # Refused by the gate ("na": not offered to it), not broken or timed out.
                assert compat.is_protocol_refusal(refused), (protocol, refused)
            # The limit: a second stranger is refused while the first holds the only place.
            with pytest.raises(PeerUnreachableError), trio.fail_after(30):
                await onode.connect(inviter.peer_id, [addr])
            assert probation.refused_total >= 1
            assert _connected(inode, joiner.peer_id)

        # Closed: the joiner, never authorized, is disconnected at once.
        with trio.fail_after(10):
            while _connected(inode, joiner.peer_id):  # noqa: ASYNC110 - polls the node's paths
                await trio.sleep(0.05)
        with pytest.raises(PeerUnreachableError), trio.fail_after(30):
            await jnode.connect(inviter.peer_id, [addr])


async def test_peer_authorized_during_probation_stays(tmp_path: Path) -> None:
    inviter = make_node_dir(tmp_path, "inviter")
    joiner = make_node_dir(tmp_path, "joiner")
    joiner.authorize(inviter)
    async with (
        open_node(load_config(inviter.config_path), inviter.identity) as inode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
    ):
        addr = inode.status().listen_addresses[0]
        async with inode.gate.open_probation(protocols={PROBE}, limit=1):
            with trio.fail_after(30):
                await jnode.connect(inviter.peer_id, [addr])
            # The line ping is refused before authorization, allowed after it (same connection).
            first = [r async for r in jnode.ping(inviter.peer_id, count=1, interval=0)]
            assert first[0].rtt_ms is None
            inode.authorize(joiner.peer_id, "joiner")
            second = [r async for r in jnode.ping(inviter.peer_id, count=1, interval=0)]
            assert second[0].rtt_ms is not None
        await trio.sleep(0.5)
        assert _connected(inode, joiner.peer_id)
        third = [r async for r in jnode.ping(inviter.peer_id, count=1, interval=0)]
        assert third[0].rtt_ms is not None
