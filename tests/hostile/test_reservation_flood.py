"""A flood of reservations whose source IP the relay cannot know shares one per-IP bucket.

A relay caps reservations per IP. A peer that comes through another relay has no IP the relay
can see (the address it sees is the other relay's), and such reservations skipped the cap: any
number of peers behind one relay could fill every slot. They now count in one bucket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import multiaddr
import pytest
import trio
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo
from libp2p.relay.circuit_v2.pb.circuit_pb2 import HopMessage
from libp2p.relay.circuit_v2.utils import read_delimited_msg, write_delimited_msg

from app.core.config import load_config
from app.engine.node import open_node
from app.engine.relay import HOP_PROTOCOL, OK, RESOURCE_LIMIT_EXCEEDED
from tests.helpers.nodes import NodeDir, free_port, make_node_dir
from tests.hostile.rawpeers import (
    authorize_raw,
    dial_through_relay,
    noise_host,
    running,
    serves_a_friend,
)

pytestmark = pytest.mark.trio

PER_IP = 2


async def _reserve(host: Any, relay: str) -> int:
    """Ask ``relay`` for a reservation over the connection ``host`` has; the status code."""
    with trio.fail_after(20):
        stream = await host.new_stream(ID.from_base58(relay), [HOP_PROTOCOL])
        await write_delimited_msg(stream, HopMessage(type=HopMessage.RESERVE))
        reply = await read_delimited_msg(stream, HopMessage)
    assert reply.type == HopMessage.STATUS
    return int(reply.status)


def _relay_dir(root: Path, name: str, extra: str) -> tuple[NodeDir, str]:
    port = free_port()
    node = make_node_dir(root, name, listen=f"/ip4/127.0.0.1/tcp/{port}", extra=extra)
    return node, f"/ip4/127.0.0.1/tcp/{port}/p2p/{node.peer_id}"


async def test_reservations_through_another_relay_share_one_bucket(tmp_path: Path) -> None:
    other_dir, other_addr = _relay_dir(tmp_path, "other", "relay_service: {enabled: true}\n")
    hop_dir, hop_addr = _relay_dir(
        tmp_path,
        "hop",
        f"relay_service: {{enabled: true, max_reservations_per_ip: {PER_IP}}}\n"
        f"relay: {{addresses: ['{other_addr}']}}\n",
    )
    other_dir.authorize(hop_dir)
    flood = [noise_host() for _ in range(3 * PER_IP)]
    direct = noise_host()
    authorize_raw(other_dir, *flood)
    authorize_raw(hop_dir, *flood, direct)
    async with (
        open_node(load_config(other_dir.config_path), other_dir.identity),
        open_node(load_config(hop_dir.config_path), hop_dir.identity) as hop,
        running(*flood, listen=False),  # nobody can reach them but through the other relay
        running(direct),
    ):
        with trio.fail_after(20):
            while not hop.status().circuit_addresses:  # noqa: ASYNC110 - polls the status
                await trio.sleep(0.1)
        statuses = []
        for host in flood:
            await dial_through_relay(host, other_addr, hop_dir.peer_id)
            statuses.append(await _reserve(host, hop_dir.peer_id))
        assert statuses == [OK] * PER_IP + [RESOURCE_LIMIT_EXCEEDED] * (len(flood) - PER_IP)
        stats = hop.relay_statistics()
        assert (stats["reservations"], stats["reservations_refused"]) == (
            PER_IP,
            len(flood) - PER_IP,
        )
        # A peer with an IP of its own is not in that bucket: it still gets a reservation.
        with trio.fail_after(20):
            await direct.connect(
                PeerInfo(ID.from_base58(hop_dir.peer_id), [multiaddr.Multiaddr(hop_addr)])
            )
        assert await _reserve(direct, hop_dir.peer_id) == OK
        await serves_a_friend(hop, hop_dir, tmp_path)
