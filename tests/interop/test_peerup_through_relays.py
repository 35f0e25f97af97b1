"""peer-up's own relay client on relays nobody here wrote (js-libp2p 3.x; go-libp2p in kubo 0.22).

Two peer-up nodes reserve on the independent relay, reach each other only through it (no direct
address is known), ping, and forward 1 MiB checksummed both ways through a port forward.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.status import PathType
from app.engine.node import open_node
from tests.helpers.nodes import exchange, make_node_dir, serve_echo, sha256
from tests.interop.peers import RelayProcess, start_js_relay, start_kubo_relay


async def _through(relay: RelayProcess, tmp_path: Path) -> None:
    extra = f"relay: {{addresses: ['{relay.addr}']}}\n"
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        # On loopback a hole punch succeeds at once; this test is about the relayed path.
        home = make_node_dir(
            tmp_path, "home", services={"echo": f"127.0.0.1:{echo_port}"}, extra=extra,
            hole_punching=False,
        )  # fmt: skip
        laptop = make_node_dir(
            tmp_path, "laptop", names={"home": home.peer_id}, extra=extra, hole_punching=False
        )
        home.authorize(laptop)
        laptop.authorize(home)
        async with open_node(load_config(home.config_path), home.identity) as hnode:
            with trio.fail_after(30):
                while not hnode.status().circuit_addresses:  # noqa: ASYNC110 - polls the status
                    await trio.sleep(0.1)
            async with open_node(load_config(laptop.config_path), laptop.identity) as lnode:
                with trio.fail_after(30):
                    path = await lnode.connect("home")
                assert path.path_type is PathType.RELAYED
                assert relay.peer_id in path.address
                pings = [r async for r in lnode.ping("home", count=2, interval=0.05)]
                assert [r.error for r in pings] == [None, None]
                fwd = await lnode.open_forward("home", "echo", "127.0.0.1:0")
                payload = os.urandom(1 << 20)
                with trio.fail_after(60):
                    echoed = await exchange(int(fwd.listen_address.rsplit(":", 1)[1]), payload)
                assert sha256(echoed) == sha256(payload)
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize("start", [start_js_relay, start_kubo_relay], ids=["js-libp2p", "kubo"])
def test_peerup_nodes_through_an_independent_relay(
    start: Callable[..., contextlib.AbstractContextManager[RelayProcess]], tmp_path: Path
) -> None:
    with start(tmp_path) as relay:
        trio.run(_through, relay, tmp_path)
