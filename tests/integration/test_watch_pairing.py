"""Invites and joins on the watch stream, with two real nodes each serving the real local API.

``home`` and ``laptop`` are strangers at first; each is what ``peerup daemon`` composes (a node
and its API server on a real Unix socket), driven by several typed clients at once. An invite
opened by one client of home is seen by every other watcher of home (``invite-changed``, and in
the snapshot while it is open) without its code anywhere; laptop's join reports its steps in order
(``join-progress``), and a wrong code's join its reason; each watcher's folded state equals a
fresh snapshot at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest
import trio

from app.api import models
from app.api.client import open_local_client
from app.api.errors import ApiError
from app.api.models import Resync, Snapshot, WatchEvent
from app.api.transport import ApiEndpoint
from app.core.codes.invitecode import InviteCode, parse_invite_code
from app.core.config import load_config
from app.core.ids.identity import create_identity_file
from app.core.status import InviteChanged, InviteState, JoinProgress, JoinStep
from app.daemon.server import serve_api
from app.engine.node import Node, open_node
from tests.helpers.nodes import make_node_dir
from tests.helpers.watching import Watcher, catch_up, fresh_snapshot, stable

pytestmark = pytest.mark.trio

WatchItems = AsyncGenerator[Snapshot | WatchEvent | Resync, None]
E = TypeVar("E")


@dataclass
class Served:
    node: Node
    endpoint: ApiEndpoint


@contextlib.asynccontextmanager
async def open_two_daemons(tmp_path: Path) -> AsyncIterator[tuple[Served, Served]]:
    """home and laptop, strangers, each a node serving the local API on its own socket."""
    with tempfile.TemporaryDirectory(prefix="pu-", dir="/tmp") as short:
        os.chmod(short, 0o700)
        home_dir = make_node_dir(tmp_path, "home")
        laptop_dir = make_node_dir(tmp_path, "laptop")
        async with (
            trio.open_nursery() as nursery,
            open_node(load_config(home_dir.config_path), home_dir.identity) as home,
            open_node(load_config(laptop_dir.config_path), laptop_dir.identity) as laptop,
        ):
            served = []
            for name, node in (("home", home), ("laptop", laptop)):
                endpoint = ApiEndpoint(Path(short) / f"{name}.sock", Path(short) / f"{name}.cookie")
                await nursery.start(partial(serve_api, node, endpoint, lambda: None))
                served.append(Served(node, endpoint))
            yield served[0], served[1]
            nursery.cancel_scope.cancel()


async def take_until(
    watcher: Watcher, items: WatchItems, wanted: type[E], count: int = 1
) -> list[E]:
    """Take items until ``count`` more events of type ``wanted`` came; return those."""
    found: list[E] = []
    while len(found) < count:
        item = await anext(items)
        watcher.take(item)
        if isinstance(item, WatchEvent) and isinstance(item.event, wanted):
            found.append(item.event)
    return found


async def test_an_invite_is_seen_by_every_watcher_and_a_join_reports_its_steps(
    tmp_path: Path,
) -> None:
    async with (
        open_two_daemons(tmp_path) as (home, laptop),
        open_local_client(home.endpoint) as opener,
        open_local_client(home.endpoint) as tray,
        open_local_client(home.endpoint) as other,
        open_local_client(laptop.endpoint) as joiner,
        open_local_client(laptop.endpoint) as laptop_tray,
    ):
        home_items, laptop_items = tray.watch(), laptop_tray.watch()
        home_w, laptop_w = Watcher(), Watcher()
        with trio.fail_after(60):
            home_w.take(await anext(home_items))
            laptop_w.take(await anext(laptop_items))
            assert home_w.state is not None
            assert home_w.state.invites == ()

            # One client opens an invite; the code is on its own stream only.
            progress = opener.invite(name="home")
            first = await anext(progress)
            assert first.kind == "code"
            assert first.code is not None
            assert first.link is not None
            secrets = (first.code, first.link, first.code.replace("-", ""))
            (opened,) = await take_until(home_w, home_items, InviteChanged)
            assert isinstance(opened, InviteChanged)
            info = opened.invite
            assert info.state is InviteState.OPEN
            assert info.expires_at == first.expires_at
            assert (info.attempts_left, info.failures, info.peer_id) == (3, 0, None)
            assert info.id.startswith("inv-")
            assert home_w.state.invites == (info,)
            # A client that starts watching now finds it in the snapshot, as GET invites does.
            assert (await fresh_snapshot(other)).invites == (info,)
            assert await other.invites() == [info]

            # A wrong code: the join fails on the key exchange and the invite loses an attempt.
            code = parse_invite_code(first.code)
            wrong = dataclasses.replace(code, password=bytes(len(code.password))).text()
            with pytest.raises(ApiError) as refused:
                await joiner.join(wrong)
            assert refused.value.code == "pairing-failed"
            steps = await take_until(laptop_w, laptop_items, JoinProgress, count=3)
            assert [(s.step, s.reason_code) for s in steps] == [
                (JoinStep.CONNECTING, None),
                (JoinStep.EXCHANGING_KEYS, None),
                (JoinStep.FAILED, "wrong-code"),
            ]
            assert steps[-1].reason
            assert {s.peer_id for s in steps} == {home.node.peer_id}
            changes = await take_until(home_w, home_items, InviteChanged, count=2)
            attempt, failed = (c.invite for c in changes)
            assert attempt.peer_id == laptop.node.peer_id
            assert (failed.state, failed.failures, failed.attempts_left) == (
                InviteState.OPEN,
                1,
                2,
            )
            assert (await anext(progress)).kind == "attempt"
            assert (await anext(progress)).kind == "attempt-failed"

            # The right code: every step, in order, under one join ID.
            joined_result = await joiner.join(first.code, name="laptop")
            assert joined_result.peer_id == home.node.peer_id
            steps = await take_until(laptop_w, laptop_items, JoinProgress, count=4)
            assert [s.step for s in steps] == [
                JoinStep.CONNECTING,
                JoinStep.EXCHANGING_KEYS,
                JoinStep.CONFIRMING,
                JoinStep.DONE,
            ]
            assert len({s.join_id for s in steps}) == 1
            assert all(s.reason_code is None for s in steps)
            changes = await take_until(home_w, home_items, InviteChanged, count=2)
            joined = changes[-1].invite
            assert joined.id == info.id
            assert joined.state is InviteState.JOINED
            assert (joined.peer_id, joined.peer_name) == (laptop.node.peer_id, "laptop")
            assert [p.kind for p in [await anext(progress), await anext(progress)]] == [
                "attempt",
                "joined",
            ]
            await progress.aclose()

            # Each watcher's state, snapshot plus events, is what a fresh snapshot shows.
            fresh = await catch_up(home_w, home_items, other)
            assert fresh.invites == ()
            assert stable(home_w.state) == stable(fresh)
            fresh = await catch_up(laptop_w, laptop_items, joiner)
            assert stable(laptop_w.state) == stable(fresh)
            assert [p.name for p in fresh.peers] == ["home"]
        await home_items.aclose()
        await laptop_items.aclose()
    # No event and no snapshot carried the code or its link.
    for watcher in (home_w, laptop_w):
        assert watcher.state is not None
        lines = [models.encode(e.event) for e in watcher.events] + [models.encode(watcher.state)]
        for line in lines:
            assert not any(secret.encode() in line for secret in secrets)


async def test_a_cancelled_invite_leaves_every_watcher(tmp_path: Path) -> None:
    async with (
        open_two_daemons(tmp_path) as (home, _laptop),
        open_local_client(home.endpoint) as opener,
        open_local_client(home.endpoint) as tray,
        open_local_client(home.endpoint) as other,
    ):
        items = tray.watch()
        watcher = Watcher()
        with trio.fail_after(30):
            watcher.take(await anext(items))
            progress = opener.invite(ttl=60)
            assert (await anext(progress)).kind == "code"
            (opened,) = await take_until(watcher, items, InviteChanged)
            assert watcher.state is not None
            assert len(watcher.state.invites) == 1
            await progress.aclose()  # the opening client goes away: the invite is cancelled
            (ended,) = await take_until(watcher, items, InviteChanged)
            assert ended.invite.id == opened.invite.id
            assert ended.invite.state is InviteState.CANCELLED
            assert watcher.state.invites == ()
            fresh = await catch_up(watcher, items, other)
            assert fresh.invites == ()
            assert stable(watcher.state) == stable(fresh)
        await items.aclose()


async def _hold(listener: trio.SocketListener) -> None:
    """Accept connections and never answer (an inviter that hangs mid-handshake)."""
    held: list[trio.SocketStream] = []
    while True:
        held.append(await listener.accept())


async def test_a_join_ends_when_its_client_goes_away(tmp_path: Path) -> None:
    """Closing the join request cancels the join in the daemon (the GUI's Cancel), not only the
    client's wait: ``join-progress`` says ``cancelled`` at once, not after the join's timeout."""
    async with (
        open_two_daemons(tmp_path) as (_home, laptop),
        open_local_client(laptop.endpoint) as joiner,
        open_local_client(laptop.endpoint) as tray,
        trio.open_nursery() as nursery,
    ):
        [listener] = await trio.open_tcp_listeners(0, host="127.0.0.1")
        nursery.start_soon(_hold, listener)
        port = listener.socket.getsockname()[1]
        stranger = create_identity_file(tmp_path / "stranger.key").peer_id
        code = InviteCode.create(
            stranger, addresses=[f"/ip4/127.0.0.1/tcp/{port}"], expires_at=int(time.time()) + 600
        )
        items = tray.watch()
        watcher = Watcher()
        with trio.fail_after(20):
            watcher.take(await anext(items))
            with trio.move_on_after(1.5) as waited:
                await joiner.join(code.text())
            assert waited.cancelled_caught, "the join should hang on the silent inviter"
            (connecting, failed) = await take_until(watcher, items, JoinProgress, count=2)
            assert connecting.step is JoinStep.CONNECTING
            assert (failed.step, failed.reason_code) == (JoinStep.FAILED, "cancelled")
        await items.aclose()
        nursery.cancel_scope.cancel()
