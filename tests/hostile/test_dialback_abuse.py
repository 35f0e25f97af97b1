"""Dial-back abuse: a relay's /peerup/dialback/1.0.0 must not dial for just anyone, or often.

The relay dials back the addresses a requester lists, on the IP it sees the request come from.
For a requester that comes through another relay that IP is the other relay's: the relay would
dial (up to 8 ports of) a host nobody asked about. And each request costs up to 8 connections:
requests are rate-limited per peer and in total.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import multiaddr
import pytest
import trio
from libp2p.custom_types import TProtocol
from libp2p.network.stream.exceptions import StreamReset
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo

from app.core.config import load_config
from app.core.reach import dialback
from app.engine import compat
from app.engine.node import Node, open_node
from app.engine.relay import (
    DIALBACK_PEER_BURST,
    DIALBACK_TOTAL_BURST,
    DIALBACK_TOTAL_RATE,
)
from app.engine.splice import read_to_eof
from tests.helpers.nodes import NodeDir, free_port, make_node_dir
from tests.hostile.rawpeers import (
    CountingPort,
    authorize_raw,
    dial_through_relay,
    noise_host,
    running,
    serves_a_friend,
)

pytestmark = pytest.mark.trio


async def _ask_dialback(host: Any, relay: str, addrs: list[str]) -> list[str] | None:
    """Send a dial-back request to ``relay``; its answer, or None when it refused (a reset).

    The reset may come before the protocol negotiation finished on our side: py-libp2p then
    raises its negotiation error, caused by the reset.
    """
    try:
        with trio.fail_after(30):
            stream = await host.new_stream(ID.from_base58(relay), [TProtocol(dialback.PROTOCOL_ID)])
            await stream.write(dialback.encode_request(addrs))
            await stream.close_write()
            reply = await read_to_eof(stream, dialback.MAX_MESSAGE)
    except Exception as exc:
        if any(isinstance(c, StreamReset) for c in compat.causes(exc)):
            return None
        raise
    if not reply:  # the reset arrived as the end of the stream: no answer either
        return None
    return dialback.decode_response(reply).reachable


def _relay_dir(root: Path, name: str, extra: str = "") -> tuple[NodeDir, str]:
    """A relay's directory on a fixed port, and its full address."""
    port = free_port()
    node = make_node_dir(
        root, name, listen=f"/ip4/127.0.0.1/tcp/{port}",
        extra="relay_service: {enabled: true}\n" + extra,
    )  # fmt: skip
    return node, f"/ip4/127.0.0.1/tcp/{port}/p2p/{node.peer_id}"


async def _connect_raw(host: Any, node: Node, node_dir: NodeDir) -> None:
    """Connect a raw peer to ``node`` directly."""
    addr = multiaddr.Multiaddr(node.status().listen_addresses[0].split("/p2p/")[0])
    with trio.fail_after(20):
        await host.connect(PeerInfo(ID.from_base58(node_dir.peer_id), [addr]))


async def test_a_requester_that_comes_through_a_relay_is_refused(tmp_path: Path) -> None:
    """Through another relay, the IP the relay sees is that relay's: nothing is dialled."""
    other_dir, other_addr = _relay_dir(tmp_path, "other-relay")
    relay_dir, _ = _relay_dir(tmp_path, "relay", extra=f"relay: {{addresses: ['{other_addr}']}}\n")
    other_dir.authorize(relay_dir)
    attacker = noise_host()
    authorize_raw(other_dir, attacker)
    authorize_raw(relay_dir, attacker)
    port = CountingPort()
    async with (
        trio.open_nursery() as nursery,
        open_node(load_config(other_dir.config_path), other_dir.identity),
        open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay,
        running(attacker, listen=False),  # so the relay cannot reach it directly
    ):
        await nursery.start(port.run)
        with trio.fail_after(20):
            while not relay.status().circuit_addresses:  # noqa: ASYNC110 - polls the status
                await trio.sleep(0.1)
        await dial_through_relay(attacker, other_addr, relay_dir.peer_id)
        # The other relay's port stands for any host on its IP: the relay must not dial it.
        assert await _ask_dialback(attacker, relay_dir.peer_id, [port.address]) is None
        await trio.sleep(0.5)
        assert port.accepted == 0
        assert relay.relay_statistics()["dialbacks_refused"] == 1
        await serves_a_friend(relay, relay_dir, tmp_path)
        nursery.cancel_scope.cancel()


async def test_a_flood_of_requests_is_rate_limited(tmp_path: Path) -> None:
    """One peer gets a few dial-backs, then resets; many peers together get a bounded number."""
    relay_dir, _ = _relay_dir(tmp_path, "relay")
    flooder = noise_host()
    crowd = [noise_host() for _ in range(10)]
    authorize_raw(relay_dir, flooder, *crowd)
    port = CountingPort()
    async with (
        trio.open_nursery() as nursery,
        open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay,
        running(flooder, *crowd),
    ):
        await nursery.start(port.run)
        # A direct requester is served: the relay dials its port (no libp2p there: not reachable).
        await _connect_raw(flooder, relay, relay_dir)
        answers = [
            await _ask_dialback(flooder, relay_dir.peer_id, [port.address]) for _ in range(12)
        ]
        assert answers[:DIALBACK_PEER_BURST] == [[]] * DIALBACK_PEER_BURST
        assert answers[DIALBACK_PEER_BURST:] == [None] * (12 - DIALBACK_PEER_BURST)
        assert port.accepted == DIALBACK_PEER_BURST

        # Ten peers, four requests each, all at once: the relay's total is bounded too.
        start = trio.current_time()
        served: list[bool] = []

        async def ask(host: Any) -> None:
            served.append(await _ask_dialback(host, relay_dir.peer_id, [port.address]) is not None)

        async with trio.open_nursery() as askers:
            for host in crowd:
                await _connect_raw(host, relay, relay_dir)
            for host in crowd:
                for _ in range(DIALBACK_PEER_BURST):
                    askers.start_soon(ask, host)
        elapsed = trio.current_time() - start
        total = len(crowd) * DIALBACK_PEER_BURST
        assert len(served) == total
        bound = DIALBACK_TOTAL_BURST - DIALBACK_PEER_BURST + elapsed * DIALBACK_TOTAL_RATE + 1
        assert 0 < served.count(True) <= bound, (served.count(True), elapsed)
        stats = relay.relay_statistics()
        assert stats["dialbacks_refused"] == (12 - DIALBACK_PEER_BURST) + served.count(False)
        assert port.accepted == DIALBACK_PEER_BURST + served.count(True)
        await serves_a_friend(relay, relay_dir, tmp_path)
        nursery.cancel_scope.cancel()
