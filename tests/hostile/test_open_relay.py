"""A relay opened to everyone (``relay_service.open_reservations``) gives strangers its hop only.

Without the option the hop reserves only for authorized peers (tests/hostile/
test_outbound_stranger.py); with it, a stranger may connect, reserve and ask for a dial-back,
and still reaches nothing else of the relay.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.ids.names import service_protocol_id
from app.core.peers import admission
from app.engine.node import open_node
from tests.helpers.nodes import make_node_dir, serve_echo
from tests.hostile.attack import opened

pytestmark = pytest.mark.trio


async def test_an_open_relay_reserves_for_a_stranger_and_serves_it_nothing_else(
    tmp_path: Path,
) -> None:
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        relay = make_node_dir(
            tmp_path,
            "relay",
            services={"echo": f"127.0.0.1:{echo_port}"},
            extra="relay_service: {enabled: true, open_reservations: true}\n",
        )
        friend = make_node_dir(tmp_path, "friend")
        relay.authorize(friend)
        friend.authorize(relay)
        async with open_node(load_config(relay.config_path), relay.identity) as rnode:
            address = rnode.status().listen_addresses[0]
            stranger = make_node_dir(
                tmp_path, "stranger", extra=f"relay: {{addresses: ['{address}']}}\n"
            )
            async with (
                open_node(load_config(stranger.config_path), stranger.identity) as snode,
                open_node(load_config(friend.config_path), friend.identity) as fnode,
            ):
                with trio.fail_after(20):
                    while not snode.status().relays[0].reserved:  # noqa: ASYNC110 - polls status
                        await trio.sleep(0.05)
                attempts = [
                    service_protocol_id("echo"),
                    admission.VERIFY,
                    admission.PING,
                    rnode.config.ping_protocol,
                    admission.HOP,
                    admission.DIALBACK,
                ]
                host = snode._require_host()
                assert await opened(host, rnode.peer_id, attempts) == {
                    admission.HOP,
                    admission.DIALBACK,
                }
                await fnode.connect(rnode.peer_id, [address])
                pings = [r async for r in fnode.ping(rnode.peer_id, count=1, interval=0)]
                assert pings[0].rtt_ms is not None
        nursery.cancel_scope.cancel()
