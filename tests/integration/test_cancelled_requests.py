"""A client that gives up on a long request ends it in the daemon too (the tray's Cancel).

laptop serves the local API (as ``peerup daemon`` composes it) and knows home only through a
slow door: a TCP proxy that accepts at once but passes nothing on for :data:`DELAY` seconds,
so laptop's dial hangs in the handshake, then goes through. A forward asked for and cancelled
before that must not open once the door does: the daemon stops the dial when the client goes
away, and the forward's port stays free.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
import trio

from app.api.client import open_local_client
from app.api.transport import ApiEndpoint
from app.core.config import load_config
from app.daemon.server import serve_api
from app.engine.node import open_node
from tests.helpers.nodes import free_port, make_node_dir, serve_echo

pytestmark = [pytest.mark.trio, pytest.mark.slow]

DELAY = 4.0
"""Seconds the door holds a connection before passing it on (well under the dial's 10 s)."""


@dataclass
class SlowDoor:
    """What the proxy saw: connections accepted, and those their dialer closed while held."""

    accepted: int = 0
    closed_while_held: int = 0
    changed: trio.Event = field(default_factory=trio.Event)

    def _tell(self) -> None:
        self.changed.set()
        self.changed = trio.Event()

    async def wait_for(self, check: Callable[[], object]) -> None:
        """Wait (bounded by the caller) until ``check()`` holds."""
        while not check():
            await self.changed.wait()

    async def serve(self, target: int, task_status=trio.TASK_STATUS_IGNORED) -> None:  # type: ignore[no-untyped-def]
        """Listen on 127.0.0.1; hold each connection for DELAY s, then splice it to ``target``."""
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        task_status.started(listeners[0].socket.getsockname()[1])
        await trio.serve_listeners(partial(self._handle, target), listeners)

    async def _handle(self, target: int, client: trio.SocketStream) -> None:
        self.accepted += 1
        self._tell()
        held = bytearray()
        async with client:
            with trio.move_on_after(DELAY):
                with contextlib.suppress(trio.BrokenResourceError):
                    while chunk := await client.receive_some(1 << 16):
                        held += chunk
                self.closed_while_held += 1  # EOF or reset before the door opened
                self._tell()
                return
            upstream = await trio.open_tcp_stream("127.0.0.1", target)
            async with upstream:
                await upstream.send_all(bytes(held))
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(_pipe, client, upstream, nursery.cancel_scope)
                    nursery.start_soon(_pipe, upstream, client, nursery.cancel_scope)


async def _pipe(src: trio.SocketStream, dst: trio.SocketStream, scope: trio.CancelScope) -> None:
    with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
        while chunk := await src.receive_some(1 << 16):
            await dst.send_all(chunk)
    scope.cancel()


async def test_a_cancelled_forward_request_leaves_no_forward(tmp_path: Path) -> None:
    door = SlowDoor()
    home_port = free_port()
    with tempfile.TemporaryDirectory(prefix="pu-", dir="/tmp") as short:
        os.chmod(short, 0o700)
        endpoint = ApiEndpoint(Path(short) / "api.sock", Path(short) / "api.cookie")
        async with trio.open_nursery() as nursery:
            echo_port = await nursery.start(serve_echo)
            home = make_node_dir(
                tmp_path,
                "home",
                listen=f"/ip4/127.0.0.1/tcp/{home_port}",
                services={"echo": f"127.0.0.1:{echo_port}"},
            )
            door_port = await nursery.start(door.serve, home_port)
            laptop = make_node_dir(
                tmp_path,
                "laptop",
                names={"home": home.peer_id},
                peer_addresses={"home": [f"/ip4/127.0.0.1/tcp/{door_port}"]},
            )
            home.authorize(laptop)
            laptop.authorize(home)
            async with (
                open_node(load_config(home.config_path), home.identity),
                open_node(load_config(laptop.config_path), laptop.identity) as node,
            ):
                await nursery.start(partial(serve_api, node, endpoint, lambda: None))
                listen = f"127.0.0.1:{free_port()}"
                async with open_local_client(endpoint) as client:
                    answered: list[object] = []
                    async with trio.open_nursery() as requests:

                        async def ask() -> None:
                            answered.append(await client.open_forward("home", "echo", listen))

                        requests.start_soon(ask)
                        with trio.fail_after(10):
                            await door.wait_for(lambda: door.accepted)
                        held_at = trio.current_time()
                        requests.cancel_scope.cancel()  # the Cancel button
                    assert answered == [], "the dial should hang at the door"
                    # The daemon gives up the dial at once: the door sees it close.
                    with trio.fail_after(DELAY - 1):
                        await door.wait_for(lambda: door.closed_while_held)
                    # Well after the door would have let the dial through: no forward.
                    await trio.sleep_until(held_at + DELAY + 1)
                    assert door.accepted == 1
                    assert await client.forwards() == []
                    assert node.forwards() == []
                    check = await client.check_listen(listen)
                    assert (check.free, check.error_code) == (True, None)

                    # The same request, not cancelled, goes through the door (slowly).
                    with trio.fail_after(DELAY + 10):
                        forward = await client.open_forward("home", "echo", listen)
                    assert forward.listen_address == listen
                    assert door.accepted == 2
                nursery.cancel_scope.cancel()
