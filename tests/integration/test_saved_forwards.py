"""Saved forwards (``open_forward(persist=True)``): in config.yaml, stopped and started, back
after a restart with the same id. Two real nodes on loopback, a real echo service."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.errors import (
    AddressInUseError,
    AlreadyExistsError,
    ForwardNotFoundError,
    ForwardNotSavedError,
)
from app.core.status import ConfigChanged, ForwardChanged, ForwardState
from app.engine.bus import Numbered
from app.engine.node import Node, open_node
from tests.helpers.nodes import NodeDir, accepts_tcp, exchange, free_port, make_node_dir, serve_echo

pytestmark = pytest.mark.trio

NOTE = "# my own note: keep me\n"


def _pair(tmp_path: Path, echo_port: int, *, client_extra: str = "") -> tuple[NodeDir, NodeDir]:
    server = make_node_dir(tmp_path, "server", services={"echo": f"127.0.0.1:{echo_port}"})
    client = make_node_dir(
        tmp_path, "client", names={"server": server.peer_id}, extra=NOTE + client_extra
    )
    server.authorize(client)
    client.authorize(server)
    return server, client


def _port(listen: str) -> int:
    return int(listen.rsplit(":", 1)[1])


def _listed(node: Node, forward_id: str) -> ForwardState | None:
    return next((f.state for f in node.forwards() if f.id == forward_id), None)


async def test_a_saved_forward_stops_starts_survives_a_restart_and_is_removed(
    tmp_path: Path,
) -> None:
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        server, client = _pair(tmp_path, echo_port)
        port = free_port()
        async with open_node(load_config(server.config_path), server.identity) as snode:
            addr = snode.status().listen_addresses[0]
            async with open_node(load_config(client.config_path), client.identity) as cnode:
                await cnode.connect(server.peer_id, [addr])
                saved = await cnode.open_forward(
                    "server", "echo", f"127.0.0.1:{port}", persist=True
                )
                assert saved.id == f"cfg-127.0.0.1:{port}"
                assert (saved.persistent, saved.enabled, saved.state) == (
                    True,
                    True,
                    ForwardState.LISTENING,
                )
                assert await exchange(port, b"saved") == b"saved"
                [entry] = load_config(client.config_path).forwards
                assert (entry.peer, entry.service, entry.listen, entry.enabled) == (
                    server.peer_id,  # the peer ID, which a rename cannot break
                    "echo",
                    f"127.0.0.1:{port}",
                    True,
                )
                assert NOTE.strip() in client.config_path.read_text()

                # Stop: the listener closes, the forward stays listed and configured.
                stopped = await cnode.set_forward_enabled(saved.id, False)
                assert (stopped.state, stopped.enabled, stopped.persistent) == (
                    ForwardState.STOPPED,
                    False,
                    True,
                )
                assert stopped.bytes_up == len(b"saved")  # its counters so far
                assert not await accepts_tcp(port)
                assert _listed(cnode, saved.id) is ForwardState.STOPPED
                assert load_config(client.config_path).forwards[0].enabled is False
                again = await cnode.set_forward_enabled(saved.id, False)
                assert again.state is ForwardState.STOPPED  # already stopped: nothing to do

                # An ephemeral forward can only be closed.
                other = await cnode.open_forward("server", "echo", "127.0.0.1:0")
                with pytest.raises(ForwardNotSavedError):
                    await cnode.set_forward_enabled(other.id, False)
                await cnode.close_forward(other.id)
                with pytest.raises(ForwardNotFoundError):
                    await cnode.set_forward_enabled("cfg-127.0.0.1:1", True)
                # Its address is kept for it while stopped.
                with pytest.raises(AlreadyExistsError):
                    await cnode.open_forward("server", "echo", f"127.0.0.1:{port}", persist=True)

                started = await cnode.set_forward_enabled(saved.id, True)
                assert (started.state, started.enabled) == (ForwardState.LISTENING, True)
                assert await exchange(port, b"back") == b"back"
                assert load_config(client.config_path).forwards[0].enabled is True

            # A restart: the forward is back, with the same id; then it is stopped and removed.
            async with (
                open_node(load_config(client.config_path), client.identity) as cnode,
                cnode.subscribe() as events,
            ):
                [back] = cnode.forwards()
                assert (back.id, back.state, back.persistent, back.peer_name) == (
                    saved.id,
                    ForwardState.LISTENING,
                    True,
                    "server",
                )
                await cnode.connect(server.peer_id, [addr])
                assert await exchange(port, b"after restart") == b"after restart"
                await cnode.set_forward_enabled(saved.id, False)
                await cnode.close_forward(saved.id)  # a stopped one, too
                assert cnode.forwards() == []
                assert load_config(client.config_path).forwards == ()
                assert NOTE.strip() in client.config_path.read_text()
                seen = []
                with trio.fail_after(5):
                    async for item in events:
                        assert isinstance(item, Numbered)
                        event = item.event
                        if isinstance(event, ForwardChanged):
                            seen.append((event.forward.state, event.forward.enabled))
                        if isinstance(event, ConfigChanged):
                            assert event.restart_needed == ()
                        if seen[-1:] == [(ForwardState.CLOSED, False)]:
                            break
                assert (ForwardState.STOPPED, False) in seen

            # Removed: the next start has no forward.
            async with open_node(load_config(client.config_path), client.identity) as cnode:
                assert cnode.forwards() == []
        nursery.cancel_scope.cancel()


async def test_port_zero_saves_the_port_it_got(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        server, client = _pair(tmp_path, echo_port)
        async with (
            open_node(load_config(server.config_path), server.identity) as snode,
            open_node(load_config(client.config_path), client.identity) as cnode,
        ):
            await cnode.connect(server.peer_id, [snode.status().listen_addresses[0]])
            saved = await cnode.open_forward(server.peer_id, "echo", "localhost:0", persist=True)
            port = _port(saved.listen_address)
            assert port != 0
            assert saved.id == f"cfg-localhost:{port}"
            assert [f.listen for f in load_config(client.config_path).forwards] == [
                f"localhost:{port}"
            ]
        nursery.cancel_scope.cancel()


async def test_config_forwards_stopped_failed_and_edited_by_the_config(tmp_path: Path) -> None:
    """A stopped entry is listed without a listener; one whose port is taken is listed failed
    and starts once the port is free; an entry removed from the config closes."""
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        taken = await trio.open_tcp_listeners(0, host="127.0.0.1")
        busy, idle = int(taken[0].socket.getsockname()[1]), free_port()
        extra = (
            "forwards:\n"
            f"  - {{peer: server, service: echo, listen: '127.0.0.1:{idle}', enabled: false}}\n"
            f"  - {{peer: server, service: echo, listen: '127.0.0.1:{busy}'}}\n"
        )
        server, client = _pair(tmp_path, echo_port, client_extra=extra)
        async with (
            open_node(load_config(server.config_path), server.identity) as snode,
            open_node(load_config(client.config_path), client.identity) as cnode,
        ):
            await cnode.connect(server.peer_id, [snode.status().listen_addresses[0]])
            stopped, failed = cnode.forwards()
            assert (stopped.peer_id, stopped.peer_name) == (server.peer_id, "server")
            assert (stopped.id, stopped.state, stopped.enabled, stopped.listen_address) == (
                f"cfg-127.0.0.1:{idle}",
                ForwardState.STOPPED,
                False,
                f"127.0.0.1:{idle}",
            )
            assert (failed.id, failed.state, failed.enabled, failed.last_error_code) == (
                f"cfg-127.0.0.1:{busy}",
                ForwardState.FAILED,
                True,
                "address-in-use",
            )
            assert not await accepts_tcp(idle)
            with pytest.raises(AddressInUseError):
                await cnode.set_forward_enabled(failed.id, True)
            for listener in taken:
                await listener.aclose()
            assert (await cnode.set_forward_enabled(failed.id, True)).state is (
                ForwardState.LISTENING
            )
            assert await exchange(busy, b"free now") == b"free now"

            # An edit of the config by another writer is applied to the forwards too.
            async with cnode.subscribe() as events:
                with cnode.settings_store.edit() as editor:
                    editor.remove_forward(f"127.0.0.1:{busy}")
                    editor.set_forward_enabled(f"127.0.0.1:{idle}", True)
                wanted = [(stopped.id, ForwardState.LISTENING)]
                with trio.fail_after(10):
                    async for _ in events:  # each forward-changed may be the last one needed
                        if [(f.id, f.state) for f in cnode.forwards()] == wanted:
                            break
            assert not await accepts_tcp(busy)
            assert await exchange(idle, b"opened by the config") == b"opened by the config"
        nursery.cancel_scope.cancel()
