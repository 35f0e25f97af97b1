"""GET /v1/watch on a real node and its API server, over a real Unix socket, with the typed client.

The daemon here is what ``peerup daemon`` runs (``open_node`` plus ``serve_api``) inside the
test's trio run, with a second real node as the peer its forwards reach; the client is
:class:`~app.api.client.LocalClient` (httpx runs on trio too). What is shown: a watcher that
starts while other clients change the node loses nothing (its state, rebuilt from the snapshot
and the events, equals a fresh snapshot); a watcher that stops reading gets a resync and a fresh
snapshot, then live events again; event numbers are consecutive.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import trio

from app.api.client import LocalClient, open_local_client
from app.api.errors import ApiError
from app.api.models import Snapshot, WatchEvent
from app.api.transport import ApiEndpoint
from app.core.config import load_config
from app.core.status import ServicesChanged
from app.daemon.server import serve_api
from app.engine.node import Node, open_node
from tests.helpers.nodes import make_node_dir, serve_echo
from tests.helpers.watching import Watcher, catch_up, fresh_snapshot, stable

pytestmark = pytest.mark.trio


@dataclass
class Daemon:
    node: Node
    peer_id: str  # the peer its forwards reach
    endpoint: ApiEndpoint


@contextlib.asynccontextmanager
async def open_daemon(tmp_path: Path) -> AsyncIterator[Daemon]:
    """A node serving the local API (as ``peerup daemon`` composes them), connected to a peer
    that offers an ``echo`` service."""
    with tempfile.TemporaryDirectory(prefix="pu-", dir="/tmp") as short:
        os.chmod(short, 0o700)
        endpoint = ApiEndpoint(Path(short) / "api.sock", Path(short) / "api.cookie")
        async with trio.open_nursery() as nursery:
            echo_port = await nursery.start(serve_echo)
            home = make_node_dir(tmp_path, "home", services={"echo": f"127.0.0.1:{echo_port}"})
            laptop = make_node_dir(tmp_path, "laptop")
            home.authorize(laptop)
            laptop.authorize(home)
            async with (
                open_node(load_config(home.config_path), home.identity) as home_node,
                open_node(load_config(laptop.config_path), laptop.identity) as node,
            ):
                await node.connect(home.peer_id, [home_node.status().listen_addresses[0]])
                await nursery.start(partial(serve_api, node, endpoint, nursery.cancel_scope.cancel))
                yield Daemon(node, home.peer_id, endpoint)
                nursery.cancel_scope.cancel()


async def test_a_watcher_started_amid_changes_loses_nothing(tmp_path: Path) -> None:
    """Every round starts a watch while two clients keep exposing services and opening and closing
    forwards; then the changes stop, one last marker change is made, and once the watcher has seen
    it, its state must equal a fresh snapshot's."""
    rng = random.Random(12)
    async with open_daemon(tmp_path) as daemon:
        for round_ in range(8):
            async with (
                open_local_client(daemon.endpoint) as changer,
                open_local_client(daemon.endpoint) as other,
                open_local_client(daemon.endpoint) as watching,
            ):
                done = trio.Event()

                async def change_services(client: LocalClient, tag: str, done: trio.Event) -> None:
                    n = 0
                    while not done.is_set() and n < 200:
                        # Every fourth one goes into config.yaml too (config-changed, and a
                        # refresh snapshot after it).
                        persist = n % 4 == 0
                        await client.expose_service(f"{tag}-{n}", "127.0.0.1:9", persist=persist)
                        if n % 3 == 2:
                            await client.unexpose_service(f"{tag}-{n - 1}", persist=True)
                        n += 1

                async def change_forwards(client: LocalClient, done: trio.Event) -> None:
                    n = 0
                    while not done.is_set() and n < 100:
                        forward = await client.open_forward(daemon.peer_id, "echo")
                        if n % 2:
                            await client.close_forward(forward.id)
                        n += 1

                watcher = Watcher()
                with trio.fail_after(60):
                    async with trio.open_nursery() as nursery:
                        nursery.start_soon(change_services, changer, f"r{round_}", done)
                        nursery.start_soon(change_forwards, other, done)
                        await trio.sleep(rng.uniform(0.0, 0.05))
                        items = watching.watch()
                        watcher.take(await anext(items))
                        await trio.sleep(rng.uniform(0.0, 0.1))
                        done.set()
                    marker = f"end-{round_}"
                    await changer.expose_service(marker, "127.0.0.1:9")
                    async for item in items:
                        watcher.take(item)
                        assert watcher.state is not None
                        if marker in [s.name for s in watcher.state.services]:
                            break
                    # The node may have changed on its own meanwhile (a path's RTT, a grade).
                    fresh = await catch_up(watcher, items, other)
                    await items.aclose()
                assert watcher.state.seq == fresh.seq
                assert stable(watcher.state) == stable(fresh)
                assert watcher.resyncs == 0
            for forward in daemon.node.forwards():
                await daemon.node.close_forward(forward.id)
            for service in daemon.node.services():
                daemon.node.unexpose_service(service.name, persist=True)


async def test_a_watcher_that_stops_reading_gets_a_resync_and_a_fresh_snapshot(
    tmp_path: Path,
) -> None:
    async with (
        open_daemon(tmp_path) as daemon,
        open_local_client(daemon.endpoint) as client,
    ):
        node = daemon.node
        for n in range(40):  # large events fill the socket sooner
            node.expose_service(f"svc-{n:02}", "127.0.0.1:9")
        watcher = Watcher()
        items = client.watch()
        with trio.fail_after(10):
            watcher.take(await anext(items))
        assert node.bus.statistics()["subscribers"] == 1
        # The watcher stops reading. The node goes on changing, letting the server write between
        # changes, until the watcher has fallen more than its buffer behind (the bus takes it off
        # until it reads again).
        toggles = 0
        with trio.fail_after(120):
            while node.bus.statistics()["subscribers"] and toggles < 20_000:
                node.expose_service("toggle", "127.0.0.1:9")
                node.unexpose_service("toggle")
                toggles += 1
                await trio.lowlevel.checkpoint()
        assert node.bus.statistics()["subscribers"] == 0, "the watcher never fell behind"
        node.expose_service("after-overflow", "127.0.0.1:9")
        with trio.fail_after(30):
            # It reads again: the events that were on their way (numbered one after another, as
            # Watcher checks), then a resync and a fresh snapshot instead of an end.
            while watcher.resyncs == 0:
                watcher.take(await anext(items))
            assert len(watcher.seqs) < 2 * toggles - 1024
            snapshot = await anext(items)
            assert isinstance(snapshot, Snapshot)
            watcher.take(snapshot)
            assert "after-overflow" in [s.name for s in snapshot.services]
            assert stable(snapshot) == stable(await fresh_snapshot(client))
            # Then live events again, numbered on from the snapshot.
            node.expose_service("live", "127.0.0.1:9")
            item = await anext(items)
            assert isinstance(item, WatchEvent)
            assert isinstance(item.event, ServicesChanged)
            watcher.take(item)
            assert item.seq == snapshot.seq + 1
        await items.aclose()


async def test_events_are_numbered_one_after_another(tmp_path: Path) -> None:
    async with (
        open_daemon(tmp_path) as daemon,
        open_local_client(daemon.endpoint) as client,
    ):
        items = client.watch()
        watcher = Watcher()
        with trio.fail_after(30):
            watcher.take(await anext(items))
            assert watcher.state is not None
            start = watcher.state.seq
            forward = await client.open_forward(daemon.peer_id, "echo")
            for n in range(5):
                await client.expose_service(f"s{n}", "127.0.0.1:9")
            await client.close_forward(forward.id)
            while len(watcher.seqs) < 7:
                watcher.take(await anext(items))
        assert watcher.seqs == list(range(start + 1, start + 8))
        assert watcher.state is not None
        assert [s.name for s in watcher.state.services] == [f"s{n}" for n in range(5)]
        assert watcher.state.forwards == ()
        await items.aclose()


async def test_the_event_stream_reports_lost_events(tmp_path: Path) -> None:
    async with (
        open_daemon(tmp_path) as daemon,
        open_local_client(daemon.endpoint) as client,
    ):
        node = daemon.node
        events = client.events()

        async def burst() -> None:
            while not node.bus.statistics()["subscribers"]:  # noqa: ASYNC110 - polling
                await trio.sleep(0.01)
            # More events at once than a subscriber may have pending.
            for n in range(1100):
                node.expose_service(f"burst-{n}", "127.0.0.1:9")

        async def read_until_an_error() -> ApiError | None:
            try:
                for _ in range(1100):
                    await anext(events)
            except ApiError as exc:
                return exc
            return None

        with trio.fail_after(30):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(burst)
                error = await read_until_an_error()
        assert error is not None
        assert error.code == "events-lost"
