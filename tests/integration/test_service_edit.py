"""Exposing a configured service again with ``persist`` replaces it (the tray's edit dialog).

Two real nodes on loopback and two echo servers told apart by a prefix: after the edit, new
connections reach the new address, and the allowed peers and ``verified_only`` are the new
ones; its ``enabled`` and the config's comments stay. The node lists the configured services
that are disabled too, and each edit of them is one ``services-changed`` event.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.errors import AlreadyExistsError
from app.core.status import ServicesChanged
from app.engine.bus import Numbered, Subscription
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
            # Listed, switched off, as configured (the edit shows in the list too).
            [listed] = snode.services()
            assert (listed.enabled, listed.local_address, listed.streams_total) == (
                False,
                f"127.0.0.1:{old_port}",
                0,
            )
        nursery.cancel_scope.cancel()


async def _services_events(events: Subscription) -> list[tuple[tuple[str, bool, str], ...]]:
    """The services-changed events published so far, each as (name, enabled, address) rows."""
    found = []
    while events.pending:  # published synchronously: all are buffered already
        item = await anext(events)
        assert isinstance(item, Numbered)
        if isinstance(item.event, ServicesChanged):
            found.append(tuple((s.name, s.enabled, s.local_address) for s in item.event.services))
    return found


async def test_disabled_services_are_listed_in_config_order_and_every_edit_is_one_event(
    tmp_path: Path,
) -> None:
    """Configured services in config order (a disabled one as configured), then those exposed
    through the API only, by name; an edit of a disabled service, its removal, a disable and an
    enable are each one ``services-changed`` event with the whole list."""
    services = (
        "services:\n"
        "  web: {enabled: true, local_address: '127.0.0.1:8080'}\n"
        "  db: {enabled: false, local_address: '127.0.0.1:5432'}\n"
        "  ssh: {enabled: true, local_address: '127.0.0.1:22'}\n"
    )
    node_dir = make_node_dir(tmp_path, "home", extra=services)
    async with open_node(load_config(node_dir.config_path), node_dir.identity) as node:
        node.expose_service("zz", "127.0.0.1:9")
        node.expose_service("aa", "127.0.0.1:9")
        rows = [(s.name, s.enabled) for s in node.services()]
        assert rows == [("web", True), ("db", False), ("ssh", True), ("aa", True), ("zz", True)]
        assert node.status().services == 4  # the exposed ones
        assert [s.streams_total for s in node.services()] == [0] * 5

        async with node.subscribe() as events:
            node.expose_service("db", "127.0.0.1:5433", persist=True)  # edited while disabled
            node.set_service_enabled("web", False)
            node.set_service_enabled("db", True)
            node.unexpose_service("ssh", persist=True)
            node.set_service_enabled("web", True)  # exposed again: back in its place
            web, db, ssh = "127.0.0.1:8080", "127.0.0.1:5433", "127.0.0.1:22"
            api = (("aa", True, "127.0.0.1:9"), ("zz", True, "127.0.0.1:9"))
            assert await _services_events(events) == [
                (("web", True, web), ("db", False, db), ("ssh", True, ssh), *api),
                (("web", False, web), ("db", False, db), ("ssh", True, ssh), *api),
                (("web", False, web), ("db", True, db), ("ssh", True, ssh), *api),
                (("web", False, web), ("db", True, db), *api),
                (("web", True, web), ("db", True, db), *api),
            ]
            node.unexpose_service("db", persist=True)
            node.set_service_enabled("web", False)
            node.unexpose_service("web", persist=True)  # removed while disabled: one event
            assert await _services_events(events) == [
                (("web", True, web), *api),
                (("web", False, web), *api),
                api,
            ]
