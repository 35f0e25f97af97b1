"""Exposing a configured service again with ``persist`` replaces it (the tray's edit dialog).

Two real nodes on loopback and two echo servers told apart by a prefix: after the edit, new
connections reach the new address, and the allowed peers and ``verified_only`` are the new
ones; its ``enabled`` and the config's comments stay.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.errors import AlreadyExistsError
from app.engine.node import open_node
from tests.helpers.nodes import exchange, make_node_dir

pytestmark = pytest.mark.trio

NOTE = "# my own note: keep me\n"


async def serve_tagged(tag: bytes, task_status=trio.TASK_STATUS_IGNORED) -> None:  # type: ignore[no-untyped-def]
    """A TCP server that answers ``tag`` + what it got, then closes."""

    async def handle(stream: trio.SocketStream) -> None:
        with contextlib.suppress(trio.BrokenResourceError):
            async with stream:
                data = b""
                while chunk := await stream.receive_some(1 << 16):
                    data += chunk
                await stream.send_all(tag + data)

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(handle, listeners)


async def test_persist_replaces_a_configured_service(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        old_port = await nursery.start(serve_tagged, b"old:")
        new_port = await nursery.start(serve_tagged, b"new:")
        server = make_node_dir(
            tmp_path, "server", services={"echo": f"127.0.0.1:{old_port}"}, extra=NOTE
        )
        client = make_node_dir(tmp_path, "client")
        server.authorize(client)
        client.authorize(server)
        async with (
            open_node(load_config(server.config_path), server.identity) as snode,
            open_node(load_config(client.config_path), client.identity) as cnode,
        ):
            await cnode.connect(server.peer_id, [snode.status().listen_addresses[0]])
            forward = await cnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
            port = int(forward.listen_address.rsplit(":", 1)[1])
            assert await exchange(port, b"hi") == b"old:hi"

            with pytest.raises(AlreadyExistsError):  # without persist: still refused
                snode.expose_service("echo", f"127.0.0.1:{new_port}")
            edited = snode.expose_service(
                "echo",
                f"127.0.0.1:{new_port}",
                [client.peer_id],
                persist=True,
                verified_only=False,
            )
            assert (edited.local_address, edited.allowed_peers, edited.enabled) == (
                f"127.0.0.1:{new_port}",
                (client.peer_id,),
                True,
            )
            assert await exchange(port, b"hi") == b"new:hi"
            [service] = load_config(server.config_path).services
            assert (service.local_address, service.allowed_peers) == (
                f"127.0.0.1:{new_port}",
                (client.peer_id,),
            )
            assert NOTE.strip() in server.config_path.read_text()

            # verified_only now: the unverified client is refused at once.
            snode.expose_service("echo", f"127.0.0.1:{new_port}", persist=True, verified_only=True)
            assert [s.verified_only for s in snode.services()] == [True]
            assert await exchange(port, b"hi") == b""
            # A disabled service stays disabled through an edit.
            snode.set_service_enabled("echo", False)
            snode.expose_service("echo", f"127.0.0.1:{old_port}", persist=True)
            [service] = load_config(server.config_path).services
            assert (service.enabled, service.local_address, service.allowed_peers) == (
                False,
                f"127.0.0.1:{old_port}",
                (),
            )
            assert snode.services() == []
        nursery.cancel_scope.cancel()
