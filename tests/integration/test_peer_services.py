"""A peer's offered services (the forward dialog's service picker), between real nodes.

The server offers services from its config and one exposed through the API; the client asks
for them before it is connected (it connects first), after the server exposes another one
(identify is asked afresh), and for peers it cannot reach or may not ask.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.errors import NotAuthorizedError, PeerUnreachableError
from app.engine.node import open_node
from tests.helpers.nodes import free_port, make_node_dir

pytestmark = pytest.mark.trio


async def test_the_services_a_peer_offers(tmp_path: Path) -> None:
    port = free_port()
    server = make_node_dir(
        tmp_path,
        "server",
        listen=f"/ip4/127.0.0.1/tcp/{port}",
        services={"web": "127.0.0.1:8080", "echo": "127.0.0.1:7"},
    )
    client = make_node_dir(
        tmp_path,
        "client",
        names={"server": server.peer_id},
        peer_addresses={"server": [f"/ip4/127.0.0.1/tcp/{port}"]},
    )
    server.authorize(client)
    client.authorize(server)
    async with (
        open_node(load_config(server.config_path), server.identity) as snode,
        open_node(load_config(client.config_path), client.identity) as cnode,
    ):
        assert cnode.paths() == []
        with trio.fail_after(30):
            # peer-up's own protocols (verify, reachability, dialback, …) are no services.
            assert await cnode.peer_services("server") == ["echo", "web"]
        assert [p.peer_id for p in cnode.paths()] == [server.peer_id]  # it connected

        snode.expose_service("ssh", "127.0.0.1:22")
        with trio.fail_after(30):
            assert await cnode.peer_services(server.peer_id) == ["echo", "ssh", "web"]
        snode.unexpose_service("web", persist=True)
        with trio.fail_after(30):
            assert await cnode.peer_services("server") == ["echo", "ssh"]


async def test_an_unreachable_or_unauthorized_peer(tmp_path: Path) -> None:
    offline = make_node_dir(tmp_path, "offline")
    stranger = make_node_dir(tmp_path, "stranger")
    client = make_node_dir(
        tmp_path,
        "client",
        names={"offline": offline.peer_id},
        peer_addresses={"offline": [f"/ip4/127.0.0.1/tcp/{free_port()}"]},
    )
    client.authorize(offline)
    async with open_node(load_config(client.config_path), client.identity) as cnode:
        with pytest.raises(PeerUnreachableError), trio.fail_after(30):
            await cnode.peer_services("offline")
        with pytest.raises(NotAuthorizedError):
            await cnode.peer_services(stranger.peer_id)
