"""Attackers for the hostile tests: bare py-libp2p hosts driven by scripts, and a counting port.

A raw peer speaks Noise and yamux like any libp2p peer but runs none of peer-up's engine: the
test decides every stream it opens and every byte it sends, as an attacker's script would.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import multiaddr
import trio
from libp2p.peer.id import ID

from app.core.config import load_config
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import AuthorizedKeysFile
from app.engine.node import Node, open_node
from app.engine.relayclient import RelayClient
from tests.helpers.nodes import NodeDir, make_node_dir
from tests.unit.engine.compat.hosts import LOOPBACK, noise_host

__all__ = [
    "CountingPort",
    "authorize_raw",
    "dial_through_relay",
    "noise_host",
    "running",
    "serves_a_friend",
]


@asynccontextmanager
async def running(*hosts: Any, listen: bool = True) -> AsyncIterator[None]:
    """Run raw peers for the block; ``listen=False``: they only dial (nobody can dial them)."""
    async with contextlib.AsyncExitStack() as stack:
        for host in hosts:
            await stack.enter_async_context(host.run(LOOPBACK if listen else []))
        yield


def authorize_raw(node: NodeDir, *hosts: Any) -> None:
    """Add raw peers to ``node``'s authorized_keys (paired peers can be hostile too)."""
    keys = AuthorizedKeysFile(node.path / "authorized_keys")
    for host in hosts:
        keys.add(PeerId.parse(host.get_id().to_base58()), "raw")


async def dial_through_relay(host: Any, relay_addr: str, target: str) -> None:
    """Connect ``host`` to ``target`` through the relay at ``relay_addr`` (…/p2p/<relay>)."""
    addr = multiaddr.Multiaddr(relay_addr)
    relay_id = ID.from_base58(addr.value_for_protocol("p2p"))
    base = addr.decapsulate(multiaddr.Multiaddr(f"/p2p/{relay_id}"))
    with trio.fail_after(20):
        await RelayClient(host, []).dial(base, relay_id, ID.from_base58(target))


class CountingPort:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts and closes them."""

    def __init__(self) -> None:
        self.accepted = 0
        self.port = 0

    @property
    def address(self) -> str:
        """Its multiaddr, as a dial-back request names it."""
        return f"/ip4/127.0.0.1/tcp/{self.port}"

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Accept until cancelled."""

        async def handle(stream: trio.SocketStream) -> None:
            self.accepted += 1
            await stream.aclose()

        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        self.port = listeners[0].socket.getsockname()[1]
        task_status.started()
        await trio.serve_listeners(handle, listeners)


async def serves_a_friend(node: Node, node_dir: NodeDir, root: Any, name: str = "friend") -> None:
    """Assert that ``node`` still serves an authorized peer: a new one connects and pings it."""
    friend = make_node_dir(root, name)
    friend.authorize(node_dir)
    node.peerbook.authorize(friend.peer_id, comment=name)  # as `peerup auth add` does
    async with open_node(load_config(friend.config_path), friend.identity) as fnode:
        with trio.fail_after(30):
            await fnode.connect(node_dir.peer_id, [node.status().listen_addresses[0]])
            results = [r async for r in fnode.ping(node_dir.peer_id, count=1, interval=0)]
        assert [r.error for r in results] == [None], results
