"""A forwarded connection that ends with no byte moved must not take another one's place.

Found by the soak (tests/soak): during a relay restart many forwarded connections end with no
byte moved while others are still open. Each connection's byte counters sat in a list and were
removed by equality, so one that ended at (0, 0) removed an older, equal one; when that older
connection ended with bytes counted, its counters were no longer in the list and the daemon
died with ``ValueError: list.remove(x): x not in list``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.engine.node import open_node
from tests.helpers.nodes import exchange, make_node_dir, serve_echo

pytestmark = pytest.mark.trio


async def test_an_empty_connection_ending_first_leaves_the_others_counted(tmp_path: Path) -> None:
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
                with trio.fail_after(30):
                    held = await trio.open_tcp_stream("127.0.0.1", port)  # open, no byte yet
                    while cnode.forwards()[0].connections_active < 1:  # noqa: ASYNC110
                        await trio.sleep(0.01)
                    empty = await trio.open_tcp_stream("127.0.0.1", port)
                    while cnode.forwards()[0].connections_active < 2:  # noqa: ASYNC110
                        await trio.sleep(0.01)
                    await empty.aclose()  # ends with no byte moved, while `held` is open
                    while cnode.forwards()[0].connections_active > 1:  # noqa: ASYNC110
                        await trio.sleep(0.01)
                    payload = os.urandom(64 << 10)
                    await held.send_all(payload)
                    await held.send_eof()
                    got = bytearray()
                    while data := await held.receive_some(1 << 16):
                        got += data
                    await held.aclose()
                    assert got == payload
                    while cnode.forwards()[0].connections_active:  # noqa: ASYNC110
                        await trio.sleep(0.01)
                    # The forward (and the node) lives on and still forwards.
                    again = os.urandom(1024)
                    assert await exchange(port, again) == again
                info = cnode.forwards()[0]
                assert (info.connections_total, info.bytes_up, info.bytes_down) == (
                    3,
                    (64 << 10) + 1024,
                    (64 << 10) + 1024,
                )
        nursery.cancel_scope.cancel()
