"""Many short forwarded connections leave nothing behind (the soak's findings 4 and 6).

Each forwarded connection is a yamux stream and, on the server, a TCP connection to the service:
after a thousand of them the resource managers' counters are back to their baseline (a leaked
connection slot or stream slot ratchets a node towards "Connection denied by resource manager")
and the process's memory, once the heap is trimmed as the node does every 10 s, has not grown.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.engine import memtrim
from app.engine.node import Node, open_node
from tests.helpers.nodes import exchange, make_node_dir, serve_echo

pytestmark = pytest.mark.trio

CONNECTIONS = 1000
PARALLEL = 10


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _counters(node: Node) -> tuple[int, int]:
    """(connections, streams) the node's resource manager counts."""
    rm = node._host.get_network()._resource_manager
    return rm._current_connections, rm._current_streams


async def _settled(node: Node, want: tuple[int, int]) -> tuple[int, int]:
    with trio.move_on_after(10):
        while _counters(node) != want:  # noqa: ASYNC110
            await trio.sleep(0.05)
    return _counters(node)


async def test_a_thousand_forwarded_connections_leave_no_slot_and_no_memory(
    tmp_path: Path,
) -> None:
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        server = make_node_dir(tmp_path, "server", services={"echo": f"127.0.0.1:{echo_port}"})
        client = make_node_dir(tmp_path, "client")
        server.authorize(client)
        client.authorize(server)
        async with open_node(load_config(server.config_path), server.identity) as snode:
            addr = snode.status().listen_addresses[0]
            async with open_node(load_config(client.config_path), client.identity) as cnode:
                await cnode.connect(server.peer_id, [addr])
                fwd = await cnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
                port = int(fwd.listen_address.rsplit(":", 1)[1])
                for _ in range(50):  # warm up: first-use allocations are not growth
                    await exchange(port, os.urandom(4096))
                base = (await _settled(cnode, _counters(cnode)), _counters(snode))
                gc.collect()
                memtrim.trim_now()
                rss0 = _rss_kib()

                async def one() -> None:
                    payload = os.urandom(16 << 10)
                    assert await exchange(port, payload) == payload

                with trio.fail_after(240):
                    for _ in range(CONNECTIONS // PARALLEL):
                        async with trio.open_nursery() as batch:
                            for _ in range(PARALLEL):
                                batch.start_soon(one)
                assert await _settled(cnode, base[0]) == base[0]
                assert await _settled(snode, base[1]) == base[1]
                gc.collect()
                memtrim.trim_now()
                grown = _rss_kib() - rss0
                assert grown < 8 << 10, f"RSS grew {grown} KiB over {CONNECTIONS} connections"
        nursery.cancel_scope.cancel()
