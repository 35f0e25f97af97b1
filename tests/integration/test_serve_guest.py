"""``serve()`` as a trio guest on an asyncio loop, driven through the real API client.

This is what the tray does on its Qt (qasync) loop: ``trio.lowlevel.start_guest_run`` with the
host loop's ``call_soon_threadsafe``. Two nodes run in one guest run: ``home`` exposes an echo
server that lives on the asyncio side, ``laptop`` forwards a local port to it; both are driven
only through :class:`app.api.client.LocalClient` over their real Unix sockets. ``laptop`` stops
through ``POST /v1/shutdown`` (its ``serve()`` returns), ``home`` by cancellation, as the tray
stops it on quit; then the run must be over with nothing left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import outcome
import pytest
import trio

from app.api.client import open_local_client
from app.api.transport import ApiEndpoint, endpoint_for_config
from app.core.config import load_config
from app.core.ids.identity import load_identity
from app.core.status import ForwardState, NodeStatus
from app.daemon.serve import serve
from tests.helpers.nodes import NodeDir, make_node_dir

BOUND = 90.0  # seconds for the whole test, start to clean shutdown
STEP = 30.0  # seconds for any one step
PAYLOAD = b"through the tray's loop\n" * 1000


@dataclass
class Guest:
    """The trio side as the asyncio side sees it: futures it resolves, and how to cancel it."""

    started: asyncio.Future[tuple[NodeStatus, NodeStatus]]
    done: asyncio.Future[outcome.Outcome[None]]
    home_returned: asyncio.Future[None]
    laptop_returned: asyncio.Future[None]
    token: trio.lowlevel.TrioToken | None = None
    scope: trio.CancelScope | None = None

    def cancel(self) -> None:
        """Cancel the guest run from the host loop (through its thread-safe token)."""
        assert self.token is not None
        assert self.scope is not None
        self.token.run_sync_soon(self.scope.cancel)


async def _serving(node: NodeDir, returned: asyncio.Future[None], *, task_status: Any) -> None:
    config = load_config(node.config_path)
    identity = load_identity(config.key_file)
    await serve(config, identity, endpoint_for_config(node.config_path), task_status=task_status)
    returned.set_result(None)  # the guest runs on the host loop's thread


async def _guest_main(guest: Guest, home: NodeDir, laptop: NodeDir) -> None:
    """The trio main function: both ``serve()``s in one nursery, until cancelled."""
    with trio.CancelScope() as scope:
        guest.token = trio.lowlevel.current_trio_token()
        guest.scope = scope
        async with trio.open_nursery() as nursery:
            home_status = await nursery.start(_serving, home, guest.home_returned)
            laptop_status = await nursery.start(_serving, laptop, guest.laptop_returned)
            guest.started.set_result((home_status, laptop_status))
            await trio.sleep_forever()


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """An asyncio echo server: echoes, then sends FIN after the client's FIN."""
    while data := await reader.read(1 << 16):
        writer.write(data)
        await writer.drain()
    writer.write_eof()
    await writer.drain()
    writer.close()


async def _exchange(listen: str, payload: bytes) -> bytes:
    host, port = listen.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(payload)
    await writer.drain()
    writer.write_eof()
    received = await reader.read()  # until EOF
    writer.close()
    await writer.wait_closed()
    return received


async def _accepts(listen: str) -> bool:
    host, port = listen.rsplit(":", 1)
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 2)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def _bounded(what: str, awaited: Awaitable[Any]) -> Any:
    try:
        return await asyncio.wait_for(awaited, STEP)
    except TimeoutError:
        raise AssertionError(f"{what} did not happen within {STEP} s") from None


def _gone(endpoint: ApiEndpoint) -> bool:
    return not endpoint.socket_path.exists() and not endpoint.cookie_path.exists()


async def _drive(home: NodeDir, laptop: NodeDir) -> None:
    loop = asyncio.get_running_loop()
    guest = Guest(*(loop.create_future() for _ in range(4)))
    echo = await asyncio.start_server(_echo, "127.0.0.1", 0)
    echo_port = echo.sockets[0].getsockname()[1]
    home_api = endpoint_for_config(home.config_path)
    laptop_api = endpoint_for_config(laptop.config_path)

    trio.lowlevel.start_guest_run(
        _guest_main,
        guest,
        home,
        laptop,
        run_sync_soon_threadsafe=loop.call_soon_threadsafe,
        done_callback=guest.done.set_result,
    )
    try:
        home_status, laptop_status = await _bounded("start-up", asyncio.shield(guest.started))
        assert home_status.peer_id == home.peer_id
        assert laptop_status.peer_id == laptop.peer_id

        async with open_local_client(home_api) as h, open_local_client(laptop_api) as lap:
            status = await h.status()  # through the socket the guest serves
            assert status.peer_id == home.peer_id
            assert status.listen_addresses == home_status.listen_addresses

            # A service that lives on the asyncio side.
            assert (await h.expose_service("echo", f"127.0.0.1:{echo_port}")).name == "echo"
            assert [s.name for s in await h.services()] == ["echo"]

            # A forward to it from the second node of the same guest run.
            await lap.connect(home.peer_id, [home_status.listen_addresses[0]])
            forward = await lap.open_forward(home.peer_id, "echo")
            assert forward.state is ForwardState.LISTENING
            echoed = await _bounded("an echo", _exchange(forward.listen_address, PAYLOAD))
            assert echoed == PAYLOAD
            [counted] = await lap.forwards()
            assert counted.connections_total == 1
            assert counted.bytes_up == counted.bytes_down == len(PAYLOAD)

            await lap.close_forward(forward.id)
            assert await lap.forwards() == []
            assert not await _accepts(forward.listen_address)

            # laptop is asked to stop: its serve() returns, home keeps serving.
            await lap.shutdown()
        await _bounded("laptop's serve() to return", asyncio.shield(guest.laptop_returned))
        assert _gone(laptop_api)
        async with open_local_client(home_api) as h:
            assert (await h.status()).peer_id == home.peer_id

        guest.cancel()  # as the tray stops it on quit
        result = await _bounded("the guest run to end", asyncio.shield(guest.done))
        result.unwrap()  # the cancel scope caught the cancellation: no error, no group
    finally:
        if not guest.done.done() and guest.token is not None:
            guest.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(guest.done), STEP)
        echo.close()
        await echo.wait_closed()

    assert not guest.home_returned.done()  # cancelled, not returned
    assert _gone(home_api)
    assert asyncio.all_tasks() == {asyncio.current_task()}  # nothing left on the host loop


async def _bounded_drive(home: NodeDir, laptop: NodeDir) -> None:
    async with asyncio.timeout(BOUND):  # in this task, so that the test's task is the only one
        await _drive(home, laptop)


def test_serve_runs_as_a_trio_guest_on_asyncio_and_stops_cleanly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    home = make_node_dir(tmp_path, "home")
    laptop = make_node_dir(tmp_path, "laptop", names={"home": home.peer_id})
    home.authorize(laptop)
    laptop.authorize(home)
    asyncio.run(_bounded_drive(home, laptop))
    printed = capfd.readouterr()
    assert printed.out == ""  # serve() prints nothing: the ready line is the daemon's
    assert "ready" not in printed.err
